/**
 * The exact requests n8n sends, replayed: the HTTP Request node (v4, JSON body, Header Auth or Bearer
 * credential, its autodetect Accept header) and n8n's chat widget (@n8n/chat: CORS from the n8n page,
 * `loadPreviousSession` on opening, `sendMessage` with metadata, and its streaming mode's
 * `Accept: text/plain` with newline-delimited JSON back). The answers must have the shapes n8n reads, and
 * a figure in the answer must be the tool's figure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { withBusiness } from '../../src/db/client';
import { businesses } from '../../src/db/schema';
import { type App, createApp } from '../../src/http/app';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const N8N_ORIGIN = 'https://n8n.example.com';
/** What the HTTP Request node v3/v4 sends when the response format is "autodetect" (its default). */
const N8N_ACCEPT =
  'application/json,text/html,application/xhtml+xml,application/xml,text/*;q=0.9, image/*;q=0.8, */*;q=0.7';
let app: App;
let key = '';
let cashTotal = '';

beforeAll(async () => {
  const config = loadConfig({ DATA_DIR: '/tmp/cfo-n8n', ENCRYPTION_KEY: '4e'.repeat(32) });
  app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => '2026-11-22' });
  const demo = { businessId: t.demoId };
  key = (await createApiKey(t.db, { businessId: demo.businessId, name: 'n8n', scopes: ['read'] })).key;
  await withBusiness(t.db, demo.businessId, (tx) => tx.update(businesses).set({ allowedOrigins: [N8N_ORIGIN] }));
  const tool = await app.request('/v1/tools/get_cash_position', {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json' },
    body: '{}',
  });
  cashTotal = (await tool.json()).result.total;
});

/** "$439,803.38" → "439803.38" */
const plain = (shown: string) => shown.replace(/[$,]/g, '');

describe('n8n HTTP Request node (v4)', () => {
  it('Header Auth, JSON body: answers { output, sessionId, conversationId, toolCalls, usage }', async () => {
    const res = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: {
        accept: N8N_ACCEPT,
        'content-type': 'application/json',
        'accept-encoding': 'gzip, deflate',
        'x-api-key': key,
        'user-agent': 'n8n',
      },
      body: JSON.stringify({ sessionId: 'weekly-report', chatInput: 'How much cash do we have?' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(['conversationId', 'output', 'sessionId', 'toolCalls', 'usage']);
    expect(body.sessionId).toBe('weekly-report');
    expect(body.toolCalls).toEqual([expect.objectContaining({ name: 'get_cash_position', ok: true })]);
    expect(body.usage).toEqual({ inputTokens: expect.any(Number), outputTokens: expect.any(Number) });
    const shown = /you have (\$[\d,]+\.\d{2})/.exec(body.output)?.[1];
    expect(shown && plain(shown)).toBe(cashTotal);

    // The same sessionId continues the conversation.
    const again = await (
      await app.request('/v1/n8n/chat', {
        method: 'POST',
        headers: { accept: N8N_ACCEPT, 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ sessionId: 'weekly-report', chatInput: 'Who owes us money?' }),
      })
    ).json();
    expect(again.conversationId).toBe(body.conversationId);
  });

  it('Bearer credential works the same; a wrong key is a 401 n8n shows as an error', async () => {
    const ok = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: { accept: N8N_ACCEPT, 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ sessionId: 'bearer', chatInput: 'What is our runway?' }),
    });
    expect(ok.status).toBe(200);
    expect((await ok.json()).toolCalls[0].name).toBe('get_runway');
    const bad = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: { accept: N8N_ACCEPT, 'content-type': 'application/json', 'x-api-key': 'cfo_wrong' },
      body: JSON.stringify({ sessionId: 'bearer', chatInput: 'What is our runway?' }),
    });
    expect(bad.status).toBe(401);
    expect((await bad.json()).error).toEqual({ code: 'unauthorized', message: 'That is not a valid API key.' });
  });

  it('?stream=true gives n8n’s chunks: begin, items that add up to the answer, end', async () => {
    const res = await app.request('/v1/n8n/chat?stream=true', {
      method: 'POST',
      headers: { accept: N8N_ACCEPT, 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ sessionId: 'stream-1', chatInput: 'How much cash do we have?' }),
    });
    const chunks = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; content?: string; metadata: Record<string, unknown> });
    expect(chunks.map((c) => c.type)).toEqual(['begin', ...chunks.slice(1, -1).map(() => 'item'), 'end']);
    for (const c of chunks) expect(c.metadata).toMatchObject({ nodeId: 'cfo-agent', timestamp: expect.any(Number) });
    const text = chunks.map((c) => c.content ?? '').join('');
    expect(plain(/you have (\$[\d,]+\.\d{2})/.exec(text)![1]!)).toBe(cashTotal);
  });
});

describe('n8n chat widget (@n8n/chat)', () => {
  // What @n8n/chat sends: JSON, the webhookConfig headers (here the Bearer key), from the n8n page.
  const headers = () => ({ 'content-type': 'application/json', authorization: `Bearer ${key}`, origin: N8N_ORIGIN });

  it('the browser’s preflight from the n8n page is answered', async () => {
    const res = await app.request('/v1/n8n/chat', {
      method: 'OPTIONS',
      headers: {
        origin: N8N_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(N8N_ORIGIN);
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
  });

  it('sendMessage (with metadata) answers { output }; loadPreviousSession returns the history as LangChain messages', async () => {
    const first = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({
        action: 'sendMessage',
        sessionId: 'c3b9f1de-widget',
        chatInput: 'What is our MRR?',
        metadata: { page: 'home' },
      }),
    });
    expect(first.status).toBe(200);
    expect(first.headers.get('access-control-allow-origin')).toBe(N8N_ORIGIN);
    const answer = await first.json();
    expect(answer.output).toMatch(/MRR/);

    const history = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ action: 'loadPreviousSession', sessionId: 'c3b9f1de-widget' }),
    });
    const { data } = await history.json();
    expect(data).toEqual([
      {
        lc: 1,
        type: 'constructor',
        id: ['langchain_core', 'messages', 'HumanMessage'],
        kwargs: { content: 'What is our MRR?', additional_kwargs: {} },
      },
      {
        lc: 1,
        type: 'constructor',
        id: ['langchain_core', 'messages', 'AIMessage'],
        kwargs: { content: answer.output, additional_kwargs: {} },
      },
    ]);
    // A session it has never seen has no history.
    const none = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: headers(),
      body: JSON.stringify({ action: 'loadPreviousSession', sessionId: 'never-seen' }),
    });
    expect(await none.json()).toEqual({ data: [] });
  });

  it('streaming mode (Accept: text/plain) gets the newline-delimited chunks', async () => {
    const res = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: { ...headers(), accept: 'text/plain' },
      body: JSON.stringify({
        action: 'sendMessage',
        sessionId: 'stream-widget',
        chatInput: 'How much cash do we have?',
      }),
    });
    const lines = (await res.text()).trim().split('\n');
    const chunks = lines.map((l) => JSON.parse(l) as { type: string; content?: string });
    expect(chunks[0]!.type).toBe('begin');
    expect(chunks.at(-1)!.type).toBe('end');
    expect(chunks.filter((c) => c.type === 'item').length).toBeGreaterThan(0);
  });

  it('a page on an origin the business has not allowed is refused, with a message the widget can show', async () => {
    const res = await app.request('/v1/n8n/chat', {
      method: 'POST',
      headers: { ...headers(), origin: 'https://elsewhere.example' },
      body: JSON.stringify({ action: 'sendMessage', sessionId: 'x', chatInput: 'Cash?' }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://elsewhere.example');
    expect((await res.json()).error.code).toBe('origin_not_allowed');
  });
});
