/**
 * Xero's limits, kept on our side so a sync never has to be told twice
 * (https://developer.xero.com/documentation/guides/oauth2/limits/): per organisation 60 calls in any
 * minute, 5 in flight, 5,000 a day; per app 10,000 a minute across all organisations. The limiter counts
 * its own calls in a sliding window, believes the `X-MinLimit-Remaining`/`X-DayLimit-Remaining` headers
 * when they say less is left (another process used the same organisation), and on a 429 waits
 * `Retry-After` and tries the same call again.
 */
import { RateLimitedError } from '../../errors';

export interface Limits {
  perWindow: number;
  windowMs: number;
  concurrent: number;
  perDay: number;
}

export const XERO_ORG_LIMITS: Limits = { perWindow: 60, windowMs: 60_000, concurrent: 5, perDay: 5_000 };
export const XERO_APP_LIMITS: Limits = {
  perWindow: 10_000,
  windowMs: 60_000,
  concurrent: Number.POSITIVE_INFINITY,
  perDay: Number.POSITIVE_INFINITY,
};

const DAY_MS = 86_400_000;
// Our clock starts a call slightly before Xero's does; leave a little room at the window's edge.
const EDGE_MS = 50;

export interface LimiterStats {
  calls: number;
  /** Times a call waited for room in the window (ours or Xero's 429). */
  waits: number;
  waitedMs: number;
  /** 429s received. */
  throttled: number;
}

export class RateLimiter {
  readonly stats: LimiterStats = { calls: 0, waits: 0, waitedMs: 0, throttled: 0 };
  private starts: number[] = [];
  private day: number[] = [];
  private inFlight = 0;
  private queue: (() => void)[] = [];

  constructor(
    readonly limits: Limits,
    private readonly parent?: RateLimiter,
  ) {}

  /** Take a slot: waits for a free concurrent slot and room in the window. Pair with `release`. */
  async acquire(onWait?: (ms: number) => void): Promise<void> {
    // A released slot is handed straight to the next waiter, so nobody can slip in between.
    if (this.inFlight >= this.limits.concurrent) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.inFlight++;
    try {
      for (;;) {
        const now = Date.now();
        this.starts = this.starts.filter((t) => t > now - this.limits.windowMs);
        this.day = this.day.filter((t) => t > now - DAY_MS);
        if (this.day.length >= this.limits.perDay) {
          const retry = Math.ceil((this.day[0]! + DAY_MS - now) / 1000);
          throw new RateLimitedError(
            `Xero's daily limit for this organisation is used up; try again in ${retry} s.`,
            retry,
          );
        }
        // Calls still in flight will each take a place in the window when they finish.
        const others = this.inFlight - 1;
        if (this.starts.length + others < this.limits.perWindow) break;
        const oldest = this.starts[this.starts.length + others - this.limits.perWindow];
        await this.sleep(oldest === undefined ? EDGE_MS : oldest + this.limits.windowMs - now + EDGE_MS, onWait);
      }
      if (this.parent) await this.parent.acquire(onWait);
    } catch (err) {
      this.freeSlot();
      throw err;
    }
    this.day.push(Date.now());
    this.stats.calls++;
  }

  /**
   * The call is over. It enters the window at its finish, not its start: Xero counted it somewhere in
   * between, and our start can be well before the request left (a busy event loop), so the finish is the
   * time that never frees a place too early.
   */
  release(headers?: Record<string, unknown>): void {
    this.starts.push(Date.now());
    this.freeSlot();
    this.parent?.release();
    if (headers) this.believe(headers);
  }

  private freeSlot(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.inFlight--;
  }

  /** Someone else spent part of the budget: fill our window up to what Xero says is left. */
  private believe(headers: Record<string, unknown>): void {
    const now = Date.now();
    const minute = Number(headers['x-minlimit-remaining']);
    if (Number.isFinite(minute)) {
      const used = this.limits.perWindow - minute;
      if (this.starts.length + this.inFlight < used) {
        while (this.starts.length + this.inFlight < used) this.starts.push(now);
        this.starts.sort((a, b) => a - b);
      }
    }
    const day = Number(headers['x-daylimit-remaining']);
    if (Number.isFinite(day)) {
      const used = this.limits.perDay - day;
      while (this.day.length < used) this.day.unshift(now);
    }
  }

  /** After a 429: Xero says when to come back. Waits are capped; a longer one ends the run (resumable). */
  async throttled(retryAfterSeconds: number, problem: string, onWait?: (ms: number) => void, maxWaitMs = 300_000) {
    this.stats.throttled++;
    const ms = Math.max(1, retryAfterSeconds) * 1000;
    if (problem === 'daily' || ms > maxWaitMs) {
      throw new RateLimitedError(
        `Xero's ${problem === 'daily' ? 'daily' : 'rate'} limit was reached; try again in ${retryAfterSeconds} s.`,
        retryAfterSeconds,
      );
    }
    if (problem === 'minute') {
      const now = Date.now();
      while (this.starts.length < this.limits.perWindow) this.starts.push(now - this.limits.windowMs + ms);
      this.starts.sort((a, b) => a - b);
    }
    await this.sleep(ms, onWait);
  }

  private async sleep(ms: number, onWait?: (ms: number) => void) {
    this.stats.waits++;
    this.stats.waitedMs += ms;
    onWait?.(ms);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** One app-wide budget per process, shared by every organisation's limiter. */
let appLimiter: RateLimiter | undefined;
export function orgLimiter(limits: Limits = XERO_ORG_LIMITS, app: Limits = XERO_APP_LIMITS): RateLimiter {
  appLimiter ??= new RateLimiter(app);
  return new RateLimiter(limits, appLimiter);
}
