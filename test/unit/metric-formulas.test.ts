import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agingBucket, coefficientOfVariation, daysOutstanding, ratio, runway } from '../../src/domain/metrics/formulas';
import { periodOf, periodsBetween } from '../../src/domain/periods';
import { D } from '../../src/money';

const d = (v: string | number) => new D(v);

describe('metric formulas', () => {
  it('DSO and DPO reproduce Xero’s own executive summary (fixture from Xero’s OpenAPI spec)', () => {
    const report = JSON.parse(
      readFileSync(new URL('../fixtures/xero/GET_Report_ExecutiveSummary.json', import.meta.url), 'utf8'),
    ).Reports[0];
    const cell = (title: string, label: string) =>
      report.Rows.find((s: { Title: string }) => s.Title === title).Rows.find(
        (r: { Cells: { Value: string }[] }) => r.Cells[0]!.Value === label,
      ).Cells[1].Value as string;
    const debtors = cell('Balance Sheet', 'Debtors'); // 590.00
    const income = cell('Profitability', 'Income'); // 40.00
    const creditors = cell('Balance Sheet', 'Creditors'); // -44.00 (Xero shows payables negative)
    const expenses = cell('Profitability', 'Expenses'); // 205.40
    // The report covers a 30-day month.
    expect(daysOutstanding(d(debtors), d(income), 30)!.toFixed(2)).toBe(
      Number(cell('Position', 'Average debtors days')).toFixed(2),
    );
    expect(daysOutstanding(d(creditors).abs(), d(expenses), 30)!.toFixed(2)).toBe(
      Math.abs(Number(cell('Position', 'Average creditors days'))).toFixed(2),
    );
  });

  it('DSO is undefined without revenue', () => {
    expect(daysOutstanding(d(100), d(0), 30)).toBeNull();
  });

  it('runway divides cash by the average net burn, or reports cash-flow positive', () => {
    const r = runway(d('60000'), [d('10000'), d('12000'), d('8000')]);
    expect(r.months!.toFixed(2)).toBe('6.00');
    expect(r.cashFlowPositive).toBe(false);
    const p = runway(d('60000'), [d('-5000'), d('2000'), d('1000')]);
    expect(p).toMatchObject({ months: null, cashFlowPositive: true });
    expect(runway(d('-100'), [d('10')]).months!.toFixed(2)).toBe('0.00'); // overdrawn: no runway left
  });

  it('volatility is the sample coefficient of variation, undefined for fewer than two months or no revenue', () => {
    expect(coefficientOfVariation([d(100), d(100), d(100)])).toBe(0);
    // mean 15, sample sd sqrt(((−5)² + 5²) / 1) = 7.0711 → 0.471405
    expect(coefficientOfVariation([d(10), d(20)])).toBe(0.471405);
    expect(coefficientOfVariation([d(10)])).toBeNull();
    expect(coefficientOfVariation([d(0), d(0)])).toBeNull();
  });

  it('ratios are never NaN or Infinity', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(0, 0)).toBeNull();
    expect(ratio(1, 3)).toBe(0.333333);
  });

  it('aging buckets', () => {
    expect([-5, 0, 1, 30, 31, 60, 61, 90, 91].map(agingBucket)).toEqual([
      'current',
      'current',
      'd1_30',
      'd1_30',
      'd31_60',
      'd31_60',
      'd61_90',
      'd61_90',
      'd90_plus',
    ]);
  });

  it('periods: ISO weeks start on Monday; quarters and leap years', () => {
    expect(periodOf('week', '2026-11-22')).toEqual({ type: 'week', start: '2026-11-16', end: '2026-11-22' });
    expect(periodOf('quarter', '2024-02-29')).toEqual({ type: 'quarter', start: '2024-01-01', end: '2024-03-31' });
    expect(periodOf('month', '2024-02-10').end).toBe('2024-02-29');
    expect(periodsBetween('quarter', '2025-11-15', '2026-04-01').map((p) => p.start)).toEqual([
      '2025-10-01',
      '2026-01-01',
      '2026-04-01',
    ]);
    expect(() => periodOf('month', '2026-13-01')).toThrow(/not a date/);
  });
});
