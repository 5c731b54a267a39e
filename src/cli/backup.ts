/** `cfo backup` and `cfo restore`: the whole database to one file and back. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { backupDatabase, pgliteRestoreSource, restorePostgres } from '../db/backup';
import { openDatabase } from '../db/client';
import { ConflictError } from '../errors';
import { type Cli, type GlobalOpts, pathFrom } from './context';

export function registerBackup(program: Command, cli: Cli): void {
  const { io } = cli;

  program
    .command('backup')
    .description('write a backup of the whole database to FILE (PGlite: its data directory; PostgreSQL: pg_dump)')
    .argument('<file>', 'where to write it (mode 0600: it holds the books and sealed credentials)')
    .action(async (file: string, _opts, cmd: Command) => {
      const rt = await cli.runtime(cmd, { toStderr: true });
      try {
        const r = await backupDatabase(rt.database, pathFrom(io, file));
        io.out(
          `Backed up the ${rt.database.kind === 'pglite' ? 'embedded' : 'PostgreSQL'} database to ${file} (${r.bytes.toLocaleString('en-US')} bytes).\n`,
        );
        io.err('Keep ENCRYPTION_KEY (or DATA_DIR/encryption.key) with it: the stored credentials need it.\n');
      } finally {
        await rt.close();
      }
    });

  program
    .command('restore')
    .description('restore a backup made by `cfo backup`: into an empty --data-dir, or over the DATABASE_URL database')
    .argument('<file>', 'the backup')
    .action(async (file: string, _opts, cmd: Command) => {
      if (cli.service)
        throw new ConflictError(
          `The service (process ${cli.service.pid}) is using this data directory: stop it, then restore into an empty one.`,
        );
      const g = cmd.optsWithGlobals<GlobalOpts>();
      const config = loadConfig(undefined, { overrides: { DATA_DIR: g.dataDir, DATABASE_URL: g.databaseUrl } });
      const path = pathFrom(io, file);
      if (config.databaseUrl) {
        await restorePostgres(config.databaseUrl, path);
        // Newer code may have newer migrations: apply them now.
        const rt = await cli.runtime(cmd, { toStderr: true });
        await rt.close();
        io.out(`Restored ${file} into the PostgreSQL database.\n`);
        return;
      }
      const dataDir = join(config.dataDir, 'pglite');
      const source = pgliteRestoreSource(path, dataDir);
      mkdirSync(config.dataDir, { recursive: true });
      const database = await openDatabase({ dataDir, loadDataDir: source });
      await database.close();
      io.out(`Restored ${file} into ${config.dataDir}.\n`);
    });
}
