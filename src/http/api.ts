/**
 * The authenticated surface: `/v1/*` and `/mcp`. Every request is size-limited, answered with CORS headers
 * for allowed browser origins, authenticated (API key, widget session token or dashboard cookie, which fix
 * the business and what the caller may do) and rate limited; then the routes, which only adapt — tools go
 * through `invokeTool`, everything else through the domain functions the tools use.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createModel } from '../agent';
import { Limits } from '../limits';
import { handleMcpRequest } from '../mcp/http';
import { registerAccessRoutes } from './access';
import type { AppDeps } from './app';
import { type ApiEnv, authenticate, cors, toolContexts } from './auth';
import { registerCategorizationRoutes } from './categorization';
import { registerChatRoutes } from './chat';
import { registerConnectionApiRoutes } from './connections';
import { registerNotificationRoutes } from './notifications';
import { registerToolRoutes } from './tools';

/** Largest request body accepted on the API and MCP routes; statements may be larger. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_IMPORT_BYTES = 16 * 1024 * 1024;

const tooLarge = (max: number) =>
  bodyLimit({
    maxSize: max,
    onError: (c) =>
      c.json({ error: { code: 'payload_too_large', message: `The request body is larger than ${max} bytes.` } }, 413),
  });

export function registerApiRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  // In the database: every server process on it shares the counts.
  const limiter = new Limits(deps.database.db);
  const small = tooLarge(MAX_BODY_BYTES);
  const large = tooLarge(MAX_IMPORT_BYTES);
  // Refuse large bodies before reading them.
  api.use('/v1/*', (c, next) => (c.req.path === '/v1/imports/csv' ? large(c, next) : small(c, next)));
  api.use('/mcp', small);
  api.use('/v1/*', cors());
  api.use('/mcp', cors());
  // Answers hold a business's books: no cache keeps them, and no browser guesses another type for them.
  const privateAnswer: MiddlewareHandler = async (c, next) => {
    c.header('cache-control', 'no-store');
    c.header('x-content-type-options', 'nosniff');
    await next();
  };
  api.use('/v1/*', privateAnswer);
  api.use('/mcp', privateAnswer);
  api.use('/v1/*', authenticate(deps, limiter));
  api.use('/mcp', authenticate(deps, limiter));

  registerToolRoutes(api, deps);
  registerChatRoutes(api, { ...deps, model: deps.model ?? createModel(deps.config.anthropic, deps.logger) });
  registerCategorizationRoutes(api, deps);
  registerConnectionApiRoutes(api, deps);
  registerAccessRoutes(api, deps);
  registerNotificationRoutes(api, deps);

  /** MCP over Streamable HTTP (stateless): the caller's tools, through invokeTool. */
  const contextOf = toolContexts(deps);
  api.all('/mcp', async (c) => handleMcpRequest(c.req.raw, { context: () => contextOf(c, 'mcp') }));
}
