/**
 * What every `cfo` command is given: where its output goes (the terminal, or the socket of a `cfo` in another
 * terminal when the running service runs it for them), and the database (opened for the command, or lent by
 * the running service). Commands write through `io`, never to `process.stdout`, and set `io.exitCode` rather
 * than exiting, so the same code runs in its own process and inside `cfo serve`.
 */
import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { pino } from 'pino';
import type { ToolContext } from '../../tools';
import { createCategoryModel } from '../agent';
import type { Config } from '../config';
import { getBusiness, listBusinesses } from '../db/businesses';
import { createEmbedder } from '../domain/categorize/embed';
import { InvalidInputError } from '../errors';
import { DataDirInUse, openRuntime, type Runtime } from '../runtime';
import { UseRunningService } from './local-channel';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress lines redraw in place). */
  errIsTTY: boolean;
  stdin: NodeJS.ReadableStream;
  /** stdout as a stream, for what writes to it directly (the MCP transport). */
  outStream: NodeJS.WritableStream;
  /** The caller's working directory: relative paths are theirs. */
  cwd: string;
  /** Non-zero when the command failed without throwing (one sync of several, say). */
  exitCode: number;
  /** Ctrl-C: calls `stop`; the returned function stops listening. */
  onInterrupt(stop: () => void): () => void;
}

export interface GlobalOpts {
  dataDir?: string;
  databaseUrl?: string;
}

export interface Cli {
  io: Io;
  /** The database for one command: opened for it, or the running service's, lent (closing it gives it back). */
  runtime(cmd: Command, opts?: { toStderr?: boolean }): Promise<Runtime>;
  /** Set when the running service runs this command for a `cfo` in another terminal. */
  service?: { url: string; pid: number; config: Config };
}

/** How audit rows name what the operator does at the command line. */
export const CLI_ACTOR = { type: 'system' as const, id: 'cli', channel: 'cli' };

/** A command's own database, from --data-dir / --database-url (or the environment). */
export async function openForCommand(cmd: Command, opts: { toStderr?: boolean } = {}): Promise<Runtime> {
  const g = cmd.optsWithGlobals<GlobalOpts>();
  try {
    return await openRuntime({
      overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl },
      // Commands whose stdout is data (JSON, ids) log to stderr.
      ...(opts.toStderr ? { logDestination: pino.destination(2) } : {}),
    });
  } catch (err) {
    // A running service holds the embedded database: the command runs there instead.
    if (err instanceof DataDirInUse) throw UseRunningService.forLockedDir(err.dir, err.pid) ?? err;
    throw err;
  }
}

/** Standard input and output of this process, as a command's `io`. */
export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    errIsTTY: Boolean(process.stderr.isTTY),
    get stdin() {
      return process.stdin;
    },
    get outStream() {
      return process.stdout;
    },
    cwd: process.cwd(),
    exitCode: 0,
    onInterrupt(stop) {
      process.once('SIGINT', stop);
      return () => void process.off('SIGINT', stop);
    },
  };
}

export const pathFrom = (io: Io, file: string) => resolve(io.cwd, file);

export const positiveInt = (max: number) => (v: string) => {
  const n = Number(v.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new InvalidArgumentError(`expected a whole number from 1 to ${max.toLocaleString('en-US')}`);
  return n;
};

/** A progress line for long work: redrawn in place on a terminal, every sixth step otherwise. */
export function progress(io: Io, label: string) {
  return (p: { label: string; step: number; steps: number; transactions: number }) => {
    const line = `${label}: ${p.label.padEnd(30)} ${String(p.step).padStart(3)}/${p.steps}  ${p.transactions.toLocaleString('en-US')} transactions`;
    if (io.errIsTTY) io.err(`\r${line}`);
    else if (p.step === p.steps || p.step % 6 === 0) io.err(`${line}\n`);
    if (io.errIsTTY && p.step === p.steps) io.err('\n');
  };
}

/** The business a command works on: the one given, or the only one there is. */
export async function pickBusiness(rt: Runtime, id: string | undefined) {
  if (id) return getBusiness(rt.database.db, id);
  const all = await listBusinesses(rt.database.db);
  if (all.length === 1) return getBusiness(rt.database.db, all[0]!.id);
  throw new InvalidInputError(
    all.length === 0
      ? 'No business yet: create one with `cfo demo` or `cfo business create NAME`.'
      : 'Several businesses: choose one with --business ID (see `cfo business list`).',
  );
}

/** The operator at the terminal runs the service: every scope. */
export const OPERATOR: ToolContext['caller'] = { type: 'system', scopes: ['read', 'write'] };

export function toolContext(
  rt: Runtime,
  business: { id: string; name: string; baseCurrency: string },
  channel: ToolContext['channel'],
): ToolContext {
  const categoryModel = createCategoryModel(rt.config.anthropic);
  return {
    db: rt.database.db,
    business: { id: business.id, name: business.name, baseCurrency: business.baseCurrency },
    caller: OPERATOR,
    channel,
    today: () => new Date().toISOString().slice(0, 10),
    logger: rt.logger,
    ...(categoryModel ? { categoryModel } : {}),
    embedder: createEmbedder(rt.config.embeddings),
  };
}

/** Prints rows as aligned columns under a header. */
/** A listing as `--json` asks for it, or as a table, or what to do when there is nothing yet. */
export function printList<T>(
  io: Io,
  items: T[],
  opts: { json?: boolean; empty: string; head: string[]; row: (item: T) => string[] },
): void {
  if (opts.json) io.out(`${JSON.stringify(items, null, 2)}\n`);
  else if (!items.length) io.out(`${opts.empty}\n`);
  else printTable(io, opts.head, items.map(opts.row));
}

export function printTable(io: Io, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const r of [head, ...rows])
    io.out(
      `${r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd()}\n`,
    );
}
