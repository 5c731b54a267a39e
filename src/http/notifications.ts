/**
 * What the service tells others, over HTTP (`webhooks` permission: admins and owners):
 *
 * - `GET|POST /v1/webhooks`, `GET|PATCH|DELETE /v1/webhooks/{id}` — subscriptions to events
 *   (recommendation.created/resolved, alert.triggered, sync.completed/failed, or `*`); the signing secret is
 *   in the creation response only.
 * - `POST /v1/webhooks/{id}/test` — a `test` event to that endpoint; `GET /v1/webhooks/{id}/deliveries` —
 *   every attempt with its status, response code and time.
 * - `GET|POST /v1/alerts`, `DELETE /v1/alerts/{id}` — thresholds that raise `alert.triggered`.
 * - `PATCH /v1/recommendations/{id}` (`recommendations` permission) — accept, dismiss, resolve or reopen.
 * - `GET /v1/audit-log` (`audit` permission) — every change, with who made it, from where, old and new values.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { listAudit } from '../db/audit';
import { withBusiness } from '../db/client';
import { REC_STATUSES } from '../db/schema';
import { AlertInput, createAlert, deleteAlert, listAlerts } from '../domain/alerts';
import { EVENT_TYPES } from '../domain/events';
import { setRecommendationStatus } from '../domain/recommendations';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  SubscriptionInput,
  SubscriptionPatch,
  sendTestEvent,
  updateSubscription,
} from '../integrations/outbound-webhooks';
import { type AppDeps, destinationsOf } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { errors, json, jsonBody, SECURITY } from './openapi';

const IdParam = z.object({ id: z.string().min(1).max(100) });

const Subscription = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    consecutiveFailures: z.number().int(),
    disabledAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('WebhookSubscription');

const Delivery = z.object({
  id: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  attempt: z.number().int(),
  status: z.string(),
  responseStatus: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().nullable(),
  nextAttemptAt: z.string().nullable(),
  createdAt: z.string(),
});

const Alert = z
  .object({
    id: z.string(),
    name: z.string(),
    metric: z.string(),
    operator: z.string(),
    threshold: z.string(),
    state: z.enum(['ok', 'triggered']),
    lastValue: z.string().nullable(),
    lastEvaluatedAt: z.string().nullable(),
    lastTriggeredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Alert');

const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({
    type: z.string(),
    id: z.string().nullable(),
    channel: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    viaKey: z.string().nullable().describe('the API key a widget session acting for this person was made with'),
  }),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  oldValues: z.unknown(),
  newValues: z.unknown(),
});

export function registerNotificationRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database, config } = deps;
  const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };
  const inBusiness = <T>(c: { get(k: 'business'): { id: string } }, fn: Parameters<typeof withBusiness<T>>[2]) =>
    withBusiness(database.db, c.get('business').id, fn);
  /** A change that recorded an event: deliver it now rather than at the next tick. */
  const kick = () => void deps.jobs?.current?.kickWebhooks().catch(() => {});

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks',
      tags: ['Webhooks'],
      summary: 'Webhook subscriptions',
      security: SECURITY,
      responses: { 200: json(z.object({ webhooks: z.array(Subscription) }), 'Subscriptions'), ...errors() },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const id = c.get('business').id;
      return c.json({ webhooks: await inBusiness(c, (tx) => listSubscriptions(tx, id)) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks',
      tags: ['Webhooks'],
      summary: 'Subscribe an endpoint to events',
      description: `Events: ${EVENT_TYPES.join(', ')}, or "*". Each delivery is a POST of the event as JSON with \`CFO-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">\` under the secret returned here (once), \`CFO-Event-Id\`, \`CFO-Event-Type\` and \`CFO-Delivery-Attempt\`. A 2xx within 10 s is success; otherwise it is retried with exponential backoff for up to 24 h, and the subscription is disabled after 20 failures in a row.`,
      security: SECURITY,
      request: { body: jsonBody(SubscriptionInput) },
      responses: {
        201: json(
          z.object({
            webhook: Subscription,
            secret: z.string().describe('whsec_…: shown once; verify signatures with it'),
          }),
          'Subscribed',
        ),
        ...errors(),
      },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const body = c.req.valid('json');
      const id = c.get('business').id;
      const r = await inBusiness(c, (tx) =>
        createSubscription(tx, id, body, sealing, actorOf(c, deps), destinationsOf(deps)),
      );
      return c.json({ webhook: r.subscription, secret: r.secret }, 201);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}',
      tags: ['Webhooks'],
      summary: 'One subscription',
      security: SECURITY,
      request: { params: IdParam },
      responses: { 200: json(Subscription, 'The subscription'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const id = c.get('business').id;
      return c.json(await inBusiness(c, (tx) => getSubscription(tx, id, c.req.valid('param').id)), 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/webhooks/{id}',
      tags: ['Webhooks'],
      summary: 'Change a subscription (or enable one that was disabled)',
      security: SECURITY,
      request: { params: IdParam, body: jsonBody(SubscriptionPatch) },
      responses: { 200: json(Subscription, 'The subscription'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const id = c.get('business').id;
      const body = c.req.valid('json');
      return c.json(
        await inBusiness(c, (tx) =>
          updateSubscription(tx, id, c.req.valid('param').id, body, actorOf(c, deps), destinationsOf(deps)),
        ),
        200,
      );
    },
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/webhooks/{id}',
      tags: ['Webhooks'],
      summary: 'Delete a subscription (attempts not yet made are abandoned)',
      security: SECURITY,
      request: { params: IdParam },
      responses: { 200: json(z.object({ status: z.literal('deleted') }), 'Deleted'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const id = c.get('business').id;
      await inBusiness(c, (tx) => deleteSubscription(tx, id, c.req.valid('param').id, actorOf(c, deps)));
      return c.json({ status: 'deleted' as const }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/webhooks/{id}/test',
      tags: ['Webhooks'],
      summary: 'Send a test event to this endpoint',
      security: SECURITY,
      request: { params: IdParam },
      responses: {
        202: json(z.object({ eventId: z.string(), status: z.literal('queued') }), 'Queued for delivery'),
        ...errors(404),
      },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const id = c.get('business').id;
      const event = await inBusiness(c, (tx) => sendTestEvent(tx, id, c.req.valid('param').id, actorOf(c, deps)));
      kick();
      return c.json({ eventId: event.id, status: 'queued' as const }, 202);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/webhooks/{id}/deliveries',
      tags: ['Webhooks'],
      summary: 'Every delivery attempt, newest first',
      security: SECURITY,
      request: {
        params: IdParam,
        query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
      },
      responses: { 200: json(z.object({ deliveries: z.array(Delivery) }), 'Attempts'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing webhooks');
      const id = c.get('business').id;
      const deliveries = await inBusiness(c, (tx) =>
        listDeliveries(tx, id, c.req.valid('param').id, c.req.valid('query').limit),
      );
      return c.json({ deliveries }, 200);
    },
  );

  // ---------- alerts ----------

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/alerts',
      tags: ['Webhooks'],
      summary: 'Alerts (thresholds on figures) and whether each holds now',
      security: SECURITY,
      responses: { 200: json(z.object({ alerts: z.array(Alert) }), 'Alerts'), ...errors() },
    }),
    async (c) => {
      need(c, 'read', 'Reading alerts');
      const id = c.get('business').id;
      return c.json({ alerts: await inBusiness(c, (tx) => listAlerts(tx, id)) }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/alerts',
      tags: ['Webhooks'],
      summary: 'Add an alert, e.g. runway_months lt 6, or dispute_status gte at_risk',
      description:
        'Checked after every refresh of the figures (the latest complete month; dispute status for this month). When it starts to hold, alert.triggered goes to the webhooks — once, until it stops holding.',
      security: SECURITY,
      request: { body: jsonBody(AlertInput) },
      responses: { 201: json(Alert, 'The alert'), ...errors() },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing alerts');
      const id = c.get('business').id;
      const body = c.req.valid('json');
      return c.json(await inBusiness(c, (tx) => createAlert(tx, id, body, actorOf(c, deps))), 201);
    },
  );

  api.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/alerts/{id}',
      tags: ['Webhooks'],
      summary: 'Delete an alert',
      security: SECURITY,
      request: { params: IdParam },
      responses: { 200: json(z.object({ status: z.literal('deleted') }), 'Deleted'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'webhooks', 'Managing alerts');
      const id = c.get('business').id;
      await inBusiness(c, (tx) => deleteAlert(tx, id, c.req.valid('param').id, actorOf(c, deps)));
      return c.json({ status: 'deleted' as const }, 200);
    },
  );

  // ---------- recommendations and the audit log ----------

  api.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/recommendations/{id}',
      tags: ['Recommendations'],
      summary: 'Accept, dismiss, resolve or reopen a recommendation',
      description: 'The same change as the update_recommendation_status tool with apply: true; audited.',
      security: SECURITY,
      request: { params: IdParam, body: jsonBody(z.object({ status: z.enum(REC_STATUSES) })) },
      responses: {
        200: json(
          z.object({ id: z.string(), title: z.string(), from: z.string(), to: z.string(), applied: z.boolean() }),
          'The change',
        ),
        ...errors(404),
      },
    }),
    async (c) => {
      need(c, 'recommendations', 'Changing a recommendation');
      const id = c.get('business').id;
      const { status } = c.req.valid('json');
      const r = await inBusiness(c, (tx) =>
        setRecommendationStatus(tx, id, { id: c.req.valid('param').id, status, apply: true }, actorOf(c, deps)),
      );
      if (status === 'resolved') kick();
      return c.json(r, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit-log',
      tags: ['Audit'],
      summary: 'Every change: who, when, from where, old and new values (newest first, paged)',
      security: SECURITY,
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.string().max(500).optional().describe('nextCursor of the previous page'),
          entityType: z.string().max(50).optional(),
        }),
      },
      responses: {
        200: json(z.object({ entries: z.array(AuditEntry), nextCursor: z.string().nullable() }), 'Entries'),
        ...errors(),
      },
    }),
    async (c) => {
      need(c, 'audit', 'Reading the audit log');
      const id = c.get('business').id;
      const q = c.req.valid('query');
      return c.json(
        await inBusiness(c, (tx) => listAudit(tx, id, { limit: q.limit, before: q.before, entityType: q.entityType })),
        200,
      );
    },
  );
}
