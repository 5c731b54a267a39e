/** What the benchmarks share: fresh databases, percentiles, the machine's description, Markdown tables. */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client';

export type Target = 'pglite' | 'postgres';

/** True when this module is the script being run (not imported by the suite). */
export const isMain = (moduleUrl: string) =>
  process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;

export const median = (xs: number[]) => percentile(xs, 50);

export function percentile(xs: number[], p: number): number {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p% of the samples at or below it.
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export interface Fresh {
  database: Database;
  /** PostgreSQL: the new database's URL; PGlite: its data directory. */
  where: { databaseUrl?: string; dataDir?: string };
  /** Close it and throw it away. */
  drop(): Promise<void>;
}

/** An empty, migrated database of its own: a PGlite data directory, or a new database on the server. */
export async function freshDatabase(target: Target, pgUrl?: string, opts: { dataDir?: string } = {}): Promise<Fresh> {
  if (target === 'pglite') {
    const database = await openDatabase(opts.dataDir ? { dataDir: opts.dataDir } : {});
    return { database, where: { ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) }, drop: () => database.close() };
  }
  if (!pgUrl) throw new Error('PostgreSQL needs --postgres URL');
  const name = `cfo_bench_${process.pid}_${Date.now()}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: u.toString(), poolSize: 10 });
  return {
    database,
    where: { databaseUrl: u.toString() },
    drop: async () => {
      await database.close().catch(() => {});
      const a = postgres(pgUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

/** A database with nothing in it, not even the migrations: a new PGlite directory, or a new database on the server. */
export async function emptyDatabase(
  target: Target,
  pgUrl?: string,
): Promise<{ where: { databaseUrl?: string; dataDir?: string }; drop(): Promise<void> }> {
  if (target === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'cfo-bench-empty-'));
    return { where: { dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  if (!pgUrl) throw new Error('PostgreSQL needs --postgres URL');
  const name = `cfo_bench_empty_${process.pid}_${Date.now()}`;
  const admin = postgres(pgUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(pgUrl);
  u.pathname = `/${name}`;
  return {
    where: { databaseUrl: u.toString() },
    drop: async () => {
      const a = postgres(pgUrl, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model?.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

export function table(head: string[], rows: (string | number)[][], align: ('l' | 'r')[] = []): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(head),
    line(head.map((_, i) => ((align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? '---' : '---:'))),
    ...rows.map(line),
  ].join('\n');
}

/** Timed repeats of `fn` until `n` samples or `budgetMs` spent (at least 3): the samples in ms. */
export async function sample(fn: () => Promise<unknown>, n: number, budgetMs: number): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + budgetMs;
  while (out.length < n && (out.length < 3 || performance.now() < end)) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}
