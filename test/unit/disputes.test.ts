import { describe, expect, it } from 'vitest';
import { DISPUTE_THRESHOLDS, evaluateProgram, thresholdsOn } from '../../src/domain/disputes';

const vamp = (date: string) => thresholdsOn(date).find((t) => t.program === 'VAMP')!;
const ecm = thresholdsOn('2026-06-01').find((t) => t.program === 'ECM')!;
const hecm = thresholdsOn('2026-06-01').find((t) => t.program === 'HECM')!;

describe('dispute thresholds', () => {
  it('VAMP drops from 2.2% to 1.5% on 1 April 2026', () => {
    expect(vamp('2026-03-31').thresholdBps).toBe(220);
    expect(vamp('2026-04-01').thresholdBps).toBe(150);
    expect(vamp('2026-04-01').minimumCount).toBe(1500);
    expect(
      thresholdsOn('2026-04-01')
        .map((t) => t.program)
        .sort(),
    ).toEqual(['ECM', 'HECM', 'VAMP']);
  });

  it('every date has exactly one row per program', () => {
    for (const d of ['2025-04-01', '2026-03-31', '2026-04-01', '2030-01-01']) {
      const programs = thresholdsOn(d, DISPUTE_THRESHOLDS).map((t) => t.program);
      expect(new Set(programs).size).toBe(programs.length);
    }
  });
});

describe('VAMP (full month elapsed, so projection = month to date)', () => {
  const at = (events: number, transactions: number, date = '2026-04-30') =>
    evaluateProgram(vamp(date), { events, transactions }, 30, 30, true);
  it('over at exactly the ratio and the minimum count', () => {
    expect(at(1500, 100_000).status).toBe('over'); // 1.5%
  });
  it('just below the ratio is watch (≥ 65% of it), not over', () => {
    expect(at(1500, 100_001).status).toBe('watch'); // 1.49999%
  });
  it('above the ratio but under the minimum count is never identified; still watched', () => {
    const r = at(1499, 10_000); // 14.99%
    expect(r.status).toBe('watch');
    expect(r.explanation).toContain('minimum of 1500');
  });
  it('watch starts at 65% of the threshold', () => {
    expect(at(975, 100_000).status).toBe('watch'); // 0.975% = 65% of 1.5%
    expect(at(974, 100_000).status).toBe('ok');
  });
  it('the same counts are over in April 2026 but only watch in March (2.2%)', () => {
    expect(at(1800, 100_000, '2026-04-30').status).toBe('over'); // 1.8%
    expect(at(1800, 100_000, '2026-03-31').status).toBe('watch'); // 1.8% ≥ 65% of 2.2%
  });
  it('no transactions: ratio undefined, ok', () => {
    expect(at(0, 0)).toMatchObject({ status: 'ok', monthToDate: { ratio: null } });
  });
});

describe('projection to month end', () => {
  it('halfway through the month, the counts double; a projection that meets the program is at_risk', () => {
    const r = evaluateProgram(ecm, { events: 60, transactions: 5000 }, 15, 30, false);
    // ECM: denominator is last month's transactions, complete already: not projected
    expect(r.projected).toEqual({ events: 120, transactions: 5000, ratio: 0.024 });
    expect(r.monthToDate.ratio).toBe(0.012);
    expect(r.status).toBe('at_risk'); // 2.4% ≥ 1.5% with 120 ≥ 100 chargebacks
  });
  it('VAMP projects both sides, so the ratio stays and only the count grows', () => {
    const r = evaluateProgram(vamp('2026-05-10'), { events: 800, transactions: 40_000 }, 10, 31, true);
    expect(r.projected).toEqual({ events: 2480, transactions: 124_000, ratio: 0.02 });
    expect(r.status).toBe('at_risk');
  });
});

describe('Mastercard ECM and HECM (this month’s chargebacks / last month’s transactions)', () => {
  const month = (events: number, lastMonthTransactions: number) =>
    [ecm, hecm].map((t) => evaluateProgram(t, { events, transactions: lastMonthTransactions }, 31, 31, false).status);
  it('around 1.5% with 100 chargebacks', () => {
    expect(month(100, 6666)).toEqual(['over', 'ok']); // 1.50015%; HECM watch starts at 1.95%
    expect(month(100, 6667)).toEqual(['watch', 'ok']); // 1.49993%
    expect(month(99, 1000)).toEqual(['watch', 'watch']); // 9.9% but 99 < 100 chargebacks (and < 300)
  });
  it('around 3% with 300 chargebacks', () => {
    expect(month(300, 10_000)).toEqual(['over', 'over']); // exactly 3%
    expect(month(300, 10_001)).toEqual(['over', 'watch']); // 2.9997%
    expect(month(299, 9_000)).toEqual(['over', 'watch']); // 3.32% but 299 < 300
  });
});
