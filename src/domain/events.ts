/**
 * Outbound events (for webhook subscribers such as n8n), written as an outbox: `emitEvent` runs in the
 * transaction of the change it reports and inserts one pending delivery per subscribed endpoint, so an
 * event exists exactly when its change was committed, and nothing is lost if the process stops before
 * delivering. The delivery worker (src/integrations/outbound-webhooks.ts) sends them.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { webhookDeliveries, webhookSubscriptions } from '../db/schema';

export const EVENT_TYPES = [
  'recommendation.created',
  'recommendation.resolved',
  'alert.triggered',
  'sync.completed',
  'sync.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface OutboundEvent {
  id: string;
  type: EventType | 'test';
  createdAt: string;
  businessId: string;
  data: Record<string, unknown>;
}

/**
 * Records an event for every active subscription of the business that wants it (or `*`); with
 * `subscriptionId`, for that one only (the "send test event" action). Returns the event, or null when
 * nobody listens.
 */
export async function emitEvent(
  tx: Db,
  businessId: string,
  type: EventType | 'test',
  data: Record<string, unknown>,
  opts: { subscriptionId?: string } = {},
): Promise<OutboundEvent | null> {
  const subs = await tx
    .select({ id: webhookSubscriptions.id })
    .from(webhookSubscriptions)
    .where(
      and(
        eq(webhookSubscriptions.businessId, businessId),
        eq(webhookSubscriptions.active, true),
        isNull(webhookSubscriptions.deletedAt),
        opts.subscriptionId
          ? eq(webhookSubscriptions.id, opts.subscriptionId)
          : sql`(${type} = any(${webhookSubscriptions.events}) or '*' = any(${webhookSubscriptions.events}))`,
      ),
    );
  if (!subs.length) return null;
  const event: OutboundEvent = { id: randomUUID(), type, createdAt: new Date().toISOString(), businessId, data };
  await tx.insert(webhookDeliveries).values(
    subs.map((s) => ({
      businessId,
      subscriptionId: s.id,
      eventId: event.id,
      eventType: type,
      payload: event,
      attempt: 1,
      status: 'pending',
      nextAttemptAt: new Date(),
    })),
  );
  return event;
}
