/**
 * The service loads the Anthropic and Stripe SDKs only when it needs them: offline chat and serving with no
 * Stripe connection never import them (together about 17 MB of resident memory, docs/benchmarks.md). A
 * module-resolution hook in the child process lists every package it imports; `hono` being there shows the
 * hook sees the service's imports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cfo, freePort, ROOT, target } from '../helpers/cli';
import { onPostgres } from '../helpers/db';

const LAZY = ['@anthropic-ai/sdk', 'stripe'];

/** A `--import` script that appends every specifier the child resolves to `log`. */
function resolutionLogger(dir: string): { hook: string; imported(): string[] } {
  const log = join(dir, 'resolved.txt');
  writeFileSync(log, '');
  const hook = join(dir, 'hook.mjs');
  const hooks = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  appendFileSync(${JSON.stringify(log)}, specifier + '\\n');
  return next(specifier, context);
}`;
  writeFileSync(
    hook,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`,
  );
  return { hook: pathToFileURL(hook).href, imported: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

// Which modules load does not depend on the database: run once, on PGlite.
describe.skipIf(onPostgres)('SDKs the service may not need', () => {
  it('are not imported by offline chat, nor by a service answering chat and tool calls with no Anthropic key or Stripe connection', async () => {
    const where = target();
    const dir = mkdtempSync(join(tmpdir(), 'cfo-lazy-'));
    const { hook, imported } = resolutionLogger(dir);
    expect((await cfo(['demo'], where)).code).toBe(0);

    const chat = await cfo(['chat', '-m', 'How much cash do we have?'], where, { NODE_OPTIONS: `--import ${hook}` });
    expect(chat.code).toBe(0);
    expect(chat.stdout).toMatch(/\$[\d,]+/);

    const key = /cfo_\S+/.exec((await cfo(['keys', 'create'], where)).stdout)?.[0];
    expect(key).toBeDefined();
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, ['--import', hook, join(ROOT, 'bin/cfo.mjs'), 'serve'], {
      cwd: ROOT,
      env: { ...process.env, ...where.env, PORT: String(port), LOG_LEVEL: 'warn', TEST_DATABASE_URL: '' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      let ready = false;
      for (let i = 0; i < 300 && !ready; i++) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(true);
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const answer = await fetch(`http://127.0.0.1:${port}/v1/chat`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ message: 'Who owes us money?' }),
      });
      expect(answer.status).toBe(200);
      const tool = await fetch(`http://127.0.0.1:${port}/v1/tools/get_cash_position`, {
        method: 'POST',
        headers,
        body: '{}',
      });
      expect(tool.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }

    const seen = new Set(imported());
    expect(seen.has('hono')).toBe(true);
    for (const sdk of LAZY) expect([...seen].filter((s) => s === sdk || s.startsWith(`${sdk}/`))).toEqual([]);
  }, 120_000);
});
