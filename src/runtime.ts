/**
 * Start-up shared by every command: configuration, logger, database. In embedded mode the data
 * directory is locked to one process, because two PGlite instances on one directory corrupt it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    mkdirSync(config.dataDir, { recursive: true });
    release = lockDataDir(config.dataDir);
    dataDir = join(config.dataDir, 'pglite');
  }
  try {
    const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir, migrate: opts.migrate ?? true });
    return {
      config,
      logger,
      database,
      close: async () => {
        await database.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
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
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new ConflictError(
          `The embedded database in ${dir} is in use by process ${pid}. Stop that process first, or use DATABASE_URL (PostgreSQL) so several processes can share one database.`,
        );
      }
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
