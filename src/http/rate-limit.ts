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
    const t = this.now();
    const rate = perMinute / 60_000;
    const b = this.buckets.get(key) ?? { tokens: perMinute, at: t };
    b.tokens = Math.min(perMinute, b.tokens + (t - b.at) * rate);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      const seconds = Math.max(1, Math.ceil((1 - b.tokens) / rate / 1000));
      throw new RateLimitedError(
        `Too many requests: at most ${perMinute} a minute for this ${key.startsWith('key:') ? 'API key' : 'session'}. Try again in ${seconds} s.`,
        seconds,
      );
    }
    b.tokens -= 1;
    this.sweep(t);
  }

  /** Forget buckets idle for a minute: they have refilled completely, like a new one. */
  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return;
    this.lastSweep = t;
    for (const [k, b] of this.buckets) if (t - b.at > 60_000) this.buckets.delete(k);
  }
}
