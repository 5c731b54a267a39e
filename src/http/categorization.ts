/**
 * The review queue over HTTP: proposals that were not confident enough to apply wait for a person.
 * `GET /v1/categorization/reviews` lists them; `POST /v1/categorization/reviews/{transactionId}` accepts
 * the proposal, or corrects it with `{ "category" }` (a `write` key). Both are the domain functions the
 * tools use.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { describeZodError } from '../../tools/define';
import type { VerifiedKey } from '../auth/api-keys';
import { withBusiness } from '../db/client';
import { listReviews, openReview, setTransactionCategory } from '../domain/categorize/corrections';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import type { AppDeps } from './app';

type KeyEnv = { Variables: { requestId: string; key: VerifiedKey } };

const Decision = z.object({
  category: z.string().trim().min(1).max(100).optional().describe('omit to accept the proposal'),
  accountCode: z.string().max(20).optional(),
});

export function registerCategorizationRoutes(api: Hono<KeyEnv>, deps: AppDeps): void {
  const { database } = deps;

  api.get('/v1/categorization/reviews', async (c) => {
    const key = c.get('key');
    const limit = Math.min(200, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
    return c.json(await withBusiness(database.db, key.businessId, (tx) => listReviews(tx, key.businessId, limit)));
  });

  api.post('/v1/categorization/reviews/:transactionId', async (c) => {
    const key = c.get('key');
    if (!key.scopes.includes('write') && !key.scopes.includes('admin'))
      throw new ForbiddenError('Deciding a review needs the "write" scope.');
    let raw: unknown = {};
    const text = await c.req.text();
    if (text.trim()) {
      try {
        raw = JSON.parse(text);
      } catch {
        throw new InvalidInputError('The body is not valid JSON.');
      }
    }
    const body = Decision.safeParse(raw);
    if (!body.success) throw new InvalidInputError(describeZodError(body.error));
    const transactionId = c.req.param('transactionId');
    const result = await withBusiness(database.db, key.businessId, async (tx) => {
      const open = await openReview(tx, key.businessId, transactionId);
      if (!open && !body.data.category) throw new NotFoundError(`No open review for transaction ${transactionId}.`);
      return setTransactionCategory(
        tx,
        { id: key.businessId },
        {
          transactionId,
          category: body.data.category ?? open!.category,
          accountCode: body.data.accountCode ?? (body.data.category ? undefined : (open!.accountCode ?? undefined)),
        },
        { type: 'api_key', id: key.keyId, channel: 'http' },
        { apply: true },
      );
    });
    return c.json(result);
  });
}
