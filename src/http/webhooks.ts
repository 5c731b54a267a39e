/**
 * Inbound webhooks. Xero: `POST /webhooks/xero` checks `x-xero-signature` (base64 HMAC-SHA256 of the raw
 * body with XERO_WEBHOOK_KEY) in constant time and answers 401 with an empty body when it does not match and
 * 200 with an empty body when it does — Xero's intent-to-receive probes included — well within Xero's 5 s.
 * Nothing heavy runs in the request: each event is stored once in `inbound_events`, routed to the business
 * whose Xero connection has that tenant, for the sync to re-fetch the named resources.
 *
 * Stripe: `POST /webhooks/stripe` verifies `stripe-signature` against the raw body with the SDK (300 s
 * tolerance), answers 400 and stores nothing when it fails, and otherwise stores the event once (unique by
 * event id) and answers 200 at once; the `stripe.events` job applies them (src/integrations/stripe/events.ts:
 * each object ends in the state of its latest event, whatever the delivery order).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import Stripe from 'stripe';
import { queryRows, withSystem } from '../db/client';
import type { AppDeps, AppEnv } from './app';

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

function signatureMatches(body: string, key: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(xeroSignature(body, key));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function registerWebhookRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { config, database, logger } = deps;
  app.use('/webhooks/*', bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.body(null, 413) }));

  app.post('/webhooks/xero', async (c) => {
    const key = config.xero.webhookKey;
    if (!key)
      return c.json(
        { error: { code: 'not_configured', message: 'Xero webhooks are not configured (XERO_WEBHOOK_KEY).' } },
        503,
      );
    const body = await c.req.text();
    if (!signatureMatches(body, key, c.req.header('x-xero-signature'))) return c.body(null, 401);
    let events: XeroEvent[] = [];
    try {
      events = ((JSON.parse(body) as { events?: XeroEvent[] }).events ?? []).filter((e) => e && typeof e === 'object');
    } catch {
      // Signed but not JSON: acknowledged (Xero would retry forever otherwise) and logged.
      logger.warn('Xero webhook: signed body is not JSON');
      return c.body(null, 200);
    }
    if (events.length) {
      const tenants = [...new Set(events.map((e) => e.tenantId).filter((t): t is string => Boolean(t)))];
      await withSystem(database.db, async (tx) => {
        const owners = tenants.length
          ? await queryRows<{ tenant: string; business_id: string }>(
              tx,
              sql`select external_id as tenant, business_id from integration_accounts
                  where provider = 'xero' and external_id in (${sql.join(
                    tenants.map((t) => sql`${t}`),
                    sql`, `,
                  )})`,
            )
          : [];
        const businessOf = new Map(owners.map((o) => [o.tenant, o.business_id]));
        const values = events.map((e) => {
          const id = [e.tenantId, e.eventCategory, e.resourceId, e.eventType, e.eventDateUtc].join(':');
          return sql`(${businessOf.get(e.tenantId ?? '') ?? null}::uuid, 'xero', ${id}, ${`${e.eventCategory ?? 'UNKNOWN'}.${e.eventType ?? 'UNKNOWN'}`}, ${JSON.stringify(e)}::jsonb)`;
        });
        await tx.execute(
          sql`insert into inbound_events (business_id, provider, external_event_id, event_type, payload)
              values ${sql.join(values, sql`, `)}
              on conflict (provider, external_event_id) do nothing`,
        );
      });
      logger.info({ events: events.length, tenants: tenants.length }, 'Xero webhook events stored');
    }
    return c.body(null, 200);
  });

  app.post('/webhooks/stripe', async (c) => {
    const secret = config.stripe.webhookSecret;
    if (!secret)
      return c.json(
        { error: { code: 'not_configured', message: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).' } },
        503,
      );
    const body = await c.req.text();
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(body, c.req.header('stripe-signature') ?? '', secret, 300);
    } catch (err) {
      logger.warn({ reason: (err as Error).message }, 'Stripe webhook refused');
      return c.json(
        { error: { code: 'bad_signature', message: 'The stripe-signature header does not match this body.' } },
        400,
      );
    }
    const businessId = await withSystem(database.db, async (tx) => {
      // A Connect event names its account; otherwise the one business with a Stripe connection owns it.
      const owners = await queryRows<{ business_id: string; external_id: string }>(
        tx,
        sql`select business_id, external_id from integration_accounts where provider = 'stripe' and status = 'active'`,
      );
      const owner = event.account
        ? owners.find((o) => o.external_id === event.account)
        : owners.length === 1
          ? owners[0]
          : undefined;
      await tx.execute(
        sql`insert into inbound_events (business_id, provider, external_event_id, event_type, payload)
            values (${owner?.business_id ?? null}::uuid, 'stripe', ${event.id}, ${event.type}, ${body}::jsonb)
            on conflict (provider, external_event_id) do nothing`,
      );
      return owner?.business_id ?? null;
    });
    // Applied by the worker; without a queue the events wait for the next run.
    if (businessId) await deps.jobs?.current?.enqueueStripeEvents(businessId);
    return c.json({ received: true });
  });
}
