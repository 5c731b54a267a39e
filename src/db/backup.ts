/**
 * Backups of the whole database, for either engine.
 *
 * - PGlite: `dumpDataDir()` (a gzipped tarball of the data directory, taken by the engine itself, so it is
 *   consistent); restoring starts a fresh data directory from it. The directory must be empty or absent —
 *   a restore never overwrites live data; move the old one aside first.
 * - PostgreSQL: `pg_dump --format=custom` / `pg_restore --clean --if-exists --no-owner`. Every table forces
 *   row-level security, so pg_dump runs with it enabled and `app.rls_bypass=on` (the policies' system
 *   bypass, passed as a connection option), which lets a non-superuser owner dump every business's rows.
 *
 * The file starts with a small header naming the engine, so a PGlite backup is not fed to pg_restore.
 */
import { execFile } from 'node:child_process';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { InvalidInputError } from '../errors';
import type { Database } from './client';

const run = promisify(execFile);
const MAGIC = { pglite: 'CFOBACKUP pglite v1\n', postgres: 'CFOBACKUP postgres v1\n' } as const;

/**
 * pg_dump/pg_restore: the newest of PostgreSQL's versioned installs (Debian's layout; a client at least as
 * new as the server), else whatever the PATH has (execFile looks it up).
 */
function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root))
    for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a)))
      if (existsSync(`${root}/${v}/bin/${name}`)) return `${root}/${v}/bin/${name}`;
  return name;
}

/** The URL with the policies' system bypass as a connection option, so every business's rows are read. */
function bypassing(url: string): string {
  const u = new URL(url);
  u.searchParams.delete('options');
  // libpq decodes %20, not the '+' that URLSearchParams would write for a space.
  const option = `options=${encodeURIComponent('-c app.rls_bypass=on')}`;
  return `${u.toString()}${u.search ? '&' : '?'}${option}`;
}

async function pgRun(name: 'pg_dump' | 'pg_restore', args: string[]): Promise<void> {
  await run(pgTool(name), args).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new InvalidInputError(`${name} was not found: install PostgreSQL's client tools (e.g. postgresql-client).`);
    throw err;
  });
}

export async function backupDatabase(database: Database, file: string): Promise<{ bytes: number }> {
  if (database.kind === 'pglite') {
    const dump = await database.pglite!.dumpDataDir('gzip');
    const body = Buffer.from(await dump.arrayBuffer());
    const out = Buffer.concat([Buffer.from(MAGIC.pglite), body]);
    writeFileSync(file, out, { mode: 0o600 });
    return { bytes: out.length };
  }
  // pg_dump writes beside the target; the header and the dump are then streamed into it (no size limit).
  const tmp = `${file}.pgdump`;
  try {
    await pgRun('pg_dump', [
      '--format=custom',
      '--enable-row-security',
      '--no-owner',
      // Derived and tied to this server's transaction ids: recomputed after a restore, never carried over.
      '--exclude-table-data=stored_results',
      '--exclude-table-data=books_changes',
      '--file',
      tmp,
      '--dbname',
      bypassing(database.url!),
    ]);
    writeFileSync(file, MAGIC.postgres, { mode: 0o600 });
    await pipeline(createReadStream(tmp), createWriteStream(file, { flags: 'a' }));
  } finally {
    rmSync(tmp, { force: true });
  }
  return { bytes: statSync(file).size };
}

export function backupKind(file: string): { kind: 'pglite' | 'postgres'; body: Buffer } {
  const raw = readFileSync(file);
  for (const [kind, magic] of Object.entries(MAGIC) as ['pglite' | 'postgres', string][])
    if (raw.subarray(0, magic.length).toString('utf8') === magic) return { kind, body: raw.subarray(magic.length) };
  throw new InvalidInputError(`${file} is not a cfo backup (made by \`cfo backup\`).`);
}

/** PGlite: the tarball to start a fresh data directory from (`openDatabase({ dataDir, loadDataDir })`). */
export function pgliteRestoreSource(file: string, dataDir: string): Blob {
  const { kind, body } = backupKind(file);
  if (kind !== 'pglite')
    throw new InvalidInputError(`${file} is a PostgreSQL backup: restore it with DATABASE_URL set.`);
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
    throw new InvalidInputError(
      `${dataDir} already holds a database; a restore never overwrites one. Move it aside, or restore into another --data-dir.`,
    );
  return new Blob([new Uint8Array(body)]);
}

/** PostgreSQL: replace the database's objects with the backup's. */
export async function restorePostgres(url: string, file: string): Promise<void> {
  const { kind, body } = backupKind(file);
  if (kind !== 'postgres')
    throw new InvalidInputError(`${file} is an embedded (PGlite) backup: restore it without DATABASE_URL.`);
  const tmp = `${file}.pgdump`;
  writeFileSync(tmp, body, { mode: 0o600 });
  try {
    await pgRun('pg_restore', [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--single-transaction',
      '--dbname',
      bypassing(url),
      tmp,
    ]);
  } finally {
    rmSync(tmp, { force: true });
  }
}
