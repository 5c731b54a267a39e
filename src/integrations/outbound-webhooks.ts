/**
 * Webhooks out: subscriptions (an endpoint, the events it wants, a signing secret sealed at rest and shown
 * once), and delivery of the outbox that `emitEvent` fills.
 *
 * Each attempt is a `webhook_deliveries` row. A due attempt is leased (status `sending` until a deadline, so
 * a crashed sender's attempts come back), posted with an HMAC-SHA256 signature over `timestamp.body`, and
 * recorded: 2xx → succeeded and the endpoint's failure count resets; anything else → failed, and the next
 * attempt is scheduled with exponential backoff (30 s, 1 min, 2 min, … capped at 1 h; a receiver's
 * Retry-After is honoured) until 24 h after the event, then abandoned. After 20 consecutive failed attempts
 * the subscription is disabled. Delivery is at least once: receivers dedupe by `CFO-Event-Id`.
 */

import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { openSecret, type SealingKey, sealSecret } from '../auth/secrets';
import { backoffDelay } from '../backoff';
import { type Actor, audit } from '../db/audit';
import { type Db, isUuid, queryRows, withBusiness, withSystem } from '../db/client';
import { webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { EVENT_TYPES, emitEvent, type OutboundEvent } from '../domain/events';
import { InvalidInputError, NotFoundError } from '../errors';
import type { Logger } from '../logger';
import { checkDestination, type DestinationPolicy, postToDestination } from './destinations';

export const SIGNATURE_HEADER = 'CFO-Signature';
/** What a failed attempt records: not the status, the error or how long it took to fail (no map of the network). */
export const NOT_DELIVERED = 'not delivered: the endpoint did not answer with a 2xx';
export const MAX_CONSECUTIVE_FAILURES = 20;
const DAY_MS = 24 * 3600_000;

export const SubscriptionInput = z.object({
  url: z
    .string()
    .trim()
    .max(2000)
    .pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' })),
  events: z
    .array(z.enum([...EVENT_TYPES, '*']))
    .min(1, 'subscribe to at least one event (or "*")')
    .max(EVENT_TYPES.length + 1),
  description: z.string().trim().max(200).optional(),
});

export const SubscriptionPatch = z.object({
  url: SubscriptionInput.shape.url.optional(),
  events: SubscriptionInput.shape.events.optional(),
  description: z.string().trim().max(200).nullable().optional(),
  active: z.boolean().optional().describe('true re-enables a subscription that was disabled after failures'),
});

export interface SubscriptionView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  consecutiveFailures: number;
  disabledAt: string | null;
  createdAt: string;
}

type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

const view = (r: SubscriptionRow): SubscriptionView => ({
  id: r.id,
  url: r.url,
  events: r.events,
  description: r.description,
  active: r.active,
  consecutiveFailures: r.consecutiveFailures,
  disabledAt: r.disabledAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body" under the secret>` */
export function signPayload(secret: string, body: string, timestamp: number): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

async function subscriptionOf(tx: Db, businessId: string, id: string): Promise<SubscriptionRow> {
  const [row] = isUuid(id)
    ? await tx
        .select()
        .from(webhookSubscriptions)
        .where(
          and(
            eq(webhookSubscriptions.businessId, businessId),
            eq(webhookSubscriptions.id, id),
            isNull(webhookSubscriptions.deletedAt),
          ),
        )
    : [];
  if (!row) throw new NotFoundError(`No webhook subscription ${id}.`);
  return row;
}

export async function listSubscriptions(tx: Db, businessId: string): Promise<SubscriptionView[]> {
  const rows = await tx
    .select()
    .from(webhookSubscriptions)
    .where(and(eq(webhookSubscriptions.businessId, businessId), isNull(webhookSubscriptions.deletedAt)))
    .orderBy(desc(webhookSubscriptions.createdAt));
  return rows.map(view);
}

export async function getSubscription(tx: Db, businessId: string, id: string): Promise<SubscriptionView> {
  return view(await subscriptionOf(tx, businessId, id));
}

/** Creates a subscription; the signing secret is returned here once and stored sealed. */
export async function createSubscription(
  tx: Db,
  businessId: string,
  input: z.output<typeof SubscriptionInput>,
  key: SealingKey,
  actor: Actor,
  destinations: DestinationPolicy,
): Promise<{ subscription: SubscriptionView; secret: string }> {
  await checkDestination(input.url, destinations);
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const id = randomUUID();
  const sealed = sealSecret(secret, key, `webhook:${id}`);
  const [row] = await tx
    .insert(webhookSubscriptions)
    .values({
      id,
      businessId,
      url: input.url,
      events: [...new Set(input.events)],
      description: input.description ?? null,
      secretCiphertext: sealed.ciphertext,
      secretKeyId: sealed.keyId,
    })
    .returning();
  await audit(tx, businessId, actor, {
    action: 'webhook.created',
    entityType: 'webhook_subscription',
    entityId: id,
    newValues: { url: input.url, events: row!.events, description: row!.description },
  });
  return { subscription: view(row!), secret };
}

export async function updateSubscription(
  tx: Db,
  businessId: string,
  id: string,
  patch: z.output<typeof SubscriptionPatch>,
  actor: Actor,
  destinations: DestinationPolicy,
): Promise<SubscriptionView> {
  const before = await subscriptionOf(tx, businessId, id);
  if (patch.url !== undefined) await checkDestination(patch.url, destinations);
  const set: Partial<typeof webhookSubscriptions.$inferInsert> = { updatedAt: new Date() };
  if (patch.url !== undefined) set.url = patch.url;
  if (patch.events !== undefined) set.events = [...new Set(patch.events)];
  if (patch.description !== undefined) set.description = patch.description;
  if (patch.active !== undefined) {
    set.active = patch.active;
    if (patch.active) Object.assign(set, { disabledAt: null, consecutiveFailures: 0 });
  }
  const [row] = await tx
    .update(webhookSubscriptions)
    .set(set)
    .where(and(eq(webhookSubscriptions.businessId, businessId), eq(webhookSubscriptions.id, id)))
    .returning();
  const pick = (r: SubscriptionRow) => ({ url: r.url, events: r.events, description: r.description, active: r.active });
  await audit(tx, businessId, actor, {
    action: 'webhook.updated',
    entityType: 'webhook_subscription',
    entityId: id,
    oldValues: pick(before),
    newValues: pick(row!),
  });
  return view(row!);
}

export async function deleteSubscription(tx: Db, businessId: string, id: string, actor: Actor): Promise<void> {
  const before = await subscriptionOf(tx, businessId, id);
  await tx
    .update(webhookSubscriptions)
    .set({ deletedAt: new Date(), active: false, updatedAt: new Date() })
    .where(and(eq(webhookSubscriptions.businessId, businessId), eq(webhookSubscriptions.id, id)));
  // Attempts not yet made go nowhere now.
  await tx
    .update(webhookDeliveries)
    .set({ status: 'abandoned', error: 'subscription deleted' })
    .where(
      and(
        eq(webhookDeliveries.businessId, businessId),
        eq(webhookDeliveries.subscriptionId, id),
        inArray(webhookDeliveries.status, ['pending', 'sending']),
      ),
    );
  await audit(tx, businessId, actor, {
    action: 'webhook.deleted',
    entityType: 'webhook_subscription',
    entityId: id,
    oldValues: { url: before.url, events: before.events },
  });
}

/** The "send test event" action: one `test` event to this subscription only. */
export async function sendTestEvent(tx: Db, businessId: string, id: string, actor: Actor): Promise<OutboundEvent> {
  const sub = await subscriptionOf(tx, businessId, id);
  if (!sub.active)
    throw new InvalidInputError('This subscription is disabled; enable it (PATCH with "active": true) first.');
  const event = await emitEvent(
    tx,
    businessId,
    'test',
    { message: 'A test event from cfo-agent: your endpoint receives and verifies deliveries.' },
    { subscriptionId: id },
  );
  await audit(tx, businessId, actor, {
    action: 'webhook.test_sent',
    entityType: 'webhook_subscription',
    entityId: id,
    newValues: { eventId: event!.id },
  });
  return event!;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  attempt: number;
  status: string;
  responseStatus: number | null;
  error: string | null;
  durationMs: number | null;
  nextAttemptAt: string | null;
  createdAt: string;
}

/** Every attempt for a subscription, newest first. */
export async function listDeliveries(
  tx: Db,
  businessId: string,
  subscriptionId: string,
  limit = 50,
): Promise<DeliveryView[]> {
  await subscriptionOf(tx, businessId, subscriptionId);
  const rows = await tx
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.businessId, businessId), eq(webhookDeliveries.subscriptionId, subscriptionId)))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.attempt))
    .limit(Math.min(200, Math.max(1, limit)));
  return rows.map((r) => ({
    id: r.id,
    eventId: r.eventId,
    eventType: r.eventType,
    attempt: r.attempt,
    status: r.status,
    responseStatus: r.responseStatus,
    error: r.error,
    durationMs: r.durationMs,
    nextAttemptAt: r.status === 'pending' ? (r.nextAttemptAt?.toISOString() ?? null) : null,
    createdAt: r.createdAt.toISOString(),
  }));
}

// ---------- delivery ----------

export interface DeliveryOptions {
  keys: SealingKey[];
  logger: Logger;
  /** First retry after this long, doubling each time (default 30 s), capped at `maxBackoffMs` (1 h). */
  retryBaseMs?: number;
  maxBackoffMs?: number;
  /** Give up this long after the event (default 24 h). */
  maxAgeMs?: number;
  /** Per request (default 10 s). */
  timeoutMs?: number;
  /** How long a claimed attempt is leased before another sender may take it (default 2 min). */
  leaseMs?: number;
  batch?: number;
  /** Which destinations may be reached (checked again on every attempt, at connect time). */
  destinations: DestinationPolicy;
}

interface Claimed {
  id: string;
  business_id: string;
  subscription_id: string;
  event_id: string;
  event_type: string;
  payload: OutboundEvent;
  attempt: number;
}

/**
 * Sends every attempt that is due, across businesses; returns how many were sent and how they went.
 * Holds no transaction while a request is in flight.
 */
export async function deliverDue(
  db: Db,
  opts: DeliveryOptions,
): Promise<{ sent: number; succeeded: number; failed: number }> {
  const leaseMs = opts.leaseMs ?? 120_000;
  const claimed = await withSystem(db, (tx) =>
    queryRows<Claimed & Record<string, unknown>>(
      tx,
      sql`update webhook_deliveries d
             set status = 'sending', next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
           where d.id in (select id from webhook_deliveries
                           where status in ('pending', 'sending') and next_attempt_at <= now()
                           order by next_attempt_at limit ${opts.batch ?? 25}
                           for update skip locked)
       returning d.id, d.business_id, d.subscription_id, d.event_id, d.event_type, d.payload, d.attempt`,
    ),
  );
  const out = { sent: 0, succeeded: 0, failed: 0 };
  await Promise.all(
    claimed.map(async (c) => {
      const ok = await deliverOne(db, c, opts);
      if (ok === undefined) return;
      out.sent += 1;
      if (ok) out.succeeded += 1;
      else out.failed += 1;
    }),
  );
  return out;
}

/** One attempt: post, then record. Undefined when there was nothing to send (subscription gone). */
async function deliverOne(db: Db, c: Claimed, opts: DeliveryOptions): Promise<boolean | undefined> {
  const sub = await withBusiness(db, c.business_id, async (tx) => {
    const [row] = await tx
      .select()
      .from(webhookSubscriptions)
      .where(and(eq(webhookSubscriptions.businessId, c.business_id), eq(webhookSubscriptions.id, c.subscription_id)));
    if (!row?.active || row.deletedAt) {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'abandoned', error: row?.deletedAt ? 'subscription deleted' : 'subscription disabled' })
        .where(eq(webhookDeliveries.id, c.id));
      return undefined;
    }
    return row;
  });
  if (!sub) return undefined;

  const body = JSON.stringify(c.payload);
  const started = performance.now();
  let status: number | null = null;
  let error: string | null = null;
  let retryAfterMs: number | undefined;
  try {
    const secret = openSecret<string>(
      { ciphertext: sub.secretCiphertext, keyId: sub.secretKeyId },
      opts.keys,
      `webhook:${sub.id}`,
    );
    const res = await postToDestination(
      sub.url,
      body,
      {
        'content-type': 'application/json',
        'user-agent': 'cfo-agent-webhooks/0.1',
        'cfo-event-id': c.event_id,
        'cfo-event-type': c.event_type,
        'cfo-delivery-attempt': String(c.attempt),
        [SIGNATURE_HEADER.toLowerCase()]: signPayload(secret, body, Math.floor(Date.now() / 1000)),
      },
      { policy: opts.destinations, timeoutMs: opts.timeoutMs ?? 10_000 },
    );
    if (res.status !== null && res.status >= 200 && res.status < 300) status = res.status;
    else {
      error = NOT_DELIVERED;
      retryAfterMs = res.retryAfterMs;
    }
  } catch {
    // Refused, unreachable or too slow: recorded the same way, so the log says nothing about what is behind a URL.
    error = NOT_DELIVERED;
  }
  const durationMs = Math.round(performance.now() - started);
  const ok = error === null;
  await record(db, c, sub, { ok, status, error, durationMs, retryAfterMs }, opts);
  return ok;
}

async function record(
  db: Db,
  c: Claimed,
  sub: SubscriptionRow,
  r: {
    ok: boolean;
    status: number | null;
    error: string | null;
    durationMs: number;
    retryAfterMs?: number | undefined;
  },
  opts: DeliveryOptions,
): Promise<void> {
  await withBusiness(db, c.business_id, async (tx) => {
    if (r.ok) {
      await tx
        .update(webhookDeliveries)
        .set({ status: 'succeeded', responseStatus: r.status, durationMs: r.durationMs, error: null })
        .where(eq(webhookDeliveries.id, c.id));
      await tx.update(webhookSubscriptions).set({ consecutiveFailures: 0 }).where(eq(webhookSubscriptions.id, sub.id));
      return;
    }
    const [s] = await tx
      .update(webhookSubscriptions)
      .set({ consecutiveFailures: sql`${webhookSubscriptions.consecutiveFailures} + 1` })
      .where(eq(webhookSubscriptions.id, sub.id))
      .returning({ failures: webhookSubscriptions.consecutiveFailures });
    const disable = (s?.failures ?? 0) >= MAX_CONSECUTIVE_FAILURES;
    const base = opts.retryBaseMs ?? 30_000;
    const delay = Math.max(
      backoffDelay(c.attempt, { baseMs: base, capMs: opts.maxBackoffMs ?? 3_600_000 }),
      r.retryAfterMs ?? 0,
    );
    const eventAt = Date.parse(c.payload.createdAt);
    const next = new Date(Date.now() + delay);
    const giveUp = disable || next.getTime() - eventAt > (opts.maxAgeMs ?? DAY_MS);
    await tx
      .update(webhookDeliveries)
      .set({
        status: giveUp ? 'abandoned' : 'failed',
        responseStatus: r.status,
        durationMs: r.durationMs,
        error: r.error,
      })
      .where(eq(webhookDeliveries.id, c.id));
    if (!giveUp)
      await tx.insert(webhookDeliveries).values({
        businessId: c.business_id,
        subscriptionId: c.subscription_id,
        eventId: c.event_id,
        eventType: c.event_type,
        payload: c.payload,
        attempt: c.attempt + 1,
        status: 'pending',
        nextAttemptAt: next,
      });
    if (disable) {
      await tx
        .update(webhookSubscriptions)
        .set({ active: false, disabledAt: new Date() })
        .where(eq(webhookSubscriptions.id, sub.id));
      await tx
        .update(webhookDeliveries)
        .set({ status: 'abandoned', error: 'subscription disabled after repeated failures' })
        .where(and(eq(webhookDeliveries.subscriptionId, sub.id), inArray(webhookDeliveries.status, ['pending'])));
      await audit(
        tx,
        c.business_id,
        { type: 'system', id: 'webhooks', channel: 'system' },
        {
          action: 'webhook.disabled',
          entityType: 'webhook_subscription',
          entityId: sub.id,
          oldValues: { active: true },
          newValues: { active: false, reason: `${MAX_CONSECUTIVE_FAILURES} consecutive failed deliveries` },
        },
      );
      opts.logger.warn({ subscriptionId: sub.id, url: sub.url }, 'webhook subscription disabled after failures');
    }
  });
}

/** Whether any attempt is due now (the dispatcher's cheap question before it queues a job). */
export async function deliveriesDue(db: Db): Promise<boolean> {
  const [row] = await withSystem(db, (tx) =>
    queryRows<{ due: boolean }>(
      tx,
      sql`select exists (select 1 from webhook_deliveries where status in ('pending', 'sending') and next_attempt_at <= now()) as due`,
    ),
  );
  return Boolean(row?.due);
}
