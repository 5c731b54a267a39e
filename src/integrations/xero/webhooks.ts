/**
 * Xero webhooks: `x-xero-signature` is the base64 HMAC-SHA256 of the raw body with the webhook key, compared in
 * constant time. Intent-to-receive probes are ordinary signed deliveries with no events. Each event is routed
 * to the business whose Xero connection has its tenant (or none) and keyed by tenant, category, resource,
 * type and time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, pgArray, queryRows } from '../../db/client';
import type { InboundEvent } from '../inbound-events';

interface XeroEvent {
  resourceUrl?: string;
  resourceId?: string;
  eventDateUtc?: string;
  eventType?: string;
  eventCategory?: string;
  tenantId?: string;
  tenantType?: string;
}

export function xeroSignature(body: string, key: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest('base64');
}

export function xeroSignatureMatches(body: string, key: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(xeroSignature(body, key));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The events of a verified body, routed; null when the body is not JSON. */
export async function routeXeroEvents(tx: Db, body: string): Promise<InboundEvent[] | null> {
  let events: XeroEvent[];
  try {
    events = ((JSON.parse(body) as { events?: XeroEvent[] }).events ?? []).filter((e) => e && typeof e === 'object');
  } catch {
    return null;
  }
  const tenants = [...new Set(events.map((e) => e.tenantId).filter((t): t is string => Boolean(t)))];
  const owners = tenants.length
    ? await queryRows<{ tenant: string; business_id: string }>(
        tx,
        sql`select external_id as tenant, business_id from integration_accounts
            where provider = 'xero' and external_id = any(${pgArray(tenants)}::text[])`,
      )
    : [];
  const businessOf = new Map(owners.map((o) => [o.tenant, o.business_id]));
  return events.map((e) => ({
    businessId: businessOf.get(e.tenantId ?? '') ?? null,
    provider: 'xero',
    externalEventId: [e.tenantId, e.eventCategory, e.resourceId, e.eventType, e.eventDateUtc].join(':'),
    eventType: `${e.eventCategory ?? 'UNKNOWN'}.${e.eventType ?? 'UNKNOWN'}`,
    payload: JSON.stringify(e),
  }));
}
