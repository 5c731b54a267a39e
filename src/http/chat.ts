/**
 * Chat over HTTP: `POST /v1/chat` (JSON, or Server-Sent Events of the agent's events when the caller
 * accepts text/event-stream), n8n's chat shape at `POST /v1/n8n/chat` (JSON, or n8n's newline-delimited
 * chunks with `?stream=true`), and the conversation history. All of it is the one agent loop.
 */
import type { Context, Hono } from 'hono';
import { stream as honoStream, streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { describeZodError } from '../../tools/define';
import { type AgentEvent, type AgentResult, createCategoryModel, runAgent } from '../agent';
import { listConversations, listMessages } from '../agent/conversations';
import { MAX_MESSAGE_CHARS } from '../agent/loop';
import type { Model } from '../agent/model';
import type { VerifiedKey } from '../auth/api-keys';
import { getBusiness } from '../db/businesses';
import { withBusiness } from '../db/client';
import { createEmbedder } from '../domain/categorize/embed';
import { DomainError, InvalidInputError } from '../errors';
import type { Logger } from '../logger';
import { type AppDeps, realToday } from './app';
import { optional, toolCategoryPusher, toolSyncStarter } from './connections';

const Message = z
  .string({ error: 'expected the question as a string' })
  .trim()
  .min(1, 'ask a question')
  .max(MAX_MESSAGE_CHARS, `at most ${MAX_MESSAGE_CHARS} characters`);
const SessionId = z.string().trim().min(1).max(200);

const ChatBody = z.object({
  message: Message,
  conversationId: z.uuid({ error: 'expected a conversation id from an earlier answer' }).optional(),
  sessionId: SessionId.optional().describe('your own id for the conversation; the same id continues it'),
});

/** n8n's Chat Trigger and chat widget send `{ sessionId, chatInput }`, the widget with `action: "sendMessage"`. */
const N8nBody = z.object({
  action: z.enum(['sendMessage', 'loadPreviousSession']).optional(),
  sessionId: SessionId,
  chatInput: Message,
});

async function jsonBody<T extends z.ZodType>(c: Context, schema: T): Promise<z.output<T>> {
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new InvalidInputError('The body is not valid JSON.');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InvalidInputError(describeZodError(parsed.error));
  return parsed.data;
}

export interface ChatDeps extends AppDeps {
  model: Model;
}

type KeyEnv = { Variables: { requestId: string; key: VerifiedKey } };

export function registerChatRoutes(api: Hono<KeyEnv>, deps: ChatDeps): void {
  const { database, logger, model } = deps;
  const categoryModel = createCategoryModel(deps.config.anthropic);
  const embedder = createEmbedder(deps.config.embeddings);

  const run = async (
    key: VerifiedKey,
    channel: 'http' | 'n8n',
    message: string,
    conversation: { id?: string | undefined; sessionId?: string | undefined },
    signal: AbortSignal,
    emit?: (e: AgentEvent) => void,
  ): Promise<AgentResult> => {
    const business = await getBusiness(database.db, key.businessId);
    return runAgent(
      {
        db: database.db,
        business: {
          id: business.id,
          name: business.name,
          baseCurrency: business.baseCurrency,
          fyEndMonth: business.fyEndMonth,
        },
        model,
        channel,
        caller: { type: 'api_key', id: key.keyId, scopes: key.scopes },
        logger: logger as Logger,
        today: deps.today ?? realToday,
        startSync: toolSyncStarter(deps, business.id),
        ...optional('categoryModel', categoryModel),
        embedder,
        ...optional('pushCategories', toolCategoryPusher(deps, business.id, { type: 'agent', id: key.keyId, channel })),
        conversation: { ...conversation, apiKeyId: key.keyId },
        message,
        signal,
      },
      emit,
    );
  };

  const answer = (r: AgentResult) => ({
    conversationId: r.conversationId,
    messageId: r.messageId,
    answer: r.text,
    model: r.model,
    stopReason: r.stopReason,
    toolCalls: r.toolCalls,
    usage: r.usage,
    latencyMs: r.latencyMs,
    unmatchedFigures: r.unmatchedFigures,
  });

  api.post('/v1/chat', async (c) => {
    const body = await jsonBody(c, ChatBody);
    const key = c.get('key');
    const conversation = { id: body.conversationId, sessionId: body.sessionId };
    if (!c.req.header('accept')?.includes('text/event-stream'))
      return c.json(answer(await run(key, 'http', body.message, conversation, c.req.raw.signal)));

    return streamSSE(c, async (sse) => {
      // Events arrive synchronously from the loop; writes are chained so they keep their order.
      let chain = Promise.resolve();
      const send = (event: string, data: unknown) => {
        chain = chain.then(() => sse.writeSSE({ event, data: JSON.stringify(data) })).catch(() => {});
      };
      try {
        await run(key, 'http', body.message, conversation, c.req.raw.signal, (e) => {
          const { type, ...data } = e;
          send(type, type === 'end' ? answer(e as AgentResult) : data);
        });
      } catch (err) {
        const e = err instanceof DomainError ? err : new DomainError('internal', 500, 'The answer failed.');
        if (!(err instanceof DomainError)) logger.error({ err }, 'chat stream failed');
        send('error', { code: e.code, message: e.message });
      }
      await chain;
    });
  });

  api.post('/v1/n8n/chat', async (c) => {
    const body = await jsonBody(c, N8nBody);
    const key = c.get('key');
    if (body.action === 'loadPreviousSession') return c.json({ data: [] });
    const conversation = { sessionId: body.sessionId };
    if (c.req.query('stream') !== 'true') {
      const r = await run(key, 'n8n', body.chatInput, conversation, c.req.raw.signal);
      return c.json({
        output: r.text,
        sessionId: body.sessionId,
        conversationId: r.conversationId,
        toolCalls: r.toolCalls,
        usage: r.usage,
      });
    }
    c.header('content-type', 'application/json; charset=utf-8');
    return honoStream(c, async (out) => {
      let chain = Promise.resolve();
      const meta = (extra: Record<string, unknown> = {}) => ({
        sessionId: body.sessionId,
        timestamp: Date.now(),
        ...extra,
      });
      const send = (chunk: Record<string, unknown>) => {
        chain = chain
          .then(() => out.write(`${JSON.stringify(chunk)}\n`))
          .then(() => {})
          .catch(() => {});
      };
      send({ type: 'begin', metadata: meta() });
      try {
        const r = await run(key, 'n8n', body.chatInput, conversation, c.req.raw.signal, (e) => {
          if (e.type === 'text') send({ type: 'item', content: e.delta, metadata: meta() });
        });
        send({ type: 'end', metadata: meta({ conversationId: r.conversationId, usage: r.usage }) });
      } catch (err) {
        const message = err instanceof DomainError ? err.message : 'The answer failed.';
        if (!(err instanceof DomainError)) logger.error({ err }, 'n8n stream failed');
        send({ type: 'error', content: message, metadata: meta() });
      }
      await chain;
    });
  });

  api.get('/v1/conversations', async (c) => {
    const key = c.get('key');
    const limit = Math.min(200, Math.max(1, Number(c.req.query('limit') ?? 50) || 50));
    const conversations = await withBusiness(database.db, key.businessId, (tx) =>
      listConversations(tx, key.businessId, limit),
    );
    return c.json({ conversations });
  });

  api.get('/v1/conversations/:id/messages', async (c) => {
    const key = c.get('key');
    const messages = await withBusiness(database.db, key.businessId, (tx) =>
      listMessages(tx, key.businessId, c.req.param('id')),
    );
    return c.json({ conversationId: c.req.param('id'), messages });
  });
}
