/**
 * Crashes during webhook processing: 500 stored Stripe events applied by `cfo serve`'s worker (a real child
 * process) that is killed with SIGKILL up to ten times — during start-up and, most often, at a seeded random
 * moment after its job says it is applying them (inside the job's transaction) — and then left to finish.
 * After each kill the events are all applied or none; at the end the books equal those of the same events
 * applied in order, in process, and every event is marked processed once. (A worker that dies holds its job
 * until it expires; the next worker queues the stored events again at start.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { createBusiness } from '../../src/db/businesses';
import { type Database, openDatabase, queryRows, withBusiness, withSystem } from '../../src/db/client';
import { integrationAccounts } from '../../src/db/schema';
import { storeInboundEvents } from '../../src/integrations/inbound-events';
import { processStripeEvents } from '../../src/integrations/stripe/events';
import { ROOT, TEST_KEY } from '../helpers/cli';
import { useTestDatabase } from '../helpers/db';
import { stripeBooks, stripeEvents } from '../helpers/stripe-events';

const t = useTestDatabase();

async function storeFor(db: Database['db'], businessId: string, tag: string) {
  await withBusiness(db, businessId, (tx) =>
    tx.insert(integrationAccounts).values({ businessId, provider: 'stripe', externalId: `acct_${tag}` }),
  );
  await withSystem(db, (tx) =>
    storeInboundEvents(
      tx,
      stripeEvents().map((e) => ({
        businessId,
        provider: 'stripe' as const,
        externalEventId: `${e.id}_${tag}`,
        eventType: e.type,
        payload: JSON.stringify({ ...e, id: `${e.id}_${tag}`, object: 'event' }),
      })),
    ),
  );
}

const books = async (db: Database['db'], businessId: string) => ({
  ...(await stripeBooks(db, businessId)),
  events: (
    await withBusiness(db, businessId, (tx) =>
      queryRows<{ n: number; open: number }>(
        tx,
        sql`select count(*)::int as n, count(*) filter (where processed_at is null)::int as open from inbound_events`,
      ),
    )
  )[0],
});

describe('crashes', () => {
  it('the webhook worker killed while applying, then left to finish: all or nothing each time, and the books equal in-order processing', async () => {
    // The reference: the same events applied in order, in this process.
    const ref = await createBusiness(t.db, { name: 'Applied in order' });
    await storeFor(t.db, ref.id, 'ref');
    await withBusiness(t.db, ref.id, (tx) => processStripeEvents(tx, { id: ref.id, baseCurrency: 'USD' }));
    const want = await books(t.db, ref.id);
    expect(want.transactions.length).toBe(320);

    // The child's database: this file's PostgreSQL database, or a PGlite data directory of its own.
    const dataDir = t.url ? undefined : mkdtempSync(join(tmpdir(), 'cfo-crash-hooks-'));
    const env: Record<string, string> = t.url
      ? { DATABASE_URL: t.url, ENCRYPTION_KEY: TEST_KEY }
      : { DATA_DIR: dataDir!, ENCRYPTION_KEY: TEST_KEY };
    const childDb = async () => (t.url ? t.database : await openDatabase({ dataDir: join(dataDir!, 'pglite') }));
    let db = await childDb();
    const killed = await createBusiness(db.db, { name: 'Killed worker' });
    await storeFor(db.db, killed.id, 'killed');
    const key = (await createApiKey(db.db, { businessId: killed.id, name: 'probe', scopes: ['read'] })).key;
    if (!t.url) await db.close();

    let seed = 20261202;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296;
    };
    const serve = (): { child: ChildProcess; exited: Promise<unknown>; url: Promise<string>; output: () => string } => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/cfo.mjs'), 'serve'], {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'info', TEST_DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const url = new Promise<string>((resolve) => {
        const read = (d: Buffer) => {
          out += d;
          const m = /cfo-agent listening on (http:\/\/[^"\s]+)/.exec(out);
          if (m) resolve(m[1]!);
        };
        child.stdout!.on('data', read);
        child.stderr!.on('data', read);
      });
      return { child, exited: new Promise((r) => child.on('exit', r)), url, output: () => out };
    };

    /** Stored events marked processed (the child is dead when this is asked: PGlite has one process at a time). */
    const processed = async () => {
      const d = await childDb();
      try {
        const [r] = await withSystem(d.db, (tx) =>
          queryRows<{ n: number }>(
            tx,
            sql`select count(*)::int as n from inbound_events where business_id = ${killed.id} and processed_at is not null`,
          ),
        );
        return r!.n;
      } finally {
        if (!t.url) await d.close();
      }
    };
    const kills: { at: 'start-up' | 'applying' | 'done'; processed: number }[] = [];
    for (let k = 0; k < 10; k++) {
      const s = serve();
      if (k % 4 === 0) {
        // During start-up or while the queue starts.
        await new Promise((r) => setTimeout(r, 300 + random() * 2_000));
      } else {
        // While the events are being applied: the job says so inside its transaction.
        for (const deadline = Date.now() + 60_000; !s.output().includes('applying Stripe events'); ) {
          if (Date.now() > deadline) {
            s.child.kill('SIGKILL'); // no process left behind holding the data directory
            throw new Error(`the worker never started applying (${JSON.stringify(kills)}):\n${s.output()}`);
          }
          await new Promise((r) => setTimeout(r, 5));
        }
        await new Promise((r) => setTimeout(r, random() * 100));
      }
      const applying = s.output().includes('applying Stripe events');
      s.child.kill('SIGKILL');
      await s.exited;
      const done = s.output().includes('Stripe events applied');
      kills.push({ at: done ? 'done' : applying ? 'applying' : 'start-up', processed: await processed() });
      if (kills.at(-1)!.processed === 500) break; // nothing left to interrupt
    }
    // Most kills landed while the events were being applied, and every kill left all of them applied or none.
    expect(kills.filter((x) => x.at === 'applying').length, JSON.stringify(kills)).toBeGreaterThanOrEqual(3);
    for (const x of kills) expect([0, 500], JSON.stringify(x)).toContain(x.processed);
    // Until a run has finished applying, a kill leaves none of them applied.
    const firstDone = kills.findIndex((y) => y.at === 'done');
    for (const x of firstDone < 0 ? kills : kills.slice(0, firstDone)) expect(x.processed).toBe(0);
    console.info(`kills: ${JSON.stringify(kills)}`);

    // Left to finish: the worker applies what is left, and the books show it.
    const last = serve();
    try {
      const url = await last.url;
      const until = Date.now() + 90_000;
      let count = 0;
      while (Date.now() < until) {
        const r = await fetch(`${url}/v1/tools/list_transactions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: '{}',
        }).catch(() => null);
        if (r?.ok) count = (await r.json()).result.total.count;
        if (count === 320) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(count).toBe(320);
    } finally {
      last.child.kill('SIGTERM');
      await last.exited;
    }

    db = await childDb();
    try {
      const got = await books(db.db, killed.id);
      expect(got.transactions).toEqual(want.transactions);
      expect(got.subscriptions).toEqual(want.subscriptions);
      expect(got.events).toEqual({ n: 500, open: 0 });
    } finally {
      if (!t.url) await db.close();
    }
  }, 300_000);
});
