/**
 * Chat over HTTP: `POST /v1/chat` (JSON, or Server-Sent Events of the agent's events when the caller
 * accepts text/event-stream), n8n's chat shape at `POST /v1/n8n/chat` (JSON, or n8n's newline-delimited
 * chunks with `?stream=true`), and the conversation history. All of it is the one agent loop. A person (a
 * widget or dashboard session) has conversations of their own; a key sees the business's.
 */
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { stream as honoStream, streamSSE } from 'hono/streaming';
import { type AgentEvent, type AgentResult, runAgent } from '../agent';
import { conversationBySession, listConversations, listMessages } from '../agent/conversations';
import { MAX_MESSAGE_CHARS } from '../agent/loop';
import type { Model } from '../agent/model';
import { withBusiness } from '../db/client';
import { DomainError } from '../errors';
import type { AppDeps } from './app';
import { type ApiEnv, need, toolContexts } from './auth';
import { errors, json, jsonBody, SECURITY } from './openapi';

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

/**
 * n8n's Chat Trigger and chat widget send `{ sessionId, chatInput }`, the widget with `action: "sendMessage"`
 * (and `metadata` when configured); on opening it asks `{ action: "loadPreviousSession", sessionId }`.
 */
const N8nBody = z
  .object({
    action: z.enum(['sendMessage', 'loadPreviousSession']).optional(),
    sessionId: SessionId,
    chatInput: Message.optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .superRefine((b, ctx) => {
    if (b.action !== 'loadPreviousSession' && b.chatInput === undefined)
      ctx.addIssue({ code: 'custom', path: ['chatInput'], message: 'ask a question' });
  });

/** A stored message as n8n's chat widget reads history: LangChain's serialized Human/AI messages. */
const langchainMessage = (role: string, content: string) => ({
  lc: 1,
  type: 'constructor',
  id: ['langchain_core', 'messages', role === 'user' ? 'HumanMessage' : 'AIMessage'],
  kwargs: { content, additional_kwargs: {} },
});

const ToolCall = z.object({
  name: z.string(),
  input: z.record(z.string(), z.unknown()),
  ok: z.boolean(),
  ms: z.number(),
});
const Usage = z.object({ inputTokens: z.number(), outputTokens: z.number() });

const Answer = z
  .object({
    conversationId: z.string(),
    messageId: z.string(),
    answer: z.string(),
    model: z.string(),
    stopReason: z.string(),
    toolCalls: z.array(ToolCall),
    usage: Usage,
    latencyMs: z.number(),
    unmatchedFigures: z.array(z.string()).describe('figures in the answer no tool result supports'),
  })
  .openapi('ChatAnswer');

const N8nAnswer = z.object({
  output: z.string(),
  sessionId: z.string(),
  conversationId: z.string(),
  toolCalls: z.array(ToolCall),
  usage: Usage,
});

const ConversationList = z.object({
  conversations: z.array(
    z.object({
      id: z.string(),
      channel: z.string(),
      sessionId: z.string().nullable(),
      title: z.string().nullable(),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
});

const MessageList = z.object({
  conversationId: z.string(),
  messages: z.array(
    z.object({
      id: z.string(),
      seq: z.number().int(),
      role: z.string(),
      content: z.unknown().describe('Messages API content blocks: text, tool_use, tool_result'),
      model: z.string().nullable(),
      inputTokens: z.number().nullable(),
      outputTokens: z.number().nullable(),
      latencyMs: z.number().nullable(),
      unmatchedFigures: z.unknown(),
      createdAt: z.string(),
    }),
  ),
});

export interface ChatDeps extends AppDeps {
  model: Model;
}

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

export function registerChatRoutes(api: OpenAPIHono<ApiEnv>, deps: ChatDeps): void {
  const { database, logger, model } = deps;
  const contextOf = toolContexts(deps);

  /**
   * The person behind a session or a key a person created: their conversations are their own, and they see no
   * one else's. A key no person stands behind (an integration's) is the business's and sees them all.
   */
  const personOf = (c: Context<ApiEnv>) => c.get('principal').userId ?? undefined;

  const run = (
    c: Context<ApiEnv>,
    channel: 'http' | 'n8n' | 'widget' | 'web',
    message: string,
    conversation: { id?: string | undefined; sessionId?: string | undefined },
    emit?: (e: AgentEvent) => void,
  ): Promise<AgentResult> => {
    const ctx = contextOf(c, channel);
    const business = c.get('business');
    const principal = c.get('principal');
    const userId = personOf(c);
    return runAgent(
      {
        ...ctx,
        business: { ...ctx.business, fyEndMonth: business.fyEndMonth },
        model,
        channel,
        conversation: {
          ...conversation,
          // A person's session ids are theirs alone: two people may both say "default".
          ...(conversation.sessionId && userId ? { sessionId: `${userId}:${conversation.sessionId}` } : {}),
          ...(userId ? { userId } : {}),
          ...(principal.keyId ? { apiKeyId: principal.keyId } : {}),
        },
        message,
        signal: c.req.raw.signal,
      },
      emit,
    );
  };

  const channelOf = (c: Context<ApiEnv>) => {
    const via = c.get('principal').via;
    return via === 'widget' ? 'widget' : via === 'dashboard' ? 'web' : 'http';
  };

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/chat',
      tags: ['Chat'],
      summary: 'Ask the CFO',
      description:
        'Runs the agent: it picks tools, reads the books and answers. JSON by default; with `Accept: text/event-stream`, Server-Sent Events: `start`, `text` (deltas), `tool_started`, `tool_finished` (with the tool’s result), `end` (the whole answer as in the JSON response), `error`.',
      security: SECURITY,
      request: { body: jsonBody(ChatBody) },
      responses: {
        200: {
          description: 'The answer',
          content: { 'application/json': { schema: Answer }, 'text/event-stream': { schema: z.string() } },
        },
        ...errors(404),
      },
    }),
    async (c) => {
      need(c, 'read', 'Chatting with the CFO');
      const body = c.req.valid('json');
      const conversation = { id: body.conversationId, sessionId: body.sessionId };
      const channel = channelOf(c);
      if (!c.req.header('accept')?.includes('text/event-stream'))
        return c.json(answer(await run(c, channel, body.message, conversation)), 200);

      return streamSSE(c, async (sse) => {
        // Events arrive synchronously from the loop; writes are chained so they keep their order.
        let chain = Promise.resolve();
        const send = (event: string, data: unknown) => {
          chain = chain.then(() => sse.writeSSE({ event, data: JSON.stringify(data) })).catch(() => {});
        };
        try {
          await run(c, channel, body.message, conversation, (e) => {
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
    },
  );

  api.openapi(
    createRoute({
      method: 'post',
      path: '/v1/n8n/chat',
      tags: ['Chat'],
      summary: 'n8n chat (Chat Trigger, chat widget, HTTP Request node)',
      description:
        'n8n’s shape: `{ sessionId, chatInput }` (the n8n chat widget adds `action: "sendMessage"`, and asks `loadPreviousSession` on opening). One sessionId is one conversation. `?stream=true` (or `Accept: text/plain`, as the chat widget streams) answers with n8n’s newline-delimited JSON chunks: `begin`, `item` (content), `end`, or `error`.',
      security: SECURITY,
      request: {
        query: z.object({ stream: z.enum(['true', 'false']).optional() }),
        body: jsonBody(N8nBody),
      },
      responses: {
        200: {
          description: 'The answer',
          content: {
            'application/json': {
              schema: z.union([
                N8nAnswer,
                z
                  .object({ data: z.array(z.unknown()) })
                  .describe('loadPreviousSession: history is kept here, not in n8n'),
              ]),
            },
            'application/x-ndjson': { schema: z.string() },
          },
        },
        ...errors(),
      },
    }),
    async (c) => {
      need(c, 'read', 'Chatting with the CFO');
      const body = c.req.valid('json');
      const business = c.get('business');
      const userId = personOf(c);
      const sessionId = userId ? `${userId}:${body.sessionId}` : body.sessionId;
      if (body.action === 'loadPreviousSession') {
        const data = await withBusiness(database.db, business.id, async (tx) => {
          const id = await conversationBySession(tx, business.id, 'n8n', sessionId);
          if (!id) return [];
          return (await listMessages(tx, business.id, id, { userId }))
            .map((m) => ({
              role: m.role,
              text: (m.content as { type: string; text?: string }[])
                .filter((b) => b.type === 'text')
                .map((b) => b.text ?? '')
                .join(''),
            }))
            .filter((m) => m.text)
            .map((m) => langchainMessage(m.role, m.text));
        });
        return c.json({ data }, 200);
      }
      const chatInput = body.chatInput!;
      const conversation = { sessionId: body.sessionId };
      // n8n's chat widget asks for its stream with Accept: text/plain; others say ?stream=true.
      const preferred = (c.req.header('accept') ?? '').split(',')[0]!.split(';')[0]!.trim().toLowerCase();
      const streaming =
        c.req.valid('query').stream === 'true' || preferred === 'text/plain' || preferred === 'application/x-ndjson';
      if (!streaming) {
        const r = await run(c, 'n8n', chatInput, conversation);
        return c.json(
          {
            output: r.text,
            sessionId: body.sessionId,
            conversationId: r.conversationId,
            toolCalls: r.toolCalls,
            usage: r.usage,
          },
          200,
        );
      }
      c.header('content-type', 'application/json; charset=utf-8');
      // A stream is a plain Response, which the route's typed JSON responses do not describe.
      return honoStream(c, async (out) => {
        let chain = Promise.resolve();
        const meta = (extra: Record<string, unknown> = {}) => ({
          nodeId: 'cfo-agent',
          nodeName: 'CFO',
          runIndex: 0,
          itemIndex: 0,
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
          const r = await run(c, 'n8n', chatInput, conversation, (e) => {
            if (e.type === 'text') send({ type: 'item', content: e.delta, metadata: meta() });
          });
          send({ type: 'end', metadata: meta({ conversationId: r.conversationId, usage: r.usage }) });
        } catch (err) {
          const message = err instanceof DomainError ? err.message : 'The answer failed.';
          if (!(err instanceof DomainError)) logger.error({ err }, 'n8n stream failed');
          send({ type: 'error', content: message, metadata: meta() });
        }
        await chain;
      }) as never;
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/conversations',
      tags: ['Chat'],
      summary: 'Conversations, most recent first',
      security: SECURITY,
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }) },
      responses: { 200: json(ConversationList, 'Conversations'), ...errors() },
    }),
    async (c) => {
      need(c, 'read', 'Reading conversations');
      const business = c.get('business');
      const conversations = await withBusiness(database.db, business.id, (tx) =>
        listConversations(tx, business.id, c.req.valid('query').limit, { userId: personOf(c) }),
      );
      return c.json({ conversations }, 200);
    },
  );

  api.openapi(
    createRoute({
      method: 'get',
      path: '/v1/conversations/{id}/messages',
      tags: ['Chat'],
      summary: 'A conversation’s messages, in order',
      security: SECURITY,
      request: { params: z.object({ id: z.string().min(1).max(100) }) },
      responses: { 200: json(MessageList, 'Messages'), ...errors(404) },
    }),
    async (c) => {
      need(c, 'read', 'Reading conversations');
      const business = c.get('business');
      const { id } = c.req.valid('param');
      const messages = await withBusiness(database.db, business.id, (tx) =>
        listMessages(tx, business.id, id, { userId: personOf(c) }),
      );
      return c.json({ conversationId: id, messages }, 200);
    },
  );
}
