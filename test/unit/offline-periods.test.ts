import { describe, expect, it } from 'vitest';
import { parsePeriods } from '../../src/agent/offline/periods';

const TODAY = '2026-11-22';
const p = (q: string, fyEnd = 12) => parsePeriods(q, TODAY, fyEnd);

describe('offline model: periods in questions', () => {
  it.each([
    ['What was revenue last month?', 'month', '2026-10-01', 'October 2026', false],
    ['expenses last quarter', 'quarter', '2026-07-01', 'Q3 2026', false],
    ['profit last year', 'year', '2025-01-01', '2025', false],
    ['revenue YTD', 'year', '2026-01-01', '2026 to date', true],
    ['spend this quarter', 'quarter', '2026-10-01', 'Q4 2026 to date', true],
    ['sales this month', 'month', '2026-11-01', 'November 2026 to date', true],
    ['net income in Q2 2025', 'quarter', '2025-04-01', 'Q2 2025', false],
    ["revenue Q1 '26", 'quarter', '2026-01-01', 'Q1 2026', false],
    ['revenue in Q4', 'quarter', '2026-10-01', 'Q4 2026', true],
    ['revenue in Q1', 'quarter', '2026-01-01', 'Q1 2026', false],
    ['profit in FY25', 'year', '2025-01-01', 'FY2025', false],
    ['revenue in March', 'month', '2026-03-01', 'March 2026', false],
    ['revenue in December', 'month', '2025-12-01', 'December 2025', false],
    ['expenses in September 2025', 'month', '2025-09-01', 'September 2025', false],
    ['what was revenue in 2024', 'year', '2024-01-01', '2024', false],
  ])('%s → %s %s', (q, type, date, label, partial) => {
    const r = p(q);
    expect(r.period).toMatchObject({ type, date, label, partial });
  });

  it('reads "past N months" as a range of complete months', () => {
    const r = p('revenue over the past 6 months');
    expect(r.period).toMatchObject({
      type: 'month',
      date: '2026-05-01',
      to: '2026-10-01',
      from: '2026-05-01',
      until: '2026-10-31',
    });
    expect(p('last three months of expenses').period).toMatchObject({ date: '2026-08-01', to: '2026-10-01' });
  });

  it('reads comparisons and strips them from the question', () => {
    expect(p('revenue vs last year')).toMatchObject({ compare: 'year_ago', period: null, rest: 'revenue' });
    expect(p('expenses compared to the previous month').compare).toBe('previous');
    expect(p('revenue year over year').compare).toBe('year_ago');
    expect(p('how did Q3 compare with last year').period).toMatchObject({ type: 'quarter', date: '2026-07-01' });
  });

  it('takes a single day for point-in-time questions', () => {
    expect(p('cash on 1 October')).toMatchObject({ day: '2026-10-01', period: null });
  });

  it('maps a financial year that ends in June to its twelve months', () => {
    expect(p('revenue FY26', 6).period).toMatchObject({
      type: 'month',
      date: '2025-07-01',
      to: '2026-06-01',
      label: 'FY2026 (July 2025 to June 2026)',
    });
  });

  it('finds no period where there is none, and ignores "may" as a verb', () => {
    expect(p('how much cash do we have').period).toBeNull();
    expect(p('may I see our runway').period).toBeNull();
  });
});
