/**
 * The database restarted under load (PostgreSQL runs only; a server of the test's own, stopped and started
 * with pg_ctl): while it is down every request gets a clean 503 with Retry-After — JSON, no stack — and
 * /readyz says so; once it is back the same process answers again, without a restart. Conversations that were
 * cut off keep a valid history: every stored tool call has its result.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { type Database, openDatabase, queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { createApp } from '../../src/http/app';
import { listen, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { onPostgres } from '../helpers/db';
import { canRunOwnPostgres, type OwnPostgres, startOwnPostgres } from '../helpers/own-postgres';

const TODAY = '2026-11-22';

/** Polls `done` until it holds; a generous deadline, so a slow machine waits longer instead of failing. */
async function waitFor(done: () => boolean, ms = 60_000) {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) throw new Error(`still waiting after ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!onPostgres || !canRunOwnPostgres)('the database restarted under load', () => {
  let pg: OwnPostgres;
  let database: Database;
  let server: RunningServer;
  let key = '';
  let businessId = '';

  beforeAll(async () => {
    pg = await startOwnPostgres();
    database = await openDatabase({ databaseUrl: pg.url, poolSize: 4 });
    businessId = (await createDemoCompany(database, { today: new Date(`${TODAY}T09:00:00Z`), transactions: 2000 }))
      .businessId;
    key = (await createApiKey(database.db, { businessId, name: 'load', scopes: ['read'] })).key;
    const config = loadConfig({
      DATA_DIR: '/tmp/cfo-faults-db',
      ENCRYPTION_KEY: '1e'.repeat(32),
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    server = await listen(
      createApp({ config, database, logger: createLogger('silent'), today: () => TODAY }),
      0,
      '127.0.0.1',
    );
  }, 180_000);

  afterAll(async () => {
    await server?.close(1000);
    await database?.close();
    pg?.close();
  });

  it('fails cleanly while it is down and recovers by itself when it is back', async () => {
    const outcomes: {
      at: number;
      status: number;
      code?: string;
      json: boolean;
      retryAfter: string | null;
      worker: number;
    }[] = [];
    let running = true;
    const t0 = Date.now();
    const worker = async (i: number) => {
      while (running) {
        const chat = i % 4 === 0;
        const res = await fetch(`${server.url}${chat ? '/v1/chat' : '/v1/tools/get_cash_position'}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(chat ? { message: 'How much cash do we have?' } : {}),
        }).catch(() => null);
        if (!res) {
          outcomes.push({ at: Date.now() - t0, status: 0, json: false, retryAfter: null, worker: i });
          continue;
        }
        const text = await res.text();
        let code: string | undefined;
        let json = true;
        try {
          code = (JSON.parse(text) as { error?: { code: string } }).error?.code;
        } catch {
          json = false;
        }
        outcomes.push({
          at: Date.now() - t0,
          status: res.status,
          code,
          json,
          retryAfter: res.headers.get('retry-after'),
          worker: i,
        });
        if (res.status !== 200) await new Promise((r) => setTimeout(r, 50));
      }
    };
    const workers = Array.from({ length: 12 }, (_, i) => worker(i));

    // Up: every worker has had an answer before the database goes away.
    await waitFor(() => new Set(outcomes.filter((o) => o.status === 200).map((o) => o.worker)).size === 12);
    pg.stop();
    const downAt = Date.now() - t0;
    // Down until the workers have been refused again and again (counted, not timed: a busy machine only
    // makes this take longer). A server that queued them behind a growing backoff would never get here.
    const refusedSoFar = () => outcomes.filter((o) => o.at > downAt + 300 && o.status === 503);
    await waitFor(() => refusedSoFar().length > 24 && new Set(refusedSoFar().map((o) => o.worker)).size > 6);
    // The probe answers (its own 2 s bound) rather than waiting for the pool to reconnect.
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()).status).toBe('unavailable');
    pg.start();
    const upAt = Date.now() - t0;
    // Back: answers come again without restarting anything.
    const until = Date.now() + 60_000;
    let recoveredAt = -1;
    while (Date.now() < until) {
      const last = outcomes.slice(-12);
      if (last.length === 12 && last.every((o) => o.at > upAt && o.status === 200)) {
        recoveredAt = Date.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    running = false;
    await Promise.all(workers);

    const during = outcomes.filter((o) => o.at > downAt + 300 && o.at < upAt);
    expect(during.length).toBeGreaterThan(24);
    for (const o of during) {
      expect(o.json, JSON.stringify(o)).toBe(true);
      expect([200, 503], JSON.stringify(o)).toContain(o.status);
      if (o.status === 503) {
        expect(o.code).toBe('database_unavailable');
        expect(o.retryAfter).toBe('5');
      }
    }
    // Fails fast: the workers are refused again and again while it is down, instead of queueing behind a
    // growing backoff (most of them more than once).
    const refused = during.filter((o) => o.status === 503);
    expect(refused.length).toBeGreaterThan(24);
    expect(new Set(refused.map((o) => o.worker)).size).toBeGreaterThan(6);
    expect(
      outcomes.some((o) => o.status >= 500 && o.status !== 503),
      'no 500s: a down database is a 503',
    ).toBe(false);
    expect(recoveredAt, 'recovered within 60 s of the restart').toBeGreaterThan(0);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    // Cut-off conversations: no assistant tool call without its result, and every question stored once.
    const messages = await withBusiness(database.db, businessId, (tx) =>
      queryRows<{ conversation_id: string; seq: number; role: string; content: { type: string }[] }>(
        tx,
        sql`select conversation_id::text, seq, role, content from agent_messages order by conversation_id, seq`,
      ),
    );
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i]!;
      if (m.role === 'assistant' && m.content.some((b) => b.type === 'tool_use')) {
        const next = messages[i + 1];
        expect(next?.conversation_id).toBe(m.conversation_id);
        expect(next?.content.every((b) => b.type === 'tool_result')).toBe(true);
      }
    }
  }, 300_000);
});
