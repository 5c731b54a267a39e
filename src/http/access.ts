/**
 * Who may use the business, over HTTP, one file per thing it manages:
 *
 * - access-business.ts: `GET /v1/me`, `GET|PATCH /v1/business` — the caller, and the business's name and the
 *   origins allowed to embed the widget;
 * - access-keys.ts: `GET|POST /v1/keys`, `DELETE /v1/keys/{id}` — API keys;
 * - access-members.ts: `GET|POST /v1/members`, `PATCH|DELETE /v1/members/{userId}` — people and roles;
 * - access-widget-sessions.ts: `POST /v1/widget-sessions` — short-lived tokens for the chat widget.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { registerBusinessRoutes } from './access-business';
import { registerKeyRoutes } from './access-keys';
import { registerMemberRoutes } from './access-members';
import { registerWidgetSessionRoutes } from './access-widget-sessions';
import type { AppDeps } from './app';
import type { ApiEnv } from './auth';

export function registerAccessRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  registerBusinessRoutes(api, deps);
  registerKeyRoutes(api, deps);
  registerMemberRoutes(api, deps);
  registerWidgetSessionRoutes(api, deps);
}
