/** Webhook deliveries are stored once each (unique per provider and event id) before anything reads them. */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';

export interface InboundEvent {
  businessId: string | null;
  provider: 'xero' | 'stripe';
  externalEventId: string;
  eventType: string;
  /** The event as JSON text. */
  payload: string;
}

/** Runs in a system transaction: the owning business is only known once the event is routed. */
export async function storeInboundEvents(tx: Db, events: InboundEvent[]): Promise<void> {
  if (!events.length) return;
  const values = events.map(
    (e) => sql`(${e.businessId}::uuid, ${e.provider}, ${e.externalEventId}, ${e.eventType}, ${e.payload}::jsonb)`,
  );
  await tx.execute(
    sql`insert into inbound_events (business_id, provider, external_event_id, event_type, payload)
        values ${sql.join(values, sql`, `)}
        on conflict (provider, external_event_id) do nothing`,
  );
}
