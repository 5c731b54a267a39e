/**
 * Migrate once per run, then let every test file start from a copy:
 * - PGlite: a dump of a freshly migrated in-memory instance (loading it takes ~0.5 s);
 * - PostgreSQL (TEST_DATABASE_URL): a migrated template database that each file clones.
 * Also once per run: the same with Demo Co already in it (today pinned to DEMO_TODAY), which a dozen files
 * need and which takes several seconds to build — `useTestDatabase({ demo: true })`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { type Database, openDatabase } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteDump: string;
    pgliteDemoDump: string;
    pgTemplate: string | null;
    pgDemoTemplate: string | null;
    demoBusinessId: string;
  }
}

/** The "today" the prebuilt Demo Co was made on: its 24 months end in October 2026. */
export const DEMO_TODAY = '2026-11-22';

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const demoIn = async (database: Database) =>
  (await createDemoCompany(database, { today: new Date(`${DEMO_TODAY}T09:00:00Z`) })).businessId;

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'cfo-test-'));
  const dumpPath = join(dir, 'migrated.tar.gz');
  const db = await openDatabase({});
  // Dump as the superuser-owned files they are; the role switch is per session, not stored.
  const dump = await db.pglite!.dumpDataDir('gzip');
  writeFileSync(dumpPath, Buffer.from(await dump.arrayBuffer()));
  const base = process.env.TEST_DATABASE_URL;
  // The demo business's id must be the same in both copies: PGlite's is made here, PostgreSQL's below copies it.
  let demoBusinessId = '';
  const demoPath = join(dir, 'demo.tar.gz');
  if (!base) {
    demoBusinessId = await demoIn(db);
    const withDemo = await db.pglite!.dumpDataDir('gzip');
    writeFileSync(demoPath, Buffer.from(await withDemo.arrayBuffer()));
  }
  await db.close();
  project.provide('pgliteDump', dumpPath);
  project.provide('pgliteDemoDump', demoPath);

  let template: string | null = null;
  let demoTemplate: string | null = null;
  if (base) {
    template = `cfo_tpl_${randomBytes(4).toString('hex')}`;
    demoTemplate = `${template}_demo`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${template}`);
    const migrated = await openDatabase({ databaseUrl: withDatabase(base, template) });
    await migrated.close();
    await admin.unsafe(`create database ${demoTemplate} template ${template}`);
    const demo = await openDatabase({ databaseUrl: withDatabase(base, demoTemplate) });
    demoBusinessId = await demoIn(demo);
    await demo.close();
    await admin.end();
  }
  project.provide('pgTemplate', template);
  project.provide('pgDemoTemplate', demoTemplate);
  project.provide('demoBusinessId', demoBusinessId);

  return async () => {
    rmSync(dir, { recursive: true, force: true });
    if (base && template) {
      const admin = postgres(base, { max: 1, onnotice: () => {} });
      for (const name of [template, demoTemplate]) await admin.unsafe(`drop database if exists ${name} with (force)`);
      const leftovers = await admin<
        { datname: string }[]
      >`select datname from pg_database where datname like ${`${template}_%`}`;
      for (const { datname } of leftovers) await admin.unsafe(`drop database if exists ${datname} with (force)`);
      await admin.end();
    }
  };
}
