/**
 * `cfo backup FILE` and `cfo restore FILE` on the database the suite runs on (PGlite: a data directory;
 * PostgreSQL: pg_dump/pg_restore into a new database): the restored copy answers every read tool exactly as
 * the original does, and a restore refuses to overwrite a database that is there.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { createLogger } from '../../src/logger';
import { invokeTool, TOOLS, type ToolContext } from '../../tools';
import { cfo, TEST_KEY } from '../helpers/cli';
import { useTestDatabase } from '../helpers/db';
import { withDatabase } from '../helpers/global-setup';

const t = useTestDatabase();
const TODAY = '2026-11-22';
const INPUTS: Record<string, Record<string, unknown>> = {
  get_report: { kind: 'profit_and_loss' },
  explain_metric: { metric: 'runway' },
};

/** Every read tool's answer for the business, as JSON. */
async function answers(database: Database, businessId: string): Promise<Record<string, string>> {
  const ctx: ToolContext = {
    db: database.db,
    business: { id: businessId, name: 'Backed Up Co', baseCurrency: 'USD' },
    caller: { type: 'system', scopes: ['read'] },
    channel: 'cli',
    today: () => TODAY,
    logger: createLogger('silent'),
  };
  const out: Record<string, string> = {};
  for (const tool of TOOLS.filter((x) => x.scope === 'read')) {
    const r = await invokeTool(tool, INPUTS[tool.name] ?? {}, ctx);
    // Only answers count: two copies failing the same way would prove nothing.
    if (!r.ok) throw new Error(`${tool.name} failed: ${r.error.code} ${r.error.message}`);
    out[tool.name] = JSON.stringify(r.output);
  }
  return out;
}

describe('backup and restore', () => {
  it('a restored copy answers every read tool identically; restoring over a database is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfo-backup-'));
    const file = join(dir, 'books.cfobackup');
    let source: Database;
    let env: Record<string, string>;
    let closeSource = async () => {};
    if (t.url) {
      source = t.database;
      env = { DATABASE_URL: t.url, ENCRYPTION_KEY: TEST_KEY };
    } else {
      env = { DATA_DIR: join(dir, 'original'), ENCRYPTION_KEY: TEST_KEY };
      mkdirSync(env.DATA_DIR!, { recursive: true });
      source = await openDatabase({ dataDir: join(env.DATA_DIR!, 'pglite') });
      closeSource = () => source.close();
    }
    const demo = await createDemoCompany(source, {
      today: new Date(`${TODAY}T09:00:00Z`),
      name: 'Backed Up Co',
      transactions: 3000,
    });
    const before = await answers(source, demo.businessId);
    expect(Object.keys(before)).toHaveLength(TOOLS.filter((x) => x.scope === 'read').length);
    expect(JSON.parse(before.get_cash_position!).total).toMatch(/^-?\d+\.\d{2}$/);
    await closeSource();

    const backup = await cfo(['backup', file], { env });
    expect(backup.stderr).not.toMatch(/error/i);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/Backed up the (embedded|PostgreSQL) database/);

    let restored: Database;
    let restoreEnv: Record<string, string>;
    let cleanup = async () => {};
    if (t.url) {
      const name = `restored_${Date.now()}`;
      const base = process.env.TEST_DATABASE_URL!;
      const admin = postgres(base, { max: 1, onnotice: () => {} });
      await admin.unsafe(`create database ${name}`);
      await admin.end();
      restoreEnv = { DATABASE_URL: withDatabase(base, name), ENCRYPTION_KEY: TEST_KEY };
      cleanup = async () => {
        const a = postgres(base, { max: 1, onnotice: () => {} });
        await a.unsafe(`drop database if exists ${name} with (force)`);
        await a.end();
      };
    } else {
      restoreEnv = { DATA_DIR: join(dir, 'restored'), ENCRYPTION_KEY: TEST_KEY };
    }
    try {
      const restore = await cfo(['restore', file], { env: restoreEnv });
      expect(restore.stderr).not.toMatch(/error/i);
      expect(restore.code).toBe(0);
      restored = await openDatabase(
        restoreEnv.DATABASE_URL
          ? { databaseUrl: restoreEnv.DATABASE_URL, poolSize: 2 }
          : { dataDir: join(restoreEnv.DATA_DIR!, 'pglite') },
      );
      try {
        expect(await answers(restored, demo.businessId)).toEqual(before);
      } finally {
        await restored.close();
      }
      if (!t.url) {
        const again = await cfo(['restore', file], { env: restoreEnv });
        expect(again.code).toBe(1);
        expect(again.stderr).toMatch(/already holds a database/);
      }
      const wrong = await cfo(['restore', join(dir, 'nope')], { env: restoreEnv });
      expect(wrong.code).toBe(1);
    } finally {
      await cleanup();
    }
  }, 180_000);
});
