/** Run the real `cfo` command (and `npm start`) as child processes. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_KEY = 'ef'.repeat(32);

export interface Target {
  env: Record<string, string>;
}

/** A place for a child process's data: a fresh PGlite data dir, or the given PostgreSQL database. */
export function target(databaseUrl?: string): Target {
  if (databaseUrl) return { env: { DATABASE_URL: databaseUrl, ENCRYPTION_KEY: TEST_KEY } };
  return { env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'cfo-cli-')) } };
}

export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(DATABASE_URL|DATA_DIR|ENCRYPTION_KEY|PORT|TEST_DATABASE_URL|ANTHROPIC_[A-Z_]+)$/.test(k))
      env[k] = v;
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra };
}

export function cfo(
  args: string[],
  t: Target,
  extraEnv: Record<string, string> = {},
  opts: { cwd?: string; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/cfo.mjs'), ...args], {
      cwd: opts.cwd ?? ROOT,
      env: childEnv({ ...t.env, ...extraEnv }),
    });
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface Started {
  child: ChildProcess;
  port: number;
  readyAfterMs: number;
  output(): string;
  /** SIGTERM the whole process group; resolves with the exit code and how long it took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/** `npm start` exactly as the README says, on a free port; resolves once /readyz is 200. */
export async function npmStart(t: Target, timeoutMs = 60_000): Promise<Started> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: childEnv({ ...t.env, PORT: String(port), LOG_LEVEL: 'info' }),
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Signal the service itself, as a process manager would; npm then exits with its exit code.
  const stop = async () => {
    const t0 = performance.now();
    const pid = Number(/"pid":(\d+)/.exec(out)?.[1]);
    try {
      process.kill(pid || -child.pid!, 'SIGTERM');
    } catch {}
    const code = await exited;
    return { code, ms: performance.now() - t0 };
  };
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status === 200)
        return { child, port, readyAfterMs: performance.now() - started, output: () => out, stop };
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`not ready within ${timeoutMs} ms:\n${out}`);
}
