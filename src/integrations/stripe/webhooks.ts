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

/** How far a signature's timestamp may be from now, either way (Stripe's own default). */
const TOLERANCE_SECONDS = 300;

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
    event = Sdk.webhooks.constructEvent(body, signature ?? '', secret, TOLERANCE_SECONDS);
  } catch (err) {
    throw new StripeSignatureError((err as Error).message);
  }
  // The SDK refuses signatures older than the tolerance but not ones from the future; neither is a fresh delivery.
  const t = Number(/(?:^|,)t=(\d+)/.exec(signature ?? '')?.[1]);
  if (!Number.isFinite(t) || t - Date.now() / 1000 > TOLERANCE_SECONDS)
    throw new StripeSignatureError('The signature’s timestamp is in the future.');
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
