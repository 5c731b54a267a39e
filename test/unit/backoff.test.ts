import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/backoff';

describe('backoffDelay', () => {
  it('doubles from the base, stops at the cap, and spreads by the jitter', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { baseMs: 250, capMs: 2_000 }))).toEqual([
      250, 500, 1_000, 2_000, 2_000, 2_000,
    ]);
    // Xero's transient failures: 250 ms after the first, 8 s at most.
    expect(backoffDelay(7, { baseMs: 250, capMs: 8_000 })).toBe(8_000);
    // ± 25%: the extremes of the random draw.
    expect(backoffDelay(3, { baseMs: 1_000, jitter: 0.25 }, () => 0)).toBe(3_000);
    expect(backoffDelay(3, { baseMs: 1_000, jitter: 0.25 }, () => 1)).toBe(5_000);
  });
});
