/**
 * Start-up shared by every command: configuration, logger, database. In embedded mode the data
 * directory is locked to one process, because two PGlite instances on one directory corrupt it.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { type Config, type LoadConfigOptions, loadConfig } from './config';
import { type Database, openDatabase } from './db/client';
import { ConflictError } from './errors';
import { createLogger, type Logger } from './logger';

export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  close(): Promise<void>;
}

export interface RuntimeOptions extends LoadConfigOptions {
  env?: Record<string, string | undefined>;
  logDestination?: DestinationStream;
  migrate?: boolean;
}

export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  let generatedKeyPath: string | undefined;
  const config = loadConfig(opts.env, {
    ...(opts.overrides ? { overrides: opts.overrides } : {}),
    onGeneratedKey: (p) => {
      generatedKeyPath = p;
    },
  });
  const logger = createLogger(config.logLevel, opts.logDestination);
  if (generatedKeyPath) {
    logger.warn(
      { path: generatedKeyPath },
      'ENCRYPTION_KEY is not set: generated one for the embedded database (mode 0600). Back it up with the data directory; set ENCRYPTION_KEY in production.',
    );
  }
  let release = () => {};
  let dataDir: string | undefined;
  if (!config.databaseUrl) {
    // The embedded database's files are the books: readable by this user only, from the first file written.
    process.umask(0o077);
    mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    const tightened = keepPrivate(config.dataDir);
    if (tightened > 0)
      logger.warn(
        { path: config.dataDir, entries: tightened },
        'the data directory could be read or written by other users: its permissions are now owner-only',
      );
    release = lockDataDir(config.dataDir);
    dataDir = join(config.dataDir, 'pglite');
  }
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir, migrate: opts.migrate ?? true });
    // PGlite sets its files' modes itself (0666, whatever the umask): the 0700 directory is what keeps others
    // out, and the files are made owner-only too once it has written them, and again when it stops.
    if (dataDir) keepPrivate(config.dataDir);
    return {
      config,
      logger,
      database,
      close: async () => {
        await database.close();
        if (dataDir) keepPrivate(config.dataDir);
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** Removes group and other permissions under `dir` (itself included); how many entries needed it. */
export function keepPrivate(dir: string): number {
  let changed = 0;
  const visit = (path: string) => {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o077) {
      chmodSync(path, st.mode & 0o700);
      changed += 1;
    }
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir);
  return changed;
}

/** The data directory is locked by another live process (a running `cfo serve`, usually). */
export class DataDirInUse extends ConflictError {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by process ${pid}. Stop that process first, or use DATABASE_URL (PostgreSQL) so several processes can share one database.`,
    );
  }
}

function lockDataDir(dir: string): () => void {
  const path = join(dir, 'cfo.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) throw new DataDirInUse(dir, pid);
      rmSync(path, { force: true }); // stale lock from a process that died
    }
  }
  throw new ConflictError(`Could not lock ${dir}.`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
