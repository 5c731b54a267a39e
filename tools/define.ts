/**
 * A tool is data: name, a description written for a model, zod input and output schemas, annotations,
 * the scope it needs, and `run`. `invokeTool` is the one path every channel (agent, MCP, HTTP, CLI) uses:
 * it checks the scope, validates input, runs inside `withBusiness`, validates and bounds the output,
 * records a `tool_calls` row, and maps errors once.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { can, type Permission, type Role, type Scope } from '../src/auth/permissions';
import type { Actor } from '../src/db/audit';
import { type Db, isDatabaseUnavailable, withBusiness } from '../src/db/client';
import { toolCalls } from '../src/db/schema';
import type { Embedder } from '../src/domain/categorize/embed';
import type { CategoryModel } from '../src/domain/categorize/model';
import { DatabaseUnavailableError, DomainError, ForbiddenError, InvalidInputError } from '../src/errors';
import type { Logger } from '../src/logger';

export type { Permission, Scope };
export type Channel = 'web' | 'widget' | 'mcp' | 'http' | 'n8n' | 'cli' | 'eval' | 'system';

export interface ToolContext {
  db: Db;
  business: { id: string; name: string; baseCurrency: string };
  /**
   * Who is calling: key scopes, and for a person (or a key or session acting for one) their role; `cap`
   * bounds a session to what the key that minted it could do. `can()` in src/auth/permissions decides.
   */
  caller: {
    type: 'user' | 'api_key' | 'agent' | 'system';
    id?: string;
    scopes: Scope[];
    role?: Role;
    cap?: readonly Permission[];
    /** The API key a widget session acting for this person was minted with (audited with the person). */
    viaKey?: string;
  };
  /** Where an HTTP caller came from, for the audit log. */
  request?: { ip?: string | undefined; userAgent?: string | undefined };
  channel: Channel;
  /** "Today" for the business; tests and evals pin it. */
  today: () => string;
  logger: Logger;
  conversationId?: string;
  /**
   * Starts a sync of one connection without waiting for it (queued on the job queue, or run in the
   * background); absent in channels that cannot (a one-shot `cfo tool`: use `cfo sync`).
   */
  startSync?: (connectionId: string, provider: 'xero' | 'stripe', mode: 'incremental' | 'full') => Promise<StartedSync>;
  /** The categorization model (Claude when configured); absent offline, when unsure lines go to review. */
  categoryModel?: CategoryModel;
  /** The configured embedder (EMBEDDINGS_URL); absent: the local one. */
  embedder?: Embedder;
  /** Pushes categories to Xero once the call has returned (push_categories_to_xero); absent where unavailable. */
  pushCategories?: (transactionIds: string[] | undefined) => Promise<StartedSync>;
}

export interface StartedSync {
  how: 'queued' | 'background';
}

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface Tool<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** The key scope a key needs (read tools: read; write tools: write), for listings. */
  scope: Scope;
  /** What the caller must be allowed (src/auth/permissions); read tools default to `read`. */
  permission?: Permission;
  run(input: z.output<I>, ctx: ToolContext): Promise<z.input<O>>;
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: Tool<I, O>): Tool<I, O> {
  return tool;
}

/** Results are kept under about 8 KB so that no client hits a token cap; list tools page instead. */
export const MAX_RESULT_BYTES = 8 * 1024;

export type ToolResult<O = Record<string, unknown>> =
  | { ok: true; output: O; ms: number; bytes: number }
  | { ok: false; error: { code: string; message: string; status: number }; ms: number };

/** The first problem of a zod error, naming the field: "period.from: Invalid date". */
export function describeZodError(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'Invalid input.';
  const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
  return `${path}${issue.message}`;
}

const bounded = (value: unknown): unknown => {
  const text = JSON.stringify(value ?? null);
  return text.length <= MAX_RESULT_BYTES
    ? value
    : { truncated: true, bytes: text.length, preview: text.slice(0, 2000) };
};

export const permissionOf = (tool: Tool): Permission => tool.permission ?? 'read';

/** Whether this caller may call the tool: the one rule for invokeTool, tool listings and MCP. */
export const mayUse = (caller: ToolContext['caller'], tool: Tool): boolean => can(caller, permissionOf(tool));

export async function invokeTool(tool: Tool, rawInput: unknown, ctx: ToolContext): Promise<ToolResult> {
  const started = performance.now();
  let input: unknown = rawInput;
  let result: ToolResult;
  try {
    if (!mayUse(ctx.caller, tool)) {
      const who = ctx.caller.role
        ? `a ${ctx.caller.role}`
        : `a caller with ${ctx.caller.scopes.join(', ') || 'no'} scope`;
      throw new ForbiddenError(
        `${tool.name} needs the "${permissionOf(tool)}" permission (a key with the "${tool.scope}" scope, or a member whose role allows it); this is ${who}.`,
      );
    }
    const parsed = tool.input.safeParse(rawInput ?? {});
    if (!parsed.success) throw new InvalidInputError(`${tool.name}: ${describeZodError(parsed.error)}`);
    input = parsed.data;
    // A successful call is recorded in the tool's own transaction: one round of BEGIN/COMMIT fewer, and a
    // write and the row saying who made it commit together or not at all.
    result = await withBusiness(ctx.db, ctx.business.id, async (tx) => {
      const raw = await tool.run(parsed.data, { ...ctx, db: tx });
      const checked = tool.output.safeParse(raw);
      if (!checked.success) {
        // A tool that breaks its own contract is a bug, not the caller's problem.
        throw new Error(
          `${tool.name} returned output that does not match its schema: ${describeZodError(checked.error)}`,
        );
      }
      const bytes = Buffer.byteLength(JSON.stringify(checked.data));
      if (bytes > MAX_RESULT_BYTES) ctx.logger.warn({ tool: tool.name, bytes }, 'tool result above the size bound');
      const ok: ToolResult = {
        ok: true,
        output: checked.data as Record<string, unknown>,
        ms: Math.round(performance.now() - started),
        bytes,
      };
      await tx.insert(toolCalls).values(callRow(tool, parsed.data, ok, ctx));
      return ok;
    });
    return result;
  } catch (err) {
    const ms = Math.round(performance.now() - started);
    if (err instanceof DomainError) {
      result = { ok: false, error: { code: err.code, message: err.message, status: err.status }, ms };
    } else if (isDatabaseUnavailable(err)) {
      const e = new DatabaseUnavailableError();
      result = { ok: false, error: { code: e.code, message: e.message, status: e.status }, ms };
    } else {
      const ref = randomUUID().slice(0, 8);
      ctx.logger.error({ err, tool: tool.name, ref }, 'tool failed');
      result = { ok: false, error: { code: 'internal', message: `internal error (ref ${ref})`, status: 500 }, ms };
    }
  }
  await recordFailure(tool, input, result, ctx);
  return result;
}

const callRow = (tool: Tool, input: unknown, result: ToolResult, ctx: ToolContext) => ({
  businessId: ctx.business.id,
  conversationId: ctx.conversationId ?? null,
  toolName: tool.name,
  channel: ctx.channel,
  input: bounded(input),
  output: result.ok ? bounded(result.output) : null,
  isError: !result.ok,
  error: result.ok ? null : `${result.error.code}: ${result.error.message}`,
  durationMs: result.ms,
  actor: ctx.caller.id ? `${ctx.caller.type}:${ctx.caller.id}` : ctx.caller.type,
});

/** A failed call is recorded on its own, after the tool's transaction has rolled back. */
async function recordFailure(tool: Tool, input: unknown, result: ToolResult, ctx: ToolContext): Promise<void> {
  try {
    await withBusiness(ctx.db, ctx.business.id, (tx) => tx.insert(toolCalls).values(callRow(tool, input, result, ctx)));
  } catch (err) {
    // The answer matters more than its log line; say so loudly.
    ctx.logger.error({ err, tool: tool.name }, 'could not record tool call');
  }
}

// ---------- schema pieces the tools share ----------

export const IsoDate = z.iso.date({ error: 'expected a date as YYYY-MM-DD' });
/** Money as a decimal string in the business's base currency, e.g. "1234.50". */
export const Amount = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal amount');
export const Currency = z.string().length(3);
export const Ratio = z.number().nullable();

/** Every write tool takes this: it previews unless the caller asks for the change. */
export const Apply = z
  .boolean()
  .default(false)
  .describe('false (default): preview what would change and write nothing; true: make the change');

/** What categorization needs from a tool's context: who acts, the fallback model, the log, the embedder. */
export const categorizeOptionsOf = (ctx: ToolContext) => ({
  actor: actorOf(ctx),
  model: ctx.categoryModel,
  logger: ctx.logger,
  ...(ctx.embedder ? { embedder: ctx.embedder } : {}),
});

/** Who is acting, for audit rows, from a tool's context. */
export const actorOf = (ctx: ToolContext): Actor => ({
  type: ctx.caller.type,
  id: ctx.caller.id,
  channel: ctx.channel,
  ip: ctx.request?.ip,
  userAgent: ctx.request?.userAgent,
  viaKey: ctx.caller.viaKey,
});

export const WRITE_ANNOTATIONS: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true };
