/**
 * The pieces every documented route shares: the error body, the error responses a route can give, the
 * validation hook that turns a zod failure into `{ error: { code: "invalid_input", message } }` naming the
 * field, and the OpenAPI document's header (security schemes, servers).
 */
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { describeZodError } from '../../tools/define';
import { InvalidInputError } from '../errors';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_input' }),
      message: z.string().openapi({ example: 'mode: expected one of incremental, full' }),
    }),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message names the field',
  401: 'No valid API key, session token or dashboard session',
  403: 'The caller’s role or key scope does not allow this',
  404: 'Not found in this business',
  409: 'Conflicts with the current state',
  413: 'The body is too large',
  415: 'The body is not JSON',
  429: 'Rate limited; see Retry-After',
  502: 'Xero, Stripe or Anthropic failed',
  503: 'Not configured',
};

/** The error responses of a route: 400, 401, 403, 429 always, plus the ones given. */
export function errors(...extra: number[]) {
  const out: Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorBody } } }> =
    {};
  for (const s of [400, 401, 403, 429, ...extra])
    out[s] = { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } };
  return out;
}

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** A JSON request body; `required: false` lets a caller send none (then its defaults apply). */
export const jsonBody = <T extends z.ZodType>(schema: T, required = true) => ({
  content: { 'application/json': { schema } },
  required,
});

/**
 * The validated body of a route whose body is optional: a request without one is validated as `{}`, so the
 * schema's defaults apply (zod-openapi hands the handler `{}` unvalidated in that case).
 */
export function bodyOf<T extends z.ZodType>(c: Context, schema: T): z.output<T> {
  const raw = (c.req as unknown as { valid(t: 'json'): unknown }).valid('json') ?? {};
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(describeZodError(parsed.error));
  return parsed.data;
}

/** zod-openapi's hook: a failed validation is our 400, naming the field (of the query, path or body). */
export function validationHook(result: { success: true } | { success: false; error: z.ZodError }, c: Context) {
  if (result.success) return;
  return c.json({ error: { code: 'invalid_input', message: describeZodError(result.error) } }, 400);
}

export const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'cfo-agent',
    version: '0.1.0',
    description:
      'A conversational CFO for one or more small businesses. Every figure comes from the service’s local copy of the books. Authenticate with an API key (`Authorization: Bearer cfo_…` or `X-API-Key`), a widget session token (`Bearer cfows_…`), or the dashboard’s session cookie. Errors are `{ "error": { "code", "message" } }`.',
  },
};

export const SECURITY: Record<string, string[]>[] = [{ bearer: [] }, { apiKey: [] }, { session: [] }];
