/**
 * The review queue over HTTP: proposals that were not confident enough to apply wait for a person.
 * `GET /v1/categorization/reviews` lists them; `POST /v1/categorization/reviews/{transactionId}` accepts
 * the proposal, or corrects it with `{ "category" }` (`categorize` permission: accountants and up). Both are
 * the domain functions the tools use.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { withBusiness } from '../db/client';
import { listReviews, openReview, setTransactionCategory } from '../domain/categorize/corrections';
import { NotFoundError } from '../errors';
import type { AppDeps } from './app';
import { type ApiEnv, actorOf, need } from './auth';
import { bodyOf, errors, json, jsonBody, SECURITY } from './openapi';

const Decision = z.object({
  category: z.string().trim().min(1).max(100).optional().describe('omit to accept the proposal'),
  accountCode: z.string().max(20).optional(),
});

const ReviewList = z.object({
  items: z.array(
    z.object({
      transactionId: z.string(),
      date: z.string(),
      description: z.string().nullable(),
      amount: z.string(),
      category: z.string(),
      accountCode: z.string().nullable(),
      source: z.string(),
      confidence: z.number(),
      reason: z.string().nullable().describe('why it was proposed, in words'),
    }),
  ),
  total: z.number().int(),
});

const Correction = z.object({
  transaction: z.object({ id: z.string(), date: z.string(), description: z.string().nullable(), amount: z.string() }),
  old: z.object({ category: z.string().nullable(), accountCode: z.string().nullable(), source: z.string().nullable() }),
  new: z.object({ category: z.string(), accountCode: z.string().nullable(), source: z.literal('user') }),
  applied: z.boolean(),
  suggestedRule: z
    .object({ matchType: z.literal('equals'), pattern: z.string(), category: z.string(), corrections: z.number() })
    .nullable(),
});

export function registerCategorizationRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database } = deps;

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/categorization/reviews',
      tags: ['Categorization'],
      summary: 'Lines waiting for a person’s decision, least confident first',
      security: SECURITY,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { 200: json(ReviewList, 'The open reviews'), ...errors() },
    }),
    async (c) => {
      need(c, 'read', 'Reading the review queue');
      const business = c.get('business');
      const { limit } = c.req.valid('query');
      return c.json(await withBusiness(database.db, business.id, (tx) => listReviews(tx, business.id, limit)), 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/categorization/reviews/{transactionId}',
      tags: ['Categorization'],
      summary: 'Accept a proposal, or correct it',
      description:
        'An empty body accepts the proposed category; `{ "category" }` sets another. Either way the line becomes an example the categorizer learns from, and the change is audited.',
      security: SECURITY,
      request: {
        params: z.object({ transactionId: z.string().min(1).max(100) }),
        body: jsonBody(Decision, false),
      },
      responses: { 200: json(Correction, 'The decision'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'categorize', 'Deciding a review');
      const body = bodyOf(c, Decision);
      const { transactionId } = c.req.valid('param');
      const business = c.get('business');
      const actor = actorOf(c, deps);
      const result = await withBusiness(database.db, business.id, async (tx) => {
        const open = await openReview(tx, business.id, transactionId);
        if (!open && !body.category) throw new NotFoundError(`No open review for transaction ${transactionId}.`);
        return setTransactionCategory(
          tx,
          { id: business.id },
          {
            transactionId,
            category: body.category ?? open!.category,
            accountCode: body.accountCode ?? (body.category ? undefined : (open!.accountCode ?? undefined)),
          },
          actor,
          { apply: true },
        );
      });
      return c.json(result, 200);
    },
  );
}
