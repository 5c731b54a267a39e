/**
 * While `npm start` holds the embedded database, the `cfo` command works from a second terminal: it runs
 * inside the service over DATA_DIR/cfo.sock (owner-only), with the same output and exit codes. The README's
 * quick start is run literally (its shell lines, with the test's port): a key, then a 200 from get_runway.
 * PostgreSQL has no lock to work around, so this file runs on the embedded database only.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfo, childEnv, npmStart, ROOT, type Started, type Target, target } from '../helpers/cli';
import { onPostgres } from '../helpers/db';

let service: Started | undefined;
let where: Target;
let base = '';

beforeAll(async () => {
  if (onPostgres) return;
  where = target();
  service = await npmStart(where, 180_000);
  base = `http://localhost:${service.port}`;
}, 200_000);

afterAll(async () => {
  await service?.stop();
});

describe.skipIf(onPostgres)('cfo in a second terminal while npm start runs (embedded database)', () => {
  it('runs the README’s quick start literally: a key, then 200 from get_runway', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```sh\n(KEY=\$\(npx cfo keys create[^`]*?)```/.exec(readme)?.[1];
    expect(block, 'the README shows how to get a key and call a tool').toBeDefined();
    const script = `set -e\n${block!.replaceAll('localhost:3000', `localhost:${service!.port}`)}`;
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd: ROOT, env: childEnv(where.env) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.code, run.stderr).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body.result).toMatchObject({ currency: 'USD', cash: expect.stringMatching(/^-?\d+\.\d{4}$/) });
    expect(run.stderr).toMatch(/Key cfo_\w+… for Demo Co \(read\)/);
  });

  it('the socket is the owner’s only', () => {
    const socket = join(where.env.DATA_DIR!, 'cfo.sock');
    expect(statSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
  });

  it('lists, adds and calls as it would on its own, with the same exit codes', async () => {
    const list = await cfo(['business', 'list', '--json'], where);
    expect(list.code, list.stderr).toBe(0);
    const [demo] = JSON.parse(list.stdout);
    expect(demo).toMatchObject({ name: 'Demo Co', isDemo: true });

    const added = await cfo(['users', 'add', 'sam@demo.example', '--role', 'viewer', '--name', 'Sam'], where);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stderr).toBe('sam@demo.example is viewer of Demo Co.\n');
    const users = await cfo(['users', 'list'], where);
    expect(users.stdout).toMatch(/^EMAIL\s+NAME\s+ROLE\s+SINCE\n/);
    expect(users.stdout).toMatch(/sam@demo\.example\s+Sam\s+viewer/);

    const keys = await cfo(['keys', 'list'], where);
    expect(keys.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+KEY\s+SCOPES/);
    expect(JSON.parse((await cfo(['keys', 'list', '--json'], where)).stdout)[0]).toMatchObject({ scopes: ['read'] });

    // The tool's answer is the one the HTTP API gives.
    const tool = await cfo(['tool', 'get_cash_position'], where);
    expect(tool.code, tool.stderr).toBe(0);
    const key = (await cfo(['keys', 'create', '--scopes', 'read', '--name', 'compare'], where)).stdout.trim();
    const http = await fetch(`${base}/v1/tools/get_cash_position`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(JSON.parse(tool.stdout)).toEqual((await http.json()).result);

    const missing = await cfo(['tool', 'no_such_tool'], where);
    expect(missing).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: No tool called "no_such_tool". `cfo tool` lists them.\n',
    });
    const usage = await cfo(['users', 'add', 'x@demo.example'], where);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/required option '--role <role>' not specified/);
  });

  it('imports a statement from the caller’s directory, and chats, one question or several on stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfo-second-terminal-'));
    writeFileSync(join(dir, 'petty.csv'), 'Date,Description,Amount\n2026-11-02,COFFEE BEANS,-14.50\n');
    const imported = await cfo(['import', 'csv', 'petty.csv', '--account', 'Petty cash'], where, {}, { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^Petty cash: 1 lines from 2026-11-02 to 2026-11-02 \(1 new, 0 already imported\)/);
    expect(imported.stderr).toContain('Writing 1 lines to Petty cash…');

    const one = await cfo(['chat', '-m', 'How much cash do we have?'], where);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/you have \$[\d,]+\.\d{2} in the bank/);

    const several = await cfo(['chat'], where, {}, { stdin: 'What is our runway?\nWho owes us money?\n\n' });
    expect(several.code, several.stderr).toBe(0);
    expect(several.stderr).toContain('get_runway');
    expect(several.stderr).toContain('get_receivables_aging');
    expect(several.stdout).toMatch(/owe you \$/);
  });

  it('serves MCP on stdio to a real MCP client', async () => {
    const client = new Client({ name: 'second-terminal', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [join(ROOT, 'bin/cfo.mjs'), 'mcp'],
        env: childEnv(where.env),
        stderr: 'pipe',
      }),
    );
    try {
      expect((await client.listTools()).tools.map((x) => x.name)).toContain('get_cash_position');
      const r = await client.callTool({ name: 'get_cash_position', arguments: {} });
      expect(r.isError).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ currency: 'USD' });
    } finally {
      await client.close();
    }
  });

  it('prints a sign-in link to the running service’s port, and refuses a second service', async () => {
    const open = await cfo(['open'], where);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(new RegExp(`^${base}/login\\?ticket=`));
    const signIn = await fetch(open.stdout.trim(), { redirect: 'manual' });
    expect(signIn.status).toBe(302);

    const second = await cfo(['serve'], where);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by process \d+/);
  });

  it('once the service stops, the socket is gone and commands open the database themselves', async () => {
    const socket = join(where.env.DATA_DIR!, 'cfo.sock');
    expect((await service!.stop()).code).toBe(0);
    service = undefined;
    expect(existsSync(socket)).toBe(false);
    const list = await cfo(['business', 'list'], where);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/Demo Co\s+USD/);
  });
});
