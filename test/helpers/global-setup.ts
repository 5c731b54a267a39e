/**
 * Migrate once per run, then let every test file start from a copy:
 * - PGlite: a dump of a freshly migrated in-memory instance (loading it takes ~0.5 s);
 * - PostgreSQL (TEST_DATABASE_URL): a migrated template database that each file clones.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteDump: string;
    pgTemplate: string | null;
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'cfo-test-'));
  const dumpPath = join(dir, 'migrated.tar.gz');
  const db = await openDatabase({});
  // Dump as the superuser-owned files they are; the role switch is per session, not stored.
  const dump = await db.pglite!.dumpDataDir('gzip');
  writeFileSync(dumpPath, Buffer.from(await dump.arrayBuffer()));
  await db.close();
  project.provide('pgliteDump', dumpPath);

  const base = process.env.TEST_DATABASE_URL;
  let template: string | null = null;
  if (base) {
    template = `cfo_tpl_${randomBytes(4).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${template}`);
    const migrated = await openDatabase({ databaseUrl: withDatabase(base, template) });
    await migrated.close();
    await admin.end();
  }
  project.provide('pgTemplate', template);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (base && template) {
      const admin = postgres(base, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${template} with (force)`);
      const leftovers = await admin<
        { datname: string }[]
      >`select datname from pg_database where datname like ${`${template}_%`}`;
      for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end();
    }
  };
}
