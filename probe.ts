import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, queryRows, withBusiness } from './src/db/client';
import { loadDemo } from './src/demo/load';
import { refreshChangedPeriods, refreshSnapshots } from './src/domain/metrics/snapshots';

const a = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
await a.end();
const d = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/cfo_inc' });
const { listBusinesses } = await import('./src/db/businesses');
const r = { businessId: (await listBusinesses(d.db))[0]!.id };
const b = { id: r.businessId, baseCurrency: 'USD' };
await withBusiness(d.db, b.id, (tx) => refreshSnapshots(tx, b, { asOf: '2026-11-22' }));
console.error('--- incremental');
for (let i = 0; i < 2; i++) {
  const x = await withBusiness(d.db, b.id, (tx) =>
    refreshChangedPeriods(tx, b, ['2026-06-10'], { asOf: '2026-11-22' }),
  );
  console.error('total', x.ms);
}
await d.close();
