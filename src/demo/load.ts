/**
 * Loads the demo company through the same ingest functions a real sync uses. The whole load is one
 * transaction: a crash leaves no half-built company behind.
 */
import { and, eq } from 'drizzle-orm';
import { type Database, type Db, withBusiness, withNewBusiness, withSystem } from '../db/client';
import { businesses } from '../db/schema';
import { refreshInsights } from '../domain/insights';
import { ingestStripe } from '../integrations/stripe/mappers';
import { ingestXero } from '../integrations/xero/mappers';
import { type DemoOptions, generateDemo, scaleForTransactions } from './generate';

export const DEMO_NAME = 'Demo Co';

export interface DemoLoadOptions extends DemoOptions {
  name?: string;
  /** Target size; turned into a scale. Default: about 8,300 transactions. */
  transactions?: number;
  onProgress?: (p: { label: string; step: number; steps: number; transactions: number }) => void;
}

export interface DemoLoadResult {
  businessId: string;
  name: string;
  transactions: number;
  ms: number;
}

export async function loadDemo(db: Db, opts: DemoLoadOptions = {}): Promise<DemoLoadResult> {
  const t0 = performance.now();
  const name = opts.name ?? DEMO_NAME;
  const scale = opts.scale ?? (opts.transactions ? scaleForTransactions(opts.transactions) : 1);
  const months = opts.months ?? 24;
  const steps = months + 2;
  return withNewBusiness(db, { name, baseCurrency: 'USD', isDemo: true }, async (tx, business) => {
    const ctx = { id: business.id, baseCurrency: business.baseCurrency };
    let transactions = 0;
    let step = 0;
    for (const batch of generateDemo({ ...opts, scale, months })) {
      transactions += (await ingestXero(tx, ctx, batch.xero)).transactions;
      transactions += (await ingestStripe(tx, ctx, batch.stripe)).transactions;
      step += 1;
      opts.onProgress?.({ label: batch.label, step, steps, transactions });
    }
    return { businessId: business.id, name, transactions, ms: Math.round(performance.now() - t0) };
  });
}

/** Delete every demo business of that name (cascades to all its rows). Returns how many went. */
export async function deleteDemo(db: Db, name = DEMO_NAME): Promise<number> {
  const gone = await withSystem(db, (tx) =>
    tx
      .delete(businesses)
      .where(and(eq(businesses.name, name), eq(businesses.isDemo, true)))
      .returning({ id: businesses.id }),
  );
  return gone.length;
}

/**
 * The demo as a newcomer gets it: loaded, planner statistics refreshed (a bulk load leaves them
 * stale), and its insights computed: snapshots, readiness score, recommendations.
 */
export async function createDemoCompany(
  database: Database,
  opts: DemoLoadOptions = {},
): Promise<DemoLoadResult & { snapshots: number }> {
  const loaded = await loadDemo(database.db, opts);
  await database.analyze();
  const asOf = (opts.today ?? new Date()).toISOString().slice(0, 10);
  const refreshed = await withBusiness(database.db, loaded.businessId, (tx) =>
    refreshInsights(tx, { id: loaded.businessId, baseCurrency: 'USD' }, { asOf }),
  );
  const snapshots = Object.values(refreshed.snapshots.written).reduce((a, b) => a + b, 0);
  return { ...loaded, snapshots, ms: loaded.ms + refreshed.ms };
}
