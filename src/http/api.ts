/**
 * Authenticated routes: API keys (Bearer or X-API-Key) fix the business and the scopes. The tool routes and
 * MCP endpoint are thin: they call `invokeTool` / the MCP server, which call `invokeTool`.
 */
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { findTool, invokeTool, TOOLS, type ToolContext } from '../../tools';
import { createCategoryModel, createModel } from '../agent';
import { type VerifiedKey, verifyApiKey } from '../auth/api-keys';
import { getBusiness } from '../db/businesses';
import { withBusiness } from '../db/client';
import { createEmbedder } from '../domain/categorize/embed';
import { refreshAfterChange } from '../domain/insights';
import { DomainError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import { importStatement } from '../integrations/csv/import';
import { handleMcpRequest } from '../mcp/http';
import { type AppDeps, type AppEnv, realToday } from './app';
import { registerCategorizationRoutes } from './categorization';
import { registerChatRoutes } from './chat';
import { optional, registerConnectionApiRoutes, toolCategoryPusher, toolSyncStarter } from './connections';

/** Largest request body accepted on the API and MCP routes. */
export const MAX_BODY_BYTES = 1024 * 1024;

type AuthEnv = AppEnv & { Variables: AppEnv['Variables'] & { key: VerifiedKey } };

export function presentedKey(c: Context): string | undefined {
  const auth = c.req.header('authorization');
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim();
  return c.req.header('x-api-key')?.trim() || undefined;
}

export function registerApiRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  const { database, logger } = deps;
  const api = app as unknown as Hono<AuthEnv>;

  const authenticate = async (c: Context<AuthEnv>, next: () => Promise<void>) => {
    c.set('key', await verifyApiKey(database.db, presentedKey(c)));
    await next();
  };
  const categoryModel = createCategoryModel(deps.config.anthropic);
  const embedder = createEmbedder(deps.config.embeddings);
  const context = async (key: VerifiedKey, channel: ToolContext['channel']): Promise<() => ToolContext> => {
    const business = await getBusiness(database.db, key.businessId);
    return () => ({
      db: database.db,
      business: { id: business.id, name: business.name, baseCurrency: business.baseCurrency },
      caller: { type: 'api_key', id: key.keyId, scopes: key.scopes },
      channel,
      today: deps.today ?? realToday,
      logger,
      startSync: toolSyncStarter(deps, business.id),
      ...optional('categoryModel', categoryModel),
      embedder,
      ...optional('pushCategories', toolCategoryPusher(deps, business.id, { type: 'api_key', id: key.keyId, channel })),
    });
  };

  // Tool inputs are small: refuse large bodies before reading them (1 MiB).
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) =>
      c.json(
        { error: { code: 'payload_too_large', message: `The request body is larger than ${MAX_BODY_BYTES} bytes.` } },
        413,
      ),
  });
  api.use('/v1/*', limit);
  api.use('/mcp', limit);
  api.use('/v1/*', authenticate);
  api.use('/mcp', authenticate);

  /** The tools this key may call, with their JSON input schemas. */
  api.get('/v1/tools', (c) => {
    const key = c.get('key');
    const tools = TOOLS.filter((t) => key.scopes.includes(t.scope) || key.scopes.includes('admin')).map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      scope: t.scope,
      annotations: t.annotations,
      inputSchema: z.toJSONSchema(t.input, { io: 'input' }),
    }));
    return c.json({ tools });
  });

  /** Call a tool: the body is its input; 200 with `{ result }`, or the error with its status. */
  api.post('/v1/tools/:name', async (c) => {
    const tool = findTool(c.req.param('name'));
    if (!tool) throw new NotFoundError(`No tool called "${c.req.param('name')}". GET /v1/tools lists them.`);
    const text = await c.req.text();
    let input: unknown = {};
    if (text.trim()) {
      try {
        input = JSON.parse(text);
      } catch {
        throw new DomainError('invalid_input', 400, 'The body is not valid JSON.');
      }
    }
    const r = await invokeTool(tool, input, (await context(c.get('key'), 'http'))());
    if (!r.ok) throw new DomainError(r.error.code, r.error.status, r.error.message);
    return c.json({ result: r.output });
  });

  /** A bank statement CSV as the body; `?account=NAME[&dateFormat=dmy|mdy|ymd]`. Needs the write scope. */
  api.post('/v1/imports/csv', async (c) => {
    const key = c.get('key');
    if (!key.scopes.includes('write') && !key.scopes.includes('admin'))
      throw new ForbiddenError('Importing needs the "write" scope.');
    const account = c.req.query('account');
    if (!account) throw new InvalidInputError('account: give the bank account name as ?account=…');
    const dateFormat = c.req.query('dateFormat');
    if (dateFormat && !['ymd', 'dmy', 'mdy'].includes(dateFormat))
      throw new InvalidInputError('dateFormat: one of ymd, dmy, mdy.');
    const business = await getBusiness(database.db, key.businessId);
    const r = await importStatement(database.db, business, {
      account,
      text: await c.req.text(),
      ...(dateFormat ? { dateFormat: dateFormat as 'ymd' | 'dmy' | 'mdy' } : {}),
    });
    // The figures the new lines change: queued for the worker, or refreshed here when no queue runs.
    let refresh: 'none' | 'queued' | 'done' = 'none';
    if (r.changedDates.length) {
      const queue = deps.jobs?.current;
      if (queue) {
        await queue.enqueueRefresh({ businessId: business.id, dates: r.changedDates });
        refresh = 'queued';
      } else {
        await withBusiness(database.db, business.id, (tx) =>
          refreshAfterChange(tx, business, { dates: r.changedDates }),
        );
        refresh = 'done';
      }
    }
    return c.json({ import: r, refresh }, 201);
  });

  registerCategorizationRoutes(api, deps);
  registerConnectionApiRoutes(api, deps);
  registerChatRoutes(api, { ...deps, model: deps.model ?? createModel(deps.config.anthropic, logger) });

  /** MCP over Streamable HTTP (stateless). */
  api.all('/mcp', async (c) => handleMcpRequest(c.req.raw, { context: await context(c.get('key'), 'mcp') }));
}
