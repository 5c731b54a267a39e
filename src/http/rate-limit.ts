/**
 * Requests per minute for each API key and each browser session: a token bucket per caller that holds a
 * minute's worth and refills continuously, so a burst is allowed and a steady stream is held to the rate.
 * Per process: behind several replicas each enforces its own share (documented in the README).
 */
import { RateLimitedError } from '../errors';

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Takes one request from `key`'s bucket, or throws 429 with the seconds until one is free. */
  take(key: string, perMinute: number): void {
    const b = this.refill(key, perMinute);
    this.refuseWhenEmpty(key, b, perMinute);
    b.tokens -= 1;
  }

  /** Throws 429 when `key`'s bucket is empty, without taking from it. */
  check(key: string, perMinute: number): void {
    this.refuseWhenEmpty(key, this.refill(key, perMinute), perMinute);
  }

  /** Takes one from `key`'s bucket if there is one left (a failure is counted even when over the limit). */
  spend(key: string, perMinute: number): void {
    const b = this.refill(key, perMinute);
    b.tokens = Math.max(0, b.tokens - 1);
  }

  private refill(key: string, perMinute: number): Bucket {
    const t = this.now();
    const rate = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * rate);
    b.at = t;
    this.buckets.set(key, b);
    this.sweep(t);
    return b;
  }

  private refuseWhenEmpty(key: string, b: Bucket, perMinute: number): void {
    if (b.tokens >= 1) return;
    const seconds = Math.max(1, Math.ceil((1 - b.tokens) / (perMinute / 60_000) / 1000));
    const what = key.startsWith('key:')
      ? `at most ${perMinute} requests a minute for this API key`
      : key.startsWith('failed:')
        ? `at most ${perMinute} failed sign-ins a minute from this address`
        : `at most ${perMinute} requests a minute for this session`;
    throw new RateLimitedError(`Too many requests: ${what}. Try again in ${seconds} s.`, seconds);
  }

  /** Forget buckets idle for a minute: they have refilled completely, like a new one. */
  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    for (const [k, b] of this.buckets) if (t - b.at > 60_000) this.buckets.delete(k);
  }
}
