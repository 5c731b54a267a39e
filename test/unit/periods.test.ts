import { describe, expect, it } from 'vitest';
import { comparedRange, yearBefore } from '../../src/domain/periods';

describe('the range a breakdown is compared with', () => {
  it('a whole month, quarter or year: the whole one before it, whatever larger period it also starts', () => {
    // 1 October starts a month and a quarter: October is a month, so September (not July).
    expect(comparedRange('2026-10-01', '2026-10-31', 'previous')).toEqual({ from: '2026-09-01', to: '2026-09-30' });
    expect(comparedRange('2026-03-01', '2026-03-31', 'previous')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(comparedRange('2026-07-01', '2026-09-30', 'previous')).toEqual({ from: '2026-04-01', to: '2026-06-30' });
    expect(comparedRange('2026-01-01', '2026-01-31', 'previous')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(comparedRange('2025-01-01', '2025-12-31', 'previous')).toEqual({ from: '2024-01-01', to: '2024-12-31' });
  });

  it('a period under way: the same first days of the one before, capped at its end', () => {
    // 1 October to 22 November (53 days) is part of Q4: 1 July + 52 days = 22 August.
    expect(comparedRange('2026-10-01', '2026-11-22', 'previous')).toEqual({ from: '2026-07-01', to: '2026-08-22' });
    // The year to 22 November against 1 January to 22 November 2025.
    expect(comparedRange('2026-01-01', '2026-11-22', 'previous')).toEqual({ from: '2025-01-01', to: '2025-11-22' });
    // 1 to 30 March is part-way through March: the same 30 days of February, which has only 28.
    expect(comparedRange('2026-03-01', '2026-03-30', 'previous')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
  });

  it('any other range: the same number of days just before it', () => {
    expect(comparedRange('2026-10-10', '2026-10-19', 'previous')).toEqual({ from: '2026-09-30', to: '2026-10-09' });
  });

  it('a year ago: the same dates, a month’s end kept a month’s end, 29 February the 28th', () => {
    expect(comparedRange('2026-09-01', '2026-09-30', 'year_ago')).toEqual({ from: '2025-09-01', to: '2025-09-30' });
    expect(comparedRange('2028-02-01', '2028-02-29', 'year_ago')).toEqual({ from: '2027-02-01', to: '2027-02-28' });
    expect(comparedRange('2027-02-01', '2027-02-28', 'year_ago')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(yearBefore('2028-02-29')).toBe('2027-02-28');
    expect(yearBefore('2026-11-22')).toBe('2025-11-22');
  });
});
