import { describe, expect, it } from 'vitest';
import { extractFigures, unmatchedFigures } from '../../src/agent/grounding';

const RESULT = {
  revenue: '133663.2900',
  change: '-7129.22',
  changePercent: -5.1,
  refundRatio: 0.023041,
  dso: 31.54,
  score: 76,
  note: 'Two bills from Intercom for USD 485.22 on 2026-08-11',
};

describe('grounding check', () => {
  it('accepts figures as the tools gave them, rounded for display, as percentages, or without sign', () => {
    const text =
      'Revenue in October 2026 was $133,663.29, down $7,129.22 (5.1%). Refunds were 2.3% of payments; DSO 31.5 days; score 76. The Intercom bill was $485.22.';
    expect(unmatchedFigures(text, [RESULT])).toEqual([]);
  });

  it('accepts scaled figures within the precision they show', () => {
    expect(unmatchedFigures('about $133.7k, or $0.13 million', [RESULT])).toEqual([]);
    expect(unmatchedFigures('about $134.7k', [RESULT])).toEqual(['$134.7k']);
  });

  it('flags a figure no result supports, and a wrong rounding', () => {
    expect(unmatchedFigures('Revenue was $133,663.30 and costs $9,999.00.', [RESULT])).toEqual([
      '$133,663.30',
      '$9,999.00',
    ]);
    expect(unmatchedFigures('Refunds were 2.4%.', [RESULT])).toEqual(['2.4%']);
  });

  it('does not treat dates, years, quarters or bucket labels as figures', () => {
    const text =
      'As of 22 November 2026, for Q3 2026, FY2025, October 2026, 2026-10-31, 1–30 days and more than 90 days overdue, in the 13-week forecast.';
    expect(extractFigures(text)).toEqual([]);
  });

  it('reads numbers inside tool result text as grounded', () => {
    expect(unmatchedFigures('103 payouts are unmatched.', [{ title: '103 Stripe payouts are not matched' }])).toEqual(
      [],
    );
  });

  it('checks against nothing when no tool ran', () => {
    expect(unmatchedFigures('We have $5,000.', [])).toEqual(['$5,000']);
  });
});
