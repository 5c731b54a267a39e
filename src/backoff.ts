/**
 * The one backoff every retry here uses — Claude when overloaded, Xero on 5xx and dropped connections,
 * outbound webhook deliveries, job queues created by two processes at once: the wait before attempt `n + 1`
 * after attempt `n` (from 1) failed is
 * `baseMs · 2^(n−1)`, at most `capMs`, spread by ± `jitter` (a fraction) so that callers failing together
 * do not retry together.
 */
export function backoffDelay(
  attempt: number,
  opts: { baseMs: number; capMs?: number; jitter?: number },
  random: () => number = Math.random,
): number {
  const exact = Math.min(opts.capMs ?? Number.POSITIVE_INFINITY, opts.baseMs * 2 ** Math.max(0, attempt - 1));
  const spread = opts.jitter ?? 0;
  return spread ? exact * (1 - spread + random() * 2 * spread) : exact;
}
