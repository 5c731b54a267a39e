import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReadinessInputs, scoreReadiness, TIERS, tierOf } from '../../src/domain/readiness';

const base: ReadinessInputs = {
  revenueLast3: '300000',
  revenuePrev3: '270000',
  revenueVolatility: 0.2,
  cashFlowPositive: false,
  runwayMonths: 12,
  refundRatio: 0.02,
  chargebackRatio: 0.004,
  dso: 52,
  overdueShare: 0.3,
  dataQualityScore: 80,
  currency: 'USD',
  snapshotIds: ['s1', 's2'],
};

describe('funding readiness', () => {
  it('weights each component as documented (hand-computed)', () => {
    const r = scoreReadiness(base);
    const by = Object.fromEntries(r.components.map((c) => [c.name, c]));
    // scale: log10(1.2M) = 6.0792 → (6.0792 − 5) / (6.6990 − 5) = 0.6352; growth 11.1% → (0.1111 + 0.1) / 0.3 = 0.7037
    expect(by.revenue_scale_growth).toMatchObject({ weight: 20, value: 0.6695, contribution: 13.39 });
    expect(by.revenue_stability).toMatchObject({ weight: 15, value: 0.75, contribution: 11.25 }); // (0.5 − 0.2) / 0.4
    expect(by.burn_runway).toMatchObject({ weight: 20, value: 0.4286, contribution: 8.57 }); // (12 − 3) / 21
    expect(by.payment_risk).toMatchObject({ weight: 15, value: 0.6, contribution: 9 }); // refunds 0.6, chargebacks 0.6
    expect(by.receivables_health).toMatchObject({ weight: 20, value: 0.5167, contribution: 10.33 }); // DSO 0.6333, overdue 0.4
    expect(by.data_quality).toMatchObject({ weight: 10, value: 0.8, contribution: 8 });
    // 13.389 + 11.25 + 8.571 + 9 + 10.333 + 8 = 60.54
    expect(r).toMatchObject({ scoreVersion: 'v1', score: 61, tier: 'funding_ready' });
    expect(by.receivables_health!.evidence).toEqual({
      snapshotIds: ['s1', 's2'],
      figures: { dso: 52, overdueShare: 0.3 },
    });
  });

  it('tiers: not_ready < 40 ≤ needs_work < 60 ≤ funding_ready < 80 ≤ highly_attractive', () => {
    expect([0, 39, 40, 59, 60, 79, 80, 100].map(tierOf)).toEqual([
      'not_ready',
      'not_ready',
      'needs_work',
      'needs_work',
      'funding_ready',
      'funding_ready',
      'highly_attractive',
      'highly_attractive',
    ]);
    expect(TIERS.map((t) => t.from)).toEqual([0, 40, 60, 80]);
  });

  it('next band: the proposed moves, applied, reach the next tier', () => {
    const r = scoreReadiness(base);
    expect(r.nextBand).toMatchObject({ tier: 'highly_attractive', pointsNeeded: 19 });
    expect(r.nextBand!.actions.map((a) => a.metric)).toEqual([
      'Runway',
      'Revenue volatility',
      'Overdue share of receivables',
    ]);
    expect(r.nextBand!.actions[0]!.text).toBe('Runway from 12.0 months to 24.0 months adds 11.4 points.');
  });

  it('property: whenever a path is proposed, applying it reaches the next tier', () => {
    const key: Record<string, keyof ReadinessInputs> = {
      DSO: 'dso',
      'Overdue share of receivables': 'overdueShare',
      'Revenue volatility': 'revenueVolatility',
      Runway: 'runwayMonths',
      'Refund ratio': 'refundRatio',
      'Chargeback ratio': 'chargebackRatio',
      'Data quality score': 'dataQualityScore',
    };
    fc.assert(
      fc.property(
        fc.record({
          revenueLast3: fc.integer({ min: 0, max: 3_000_000 }).map(String),
          revenuePrev3: fc.option(fc.integer({ min: 1, max: 3_000_000 }).map(String), { nil: null }),
          revenueVolatility: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
          cashFlowPositive: fc.boolean(),
          runwayMonths: fc.option(fc.double({ min: 0, max: 48, noNaN: true }), { nil: null }),
          refundRatio: fc.option(fc.double({ min: 0, max: 0.1, noNaN: true }), { nil: null }),
          chargebackRatio: fc.option(fc.double({ min: 0, max: 0.02, noNaN: true }), { nil: null }),
          dso: fc.option(fc.double({ min: 0, max: 150, noNaN: true }), { nil: null }),
          overdueShare: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
          dataQualityScore: fc.option(fc.integer({ min: 0, max: 100 }), { nil: null }),
        }),
        (partial) => {
          const inputs: ReadinessInputs = { ...partial, currency: 'USD', snapshotIds: [] };
          const r = scoreReadiness(inputs);
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100);
          for (const c of r.components) expect(Number.isFinite(c.contribution)).toBe(true);
          if (!r.nextBand || r.nextBand.actions.length === 0) return;
          const moved: ReadinessInputs = { ...inputs };
          // Apply each proposed target exactly as stated.
          for (const a of r.nextBand.actions) {
            if (a.metric === 'Quarter-on-quarter revenue growth')
              moved.revenueLast3 = String(Number(inputs.revenuePrev3) * (1 + a.to));
            else if (a.metric === 'Data quality score') moved.dataQualityScore = a.to * 100;
            else (moved as unknown as Record<string, number>)[key[a.metric]!] = a.to;
          }
          expect(tierOf(scoreReadiness(moved).score)).toBe(r.nextBand.tier);
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
