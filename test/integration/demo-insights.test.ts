import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { withBusiness } from '../../src/db/client';
import { readinessScores, recommendations } from '../../src/db/schema';
import { createDemoCompany } from '../../src/demo/load';
import { detectAnomalies } from '../../src/domain/anomalies';
import { forecastCashFlow } from '../../src/domain/forecast';
import { customerPaymentHealth } from '../../src/domain/payment-health';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const ASOF = '2026-11-22';

describe('Demo Co tells a believable story', () => {
  it('recommendations, a readiness score with evidence, a 13-week forecast, anomalies, customers at risk', async () => {
    const demo = await createDemoCompany(t.database, { today: new Date(`${ASOF}T08:00:00Z`) });
    const biz = { id: demo.businessId, baseCurrency: 'USD' };
    const recs = await withBusiness(t.db, biz.id, (tx) =>
      tx
        .select()
        .from(recommendations)
        .where(and(eq(recommendations.businessId, biz.id), eq(recommendations.status, 'pending'))),
    );
    expect(recs.length).toBeGreaterThan(0);
    for (const r of recs) expect(r.description).not.toMatch(/NaN|undefined|Infinity/);

    const [score] = await withBusiness(t.db, biz.id, (tx) =>
      tx.select().from(readinessScores).where(eq(readinessScores.businessId, biz.id)),
    );
    expect(score!.score).toBeGreaterThan(0);
    expect(score!.score).toBeLessThanOrEqual(100);
    const components = score!.components as { evidence: { snapshotIds: string[] } }[];
    expect(components).toHaveLength(6);
    for (const c of components) expect(c.evidence.snapshotIds.length).toBeGreaterThanOrEqual(3);

    const forecast = await withBusiness(t.db, biz.id, (tx) => forecastCashFlow(tx, biz, ASOF));
    expect(forecast.scenarios.map((s) => s.weeks.length)).toEqual([13, 13, 13]);
    const base = forecast.scenarios.find((s) => s.scenario === 'base')!;
    // Believable: a business with ~$650k in the bank that is roughly break-even neither doubles nor runs out.
    expect(Number(base.endingCash)).toBeGreaterThan(Number(base.weeks[0]!.openingCash) * 0.5);
    expect(Number(base.endingCash)).toBeLessThan(Number(base.weeks[0]!.openingCash) * 1.5);

    const anomalies = await withBusiness(t.db, biz.id, (tx) => detectAnomalies(tx, biz.id, { asOf: ASOF }));
    expect(anomalies.length).toBeGreaterThanOrEqual(1);
    expect(anomalies[0]!.counterparty).toBe('Amazon Web Services'); // the planted cloud-bill spike

    const health = await withBusiness(t.db, biz.id, (tx) => customerPaymentHealth(tx, biz.id, ASOF));
    expect(health.some((h) => h.atRisk)).toBe(true);
  });
});
