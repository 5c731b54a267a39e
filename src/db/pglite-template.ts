/**
 * A freshly migrated embedded database, kept as PGlite's own data-directory dump so that the next new
 * database starts from it instead of running initdb and every migration again (initdb in WebAssembly
 * takes 4–6 s here; loading the dump about 0.5 s). The dump is keyed by the PGlite and pgvector
 * versions and by the migrations' contents, so an upgrade or a new migration makes a new one. It
 * holds no data: only what initdb and the migrations create. It lives in node_modules/.cache, which
 * `npm ci` starts empty; the first new database of an installation writes it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/cfo-agent/', import.meta.url));

function versionOf(pkg: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The template's path for these migrations; it may not exist yet. */
export function templatePath(migrationsFolder: string): string {
  const hash = createHash('sha256');
  hash.update(`${versionOf('@electric-sql/pglite')}\0${versionOf('@electric-sql/pglite-pgvector')}\0`);
  for (const f of readdirSync(migrationsFolder).sort())
    if (f.endsWith('.sql')) hash.update(`${f}\0`).update(readFileSync(join(migrationsFolder, f)));
  hash.update(readFileSync(join(migrationsFolder, 'meta/_journal.json')));
  return join(CACHE_DIR, `pglite-migrated-${hash.digest('hex').slice(0, 16)}.tar.gz`);
}

/** The template as PGlite's `loadDataDir` takes it, or undefined when there is none (or it cannot be read). */
export function readTemplate(path: string): Blob | undefined {
  try {
    return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
  } catch {
    return undefined;
  }
}

/** Keep a dump as the template (atomically: a process starting now sees none or all of it); drop older ones. */
export function writeTemplate(path: string, dump: ArrayBuffer): void {
  try {
    mkdirSync(CACHE_DIR, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.from(dump));
    renameSync(tmp, path);
    for (const f of readdirSync(CACHE_DIR))
      if (f.startsWith('pglite-migrated-') && join(CACHE_DIR, f) !== path && !f.endsWith('.tmp'))
        rmSync(join(CACHE_DIR, f), { force: true });
  } catch {
    // A cache that cannot be written (read-only install) only costs the next start its seconds.
  }
}

/** True when a data directory holds no database yet (PGlite would run initdb in it). */
export function isFreshDataDir(dir: string | undefined): boolean {
  return !dir || !existsSync(join(dir, 'PG_VERSION'));
}
