/**
 * Inbound webhooks, thin: verification and routing live with each SDK (src/integrations/xero/webhooks.ts,
 * src/integrations/stripe/webhooks.ts), storage in src/integrations/inbound-events.ts.
 *
 * Xero: 401 with an empty body when `x-xero-signature` does not match, 200 with an empty body when it does —
 * intent-to-receive probes included — well within Xero's 5 s; the `xero.events` job re-fetches what the
 * stored events name (src/integrations/xero/events.ts). Stripe: 400 and nothing stored when the signature fails; otherwise the event is
 * stored once and the `stripe.events` job applies it (src/integrations/stripe/events.ts).
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { withSystem } from '../db/client';
import { storeInboundEvents } from '../integrations/inbound-events';
import { StripeSignatureError, verifyStripeEvent } from '../integrations/stripe/webhooks';
import { routeXeroEvents, xeroSignatureMatches } from '../integrations/xero/webhooks';
import type { AppDeps, AppEnv } from './app';

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
    if (!xeroSignatureMatches(body, key, c.req.header('x-xero-signature'))) return c.body(null, 401);
    const events = await withSystem(database.db, async (tx) => {
      const routed = await routeXeroEvents(tx, body);
      if (routed) await storeInboundEvents(tx, routed);
      return routed;
    });
    // Signed but not JSON: acknowledged all the same (Xero would retry forever otherwise), and logged.
    if (!events) logger.warn('Xero webhook: signed body is not JSON');
    else if (events.length) logger.info({ events: events.length }, 'Xero webhook events stored');
    // Re-fetching what they name is the worker's job; without a queue they wait for the next sync.
    const businesses = new Set((events ?? []).map((e) => e.businessId).filter((b): b is string => Boolean(b)));
    for (const b of businesses) await deps.jobs?.current?.enqueueXeroEvents(b);
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
    let businessId: string | null;
    try {
      businessId = await withSystem(database.db, async (tx) => {
        const event = await verifyStripeEvent(tx, body, c.req.header('stripe-signature'), secret);
        await storeInboundEvents(tx, [event]);
        return event.businessId;
      });
    } catch (err) {
      if (!(err instanceof StripeSignatureError)) throw err;
      logger.warn({ reason: err.message }, 'Stripe webhook refused');
      return c.json(
        { error: { code: 'bad_signature', message: 'The stripe-signature header does not match this body.' } },
        400,
      );
    }
    // Applied by the worker; without a queue the events wait for the next run.
    if (businessId) await deps.jobs?.current?.enqueueStripeEvents(businessId);
    return c.json({ received: true });
  });
}
