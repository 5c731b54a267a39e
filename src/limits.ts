/**
 * Every limit the service keeps, in one place and in the database, so that it holds however many processes
 * serve and work (docs/architecture.md, "Several processes"):
 *
 *   - requests a minute per API key and per browser session, and failed sign-ins a minute per address: a
 *     token bucket per caller that holds a minute's worth and refills continuously (a burst is allowed, a
 *     steady stream is held to the rate) — `take`, `check`, `spend`;
 *   - Xero's budgets (https://developer.xero.com/documentation/guides/oauth2/limits/): per organisation 60
 *     calls in any minute, 5 in flight, 5,000 a day; per app 10,000 a minute — a sliding window of calls
 *     with a concurrency cap — `budget(...)`.
 *
 * The arithmetic is in SQL (drizzle/0014_shared_limits.sql) and runs under a row or advisory lock on the
 * database's clock, so two servers asking at once are ordered and agree on the time. On the embedded
 * database the same functions run in PGlite: one process, the same code.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from './db/client';
import { RateLimitedError } from './errors';
import { processGone, thisProcess } from './owner';

export interface BudgetLimits {
  perWindow: number;
  windowMs: number;
  concurrent: number;
  perDay: number;
}

export const XERO_ORG_LIMITS: BudgetLimits = { perWindow: 60, windowMs: 60_000, concurrent: 5, perDay: 5_000 };
export const XERO_APP_LIMITS: BudgetLimits = {
  perWindow: 10_000,
  windowMs: 60_000,
  concurrent: Number.POSITIVE_INFINITY,
  perDay: Number.POSITIVE_INFINITY,
};

export interface BudgetStats {
  calls: number;
  /** Times a call waited for room in the window (ours or Xero's 429). */
  waits: number;
  waitedMs: number;
  /** 429s received. */
  throttled: number;
}

const INT_MAX = 2_147_483_647;
/** This process, as the calls it holds in flight name it. */
const HOLDER = `${thisProcess().host}:${thisProcess().pid}`;
const finite = (n: number) => (Number.isFinite(n) ? n : null);

export class Limits {
  /** Buckets this process saw emptied by `spend`, and until when (its own clock). */
  private readonly emptyUntil = new Map<string, number>();

  constructor(private readonly db: Db) {}

  /** Takes one request from `key`'s bucket, or throws 429 with the seconds until one is free. */
  async take(key: string, perMinute: number): Promise<void> {
    refuseWhenEmpty(key, perMinute, await this.bucket(key, perMinute, 'take'));
  }

  /**
   * Throws 429 when `key`'s bucket was left empty by a `spend` in this process, without a round trip: it runs
   * before every sign-in, and only failures spend. The count itself is shared (another process's failures
   * empty the same bucket; this one refuses once its own next failure finds it empty).
   */
  async check(key: string, perMinute: number): Promise<void> {
    const until = this.emptyUntil.get(key);
    if (until === undefined) return;
    if (until <= Date.now()) this.emptyUntil.delete(key);
    else refuseWhenEmpty(key, perMinute, until - Date.now());
  }

  /** Takes one from `key`'s bucket if there is one left (a failure is counted even when over the limit). */
  async spend(key: string, perMinute: number): Promise<void> {
    await this.bucket(key, perMinute, 'spend');
    // Failures are the rare path: ask whether that emptied the bucket, for `check` to answer from.
    const ms = await this.bucket(key, perMinute, 'check');
    if (ms > 0) this.emptyUntil.set(key, Date.now() + ms);
    if (this.emptyUntil.size > 10_000)
      for (const [k, until] of this.emptyUntil) if (until <= Date.now()) this.emptyUntil.delete(k);
  }

  /** A budget of calls (Xero's, per organisation), optionally inside a wider one (per app). */
  budget(key: string, limits: BudgetLimits, parent?: Budget): Budget {
    return new Budget(this.db, key, limits, parent);
  }

  private async bucket(key: string, perMinute: number, mode: 'take' | 'check' | 'spend'): Promise<number> {
    const [r] = await queryRows<{ ms: number }>(
      this.db,
      sql`select cfo_limit_bucket(${key}, ${perMinute}, ${mode}) as ms`,
    );
    return Number(r!.ms);
  }
}

function refuseWhenEmpty(key: string, perMinute: number, retryMs: number): void {
  if (retryMs <= 0) return;
  const seconds = Math.max(1, Math.ceil(retryMs / 1000));
  const what = key.startsWith('key:')
    ? `at most ${perMinute} requests a minute for this API key`
    : key.startsWith('failed:')
      ? `at most ${perMinute} failed sign-ins a minute from this address`
      : `at most ${perMinute} requests a minute for this session`;
  throw new RateLimitedError(`Too many requests: ${what}. Try again in ${seconds} s.`, seconds);
}

/**
 * Calls against one budget: `acquire` waits for a free slot and room in the window (and the parent's), and
 * records the call as in flight; `release` says it is over — it enters the window at its finish, not its start:
 * Xero counted it somewhere in between, and our start can be well before the request left (a busy event loop),
 * so the finish is the time that never frees a place too early. The counts are shared by every process.
 */
export class Budget {
  readonly stats: BudgetStats = { calls: 0, waits: 0, waitedMs: 0, throttled: 0 };
  private readonly held: string[] = [];

  constructor(
    private readonly db: Db,
    readonly key: string,
    readonly limits: BudgetLimits,
    private readonly parent?: Budget,
  ) {}

  /** Take a slot: waits for a free concurrent slot and room in the window. Pair with `release`. */
  async acquire(onWait?: (ms: number) => void): Promise<void> {
    for (;;) {
      const [r] = await queryRows<{ hit: string | null; retry_ms: number; problem: string | null }>(
        this.db,
        sql`select hit, retry_ms, problem from cfo_limit_acquire(${this.key}, ${Math.min(this.limits.perWindow, INT_MAX)},
              ${this.limits.windowMs}, ${Math.min(this.limits.concurrent, INT_MAX)}, ${finite(this.limits.perDay)},
              ${HOLDER})`,
      );
      if (r!.hit) {
        this.held.push(r!.hit);
        break;
      }
      // Calls held by a process on this machine that was killed are over: ask again at once.
      if (r!.problem !== 'day' && (await this.forgetTheDead())) continue;
      const ms = Math.max(1, Math.ceil(Number(r!.retry_ms)));
      if (r!.problem === 'day') {
        throw new RateLimitedError(
          `Xero's daily limit for this organisation is used up; try again in ${Math.ceil(ms / 1000)} s.`,
          Math.ceil(ms / 1000),
        );
      }
      // A full concurrency cap is polled briefly and not counted as a wait for the window.
      if (r!.problem === 'concurrent') await new Promise((res) => setTimeout(res, ms));
      else await this.sleep(ms, onWait);
    }
    try {
      if (this.parent) await this.parent.acquire(onWait);
    } catch (err) {
      await this.finish();
      throw err;
    }
    this.stats.calls++;
  }

  /** The call is over; `headers` are Xero's answer, believed when they say less is left than we counted. */
  async release(headers?: Record<string, unknown>): Promise<void> {
    await this.finish();
    await this.parent?.finish();
    if (headers) await this.believe(headers);
  }

  /** Finishes the calls in flight of processes on this machine that are gone; true when there were any. */
  private async forgetTheDead(): Promise<boolean> {
    const holders = await queryRows<{ holder: string }>(
      this.db,
      sql`select distinct holder from rate_limit_hits
          where key = ${this.key} and finished_at is null and holder is not null and holder <> ${HOLDER}`,
    );
    let forgot = false;
    for (const { holder } of holders) {
      const at = holder.lastIndexOf(':');
      if (!processGone({ host: holder.slice(0, at), pid: Number(holder.slice(at + 1)) })) continue;
      await this.db.execute(sql`select cfo_limit_forget(${this.key}, ${holder})`);
      forgot = true;
    }
    return forgot;
  }

  private async finish(): Promise<void> {
    const id = this.held.shift();
    if (id) await this.db.execute(sql`update rate_limit_hits set finished_at = clock_timestamp() where id = ${id}`);
  }

  /** Someone else spent part of the budget: fill our window (and day) up to what Xero says is used. */
  private async believe(headers: Record<string, unknown>): Promise<void> {
    const minute = Number(headers['x-minlimit-remaining']);
    const day = Number(headers['x-daylimit-remaining']);
    const used = Number.isFinite(minute) ? this.limits.perWindow - minute : null;
    const usedDay = Number.isFinite(day) && Number.isFinite(this.limits.perDay) ? this.limits.perDay - day : null;
    if (used === null && usedDay === null) return;
    await this.fill(used, this.limits.windowMs, usedDay);
  }

  private async fill(used: number | null, freeMs: number, usedDay: number | null): Promise<void> {
    await this.db.execute(
      sql`select cfo_limit_fill(${this.key}, ${this.limits.windowMs}, ${used}::int, ${freeMs}, ${usedDay}::int)`,
    );
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
    // The window is full until Xero says otherwise, for every process.
    if (problem === 'minute') await this.fill(this.limits.perWindow, ms, null);
    await this.sleep(ms, onWait);
  }

  private async sleep(ms: number, onWait?: (ms: number) => void) {
    this.stats.waits++;
    this.stats.waitedMs += ms;
    onWait?.(ms);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** Xero's budgets for one organisation, inside the app-wide one, counted in `db` for every process. */
export function xeroBudget(db: Db, tenantId: string, limits = XERO_ORG_LIMITS, app = XERO_APP_LIMITS): Budget {
  const l = new Limits(db);
  return l.budget(`xero:org:${tenantId}`, limits, l.budget('xero:app', app));
}
