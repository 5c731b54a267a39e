/**
 * Stripe webhooks: the SDK verifies `stripe-signature` against the raw body (300 s tolerance). A Connect
 * event names its account; otherwise the one business with an active Stripe connection owns it.
 */
import { sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { type Db, queryRows } from '../../db/client';
import type { InboundEvent } from '../inbound-events';
import { loadStripe } from './sync';

export class StripeSignatureError extends Error {}

/** The verified event, ready to store; throws StripeSignatureError when the signature does not hold. */
export async function verifyStripeEvent(
  tx: Db,
  body: string,
  signature: string | undefined,
  secret: string,
): Promise<InboundEvent> {
  const Sdk = await loadStripe();
  let event: Stripe.Event;
  try {
    event = Sdk.webhooks.constructEvent(body, signature ?? '', secret, 300);
  } catch (err) {
    throw new StripeSignatureError((err as Error).message);
  }
  const owners = await queryRows<{ business_id: string; external_id: string }>(
    tx,
    sql`select business_id, external_id from integration_accounts where provider = 'stripe' and status = 'active'`,
  );
  const owner = event.account
    ? owners.find((o) => o.external_id === event.account)
    : owners.length === 1
      ? owners[0]
      : undefined;
  return {
    businessId: owner?.business_id ?? null,
    provider: 'stripe',
    externalEventId: event.id,
    eventType: event.type,
    payload: body,
  };
}
