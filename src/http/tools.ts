/**
 * The tools over HTTP, and bank-statement imports.
 *
 * - `GET /v1/tools` — the tools this caller may use, with their JSON input schemas.
 * - `POST /v1/tools/{name}` — the body is the tool's input; `{ result }`, or the error with its status. One
 *   route serves every tool through `invokeTool`; the OpenAPI document also lists each tool as its own path
 *   with its input and output schemas.
 * - `POST /v1/imports/csv?account=NAME` — a statement as the body (`import` permission).
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { findTool, invokeTool, mayUse, permissionOf, TOOLS } from '../../tools';
import { categorizeOptionsOf } from '../../tools/define';
import { audit } from '../db/audit';
import { withBusiness } from '../db/client';
import { refreshAfterChange } from '../domain/insights';
import { DomainError, InvalidInputError, NotFoundError } from '../errors';
import { categorizeImported, importStatement } from '../integrations/csv/import';
import type { AppDeps } from './app';
import { type ApiEnv, actorOf, need, toolContexts } from './auth';
import { errors, json, SECURITY } from './openapi';

const ToolListing = z.object({
  tools: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      description: z.string(),
      scope: z.enum(['read', 'write', 'admin']),
      permission: z.string(),
      annotations: z.record(z.string(), z.boolean()),
      inputSchema: z.record(z.string(), z.unknown()),
    }),
  ),
});

const ImportResult = z.object({
  import: z.object({
    account: z.string(),
    lines: z.number().int(),
    added: z.number().int(),
    alreadyThere: z.number().int(),
    dateFormat: z.enum(['ymd', 'dmy', 'mdy']),
    dateFormatName: z.string(),
    from: z.string(),
    to: z.string(),
    changedDates: z.array(z.string()),
    balance: z
      .union([
        z.object({ status: z.enum(['set', 'agrees']), opening: z.string(), date: z.string() }),
        z.object({ status: z.literal('differs'), opening: z.string(), expected: z.string(), date: z.string() }),
        z.object({ status: z.literal('unreadable'), row: z.number().int() }),
      ])
      .optional()
      .describe(
        "the balance column: `set` — the account's opening balance on `date` is now `opening` (its earliest statement); `agrees`/`differs` — the lines already here come to `expected` that day; `unreadable` — the balances do not follow from the amounts from `row` on",
      ),
    runId: z.string(),
  }),
  categorized: z
    .object({
      considered: z.number().int(),
      apply: z.number().int().describe('categorized now (confident proposals)'),
      review: z.number().int().describe('in the review queue with their proposal (GET /v1/categorization/reviews)'),
      none: z.number().int().describe('no proposal'),
    })
    .describe(
      'the new lines without a category in the statement, categorized as categorize_transactions with apply: true would',
    ),
  refresh: z.enum(['none', 'queued', 'done']).describe('how the figures the new lines change were refreshed'),
});

export function registerToolRoutes(api: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database } = deps;
  const contextOf = toolContexts(deps);

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/tools',
      tags: ['Tools'],
      summary: 'The tools this caller may use',
      security: SECURITY,
      responses: { 200: json(ToolListing, 'Tools with their JSON input schemas'), ...errors() },
    }),
    (c) => {
      const caller = c.get('principal').caller;
      const tools = TOOLS.filter((t) => mayUse(caller, t)).map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        scope: t.scope,
        permission: permissionOf(t),
        annotations: t.annotations as Record<string, boolean>,
        inputSchema: z.toJSONSchema(t.input, { io: 'input' }) as Record<string, unknown>,
      }));
      return c.json({ tools }, 200);
    },
  );

  // One handler for every tool (invokeTool validates the input, so a bad body gets the tool's own message).
  api.post('/v1/tools/:name', async (c) => {
    const tool = findTool(c.req.param('name'));
    if (!tool) throw new NotFoundError(`No tool called "${c.req.param('name')}". GET /v1/tools lists them.`);
    const text = await c.req.text();
    let input: unknown = {};
    if (text.trim()) {
      try {
        input = JSON.parse(text);
      } catch {
        throw new InvalidInputError('The body is not valid JSON.');
      }
    }
    const r = await invokeTool(tool, input, contextOf(c, 'http'));
    if (!r.ok) throw new DomainError(r.error.code, r.error.status, r.error.message);
    return c.json({ result: r.output });
  });
  // …documented once per tool, so the OpenAPI document shows each input and output.
  for (const tool of TOOLS) {
    api.openAPIRegistry.registerPath({
      method: 'post',
      path: `/v1/tools/${tool.name}`,
      tags: [tool.scope === 'read' ? 'Tools: read' : 'Tools: write'],
      summary: tool.title,
      description: `${tool.description}\n\nNeeds the \`${permissionOf(tool)}\` permission.`,
      security: SECURITY,
      request: { body: { content: { 'application/json': { schema: tool.input } }, required: false } },
      responses: {
        200: json(z.object({ result: tool.output }), 'The tool’s result'),
        ...errors(404, 409, 502),
      },
    });
  }

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/imports/csv',
      tags: ['Imports'],
      summary: 'Import a bank statement (CSV)',
      description:
        'The CSV as the body. All rows or none: errors list row numbers. Re-imports and overlapping statements add no duplicates. The new lines are categorized (confident proposals written, the rest to the review queue), and the figures they change are refreshed (queued, or inline when no worker runs).',
      security: SECURITY,
      request: {
        query: z.object({
          account: z.string({ error: 'give the bank account name as ?account=…' }).trim().min(1).max(200),
          dateFormat: z.enum(['ymd', 'dmy', 'mdy']).optional(),
        }),
        body: { content: { 'text/csv': { schema: z.string() } }, required: true },
      },
      responses: { 201: json(ImportResult, 'Imported'), ...errors(413) },
    }),
    async (c) => {
      need(c, 'import', 'Importing a statement');
      const { account, dateFormat } = c.req.valid('query');
      const business = c.get('business');
      const r = await importStatement(database.db, business, {
        account,
        text: await c.req.text(),
        ...(dateFormat ? { dateFormat } : {}),
      });
      await withBusiness(database.db, business.id, (tx) =>
        audit(tx, business.id, actorOf(c, deps), {
          action: 'import.csv',
          entityType: 'sync_run',
          entityId: r.runId,
          newValues: { account: r.account, lines: r.lines, added: r.added, from: r.from, to: r.to },
        }),
      );
      // The new lines categorized: confident proposals written, the rest to the review queue.
      const categorized = await categorizeImported(database.db, business, r, categorizeOptionsOf(contextOf(c, 'http')));
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
      const { uncategorizedIds: _ids, ...summary } = r;
      return c.json({ import: summary, categorized, refresh }, 201);
    },
  );
}
