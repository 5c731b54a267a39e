/**
 * `useTestDatabase()` gives the calling test file its own freshly migrated database, opened the way
 * the service opens it (queries run as the RLS-bound role): PGlite in memory by default, a new
 * PostgreSQL database cloned from the migrated template when TEST_DATABASE_URL is set. With
 * `{ demo: true }` the copy already holds Demo Co made on DEMO_TODAY (`demoId`), built once per run.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, inject } from 'vitest';
import { type Database, type Db, openDatabase } from '../../src/db/client';
import { withDatabase } from './global-setup';

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export { DEMO_TODAY } from './global-setup';

export interface TestDatabase {
  readonly database: Database;
  readonly db: Db;
  /** PostgreSQL only: the URL of this file's database (for child processes). */
  readonly url: string | undefined;
  /** With `{ demo: true }`: Demo Co's business id. */
  readonly demoId: string;
}

export async function openTestDatabase(
  opts: { demo?: boolean } = {},
): Promise<Omit<TestDatabase, 'demoId'> & { close(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  const template = inject(opts.demo ? 'pgDemoTemplate' : 'pgTemplate');
  if (base && template) {
    const name = `${template}_${randomBytes(4).toString('hex')}`;
    const admin = postgres(base, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name} template ${template}`);
    await admin.end();
    const url = withDatabase(base, name);
    const database = await openDatabase({ databaseUrl: url, poolSize: 4 });
    return {
      database,
      db: database.db,
      url,
      close: async () => {
        await database.close();
        const a = postgres(base, { max: 1, onnotice: () => {} });
        await a.unsafe(`drop database if exists ${name} with (force)`);
        await a.end();
      },
    };
  }
  const dump = new Blob([readFileSync(inject(opts.demo ? 'pgliteDemoDump' : 'pgliteDump'))]);
  const database = await openDatabase({ loadDataDir: dump });
  return { database, db: database.db, url: undefined, close: () => database.close() };
}

/** Registers beforeAll/afterAll; read the properties inside tests or hooks. */
export function useTestDatabase(opts: { demo?: boolean } = {}): TestDatabase {
  let t: (Omit<TestDatabase, 'demoId'> & { close(): Promise<void> }) | undefined;
  beforeAll(async () => {
    t = await openTestDatabase(opts);
  });
  afterAll(async () => {
    await t?.close();
  });
  const get = () => {
    if (!t) throw new Error('useTestDatabase(): the database is opened in beforeAll; use it inside tests or hooks');
    return t;
  };
  return {
    get database() {
      return get().database;
    },
    get db() {
      return get().db;
    },
    get url() {
      return get().url;
    },
    get demoId() {
      get();
      if (!opts.demo) throw new Error('useTestDatabase(): demoId needs { demo: true }');
      return inject('demoBusinessId');
    },
  };
}
