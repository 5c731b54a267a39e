import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { createBusiness } from '../../src/db/businesses';
import { withBusiness } from '../../src/db/client';
import { categorize } from '../../src/domain/categorize';
import { createApp } from '../../src/http/app';
import { importStatement } from '../../src/integrations/csv/import';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const config = loadConfig({ DATA_DIR: '/tmp/cfo-chat-http', ENCRYPTION_KEY: 'ab'.repeat(32) });
let app: ReturnType<typeof createApp>;
let key = '';
let demoId = '';
let otherKey = '';

beforeAll(async () => {
  app = createApp({ config, database: t.database, logger: createLogger('silent') });
  const demo = { businessId: t.demoId };
  demoId = demo.businessId;
  key = (await createApiKey(t.db, { businessId: demo.businessId, name: 'chat', scopes: ['read'] })).key;
  const other = await createBusiness(t.db, { name: 'Other Ltd' });
  otherKey = (await createApiKey(t.db, { businessId: other.id, name: 'other', scopes: ['read'] })).key;
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}, k = key) =>
  app.request(path, {
    method: 'POST',
    headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (path: string, k = key) => app.request(path, { headers: { 'x-api-key': k } });

describe('POST /v1/chat', () => {
  it('answers as JSON, and the conversation id continues it', async () => {
    const res = await post('/v1/chat', { message: 'How much cash do we have?' });
    expect(res.status).toBe(200);
    const first = await res.json();
    expect(first.answer).toMatch(/you have \$[\d,]+\.\d{2} in the bank/);
    expect(first.toolCalls).toEqual([expect.objectContaining({ name: 'get_cash_position', ok: true })]);
    expect(first.model).toBe('offline');
    expect(first.unmatchedFigures).toEqual([]);

    const next = await (
      await post('/v1/chat', { message: 'Who owes us money?', conversationId: first.conversationId })
    ).json();
    expect(next.conversationId).toBe(first.conversationId);
    const history = await (await get(`/v1/conversations/${first.conversationId}/messages`)).json();
    expect(history.messages.map((m: { role: string }) => m.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    const list = await (await get('/v1/conversations')).json();
    expect(list.conversations[0]).toMatchObject({
      id: first.conversationId,
      channel: 'http',
      title: 'How much cash do we have?',
    });
  });

  it('streams Server-Sent Events: start, tool events, text deltas, end', async () => {
    const res = await post('/v1/chat', { message: 'What is our runway?' }, { accept: 'text/event-stream' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({
      type: m[1]!,
      data: JSON.parse(m[2]!),
    }));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types).toContain('tool_started');
    expect(types).toContain('tool_finished');
    expect(types.at(-1)).toBe('end');
    const streamed = events
      .filter((e) => e.type === 'text')
      .map((e) => e.data.delta)
      .join('');
    expect(streamed).toBe(events.at(-1)!.data.answer);
  });

  it('names the field in a bad body, and a foreign conversation is not found', async () => {
    const bad = await post('/v1/chat', { message: 42 });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/^message: /);
    expect((await post('/v1/chat', '{not json')).status).toBe(400);
    expect((await post('/v1/chat', { message: 'x'.repeat(9000) })).status).toBe(400);

    const mine = await (await post('/v1/chat', { message: 'hello' })).json();
    const theirs = await post('/v1/chat', { message: 'and?', conversationId: mine.conversationId }, {}, otherKey);
    expect(theirs.status).toBe(404);
    expect((await get(`/v1/conversations/${mine.conversationId}/messages`, otherKey)).status).toBe(404);
    const list = await (await get('/v1/conversations', otherKey)).json();
    expect(list.conversations.map((c: { id: string }) => c.id)).not.toContain(mine.conversationId);
  });

  it('needs a key', async () => {
    const res = await app.request('/v1/chat', { method: 'POST', body: '{"message":"hi"}' });
    expect(res.status).toBe(401);
  });
});

describe('POST /v1/n8n/chat', () => {
  it('maps sessionId to one conversation and answers in n8n’s shape', async () => {
    const a = await (await post('/v1/n8n/chat', { sessionId: 'wf-42', chatInput: 'What is our MRR?' })).json();
    expect(a).toMatchObject({ sessionId: 'wf-42', output: expect.stringMatching(/MRR was \$/) });
    expect(a.toolCalls[0].name).toBe('get_subscription_metrics');
    const b = await (
      await post('/v1/n8n/chat', { action: 'sendMessage', sessionId: 'wf-42', chatInput: 'Any unpaid bills?' }, {}, key)
    ).json();
    expect(b.conversationId).toBe(a.conversationId);
  });

  it('streams newline-delimited begin, item and end chunks with ?stream=true', async () => {
    const res = await post('/v1/n8n/chat?stream=true', {
      sessionId: 'wf-stream',
      chatInput: 'How much cash do we have?',
    });
    expect(res.status).toBe(200);
    const chunks = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(chunks[0].type).toBe('begin');
    expect(chunks.at(-1).type).toBe('end');
    const text = chunks
      .filter((c) => c.type === 'item')
      .map((c) => c.content)
      .join('');
    expect(text).toMatch(/^As of \d+ \w+ \d{4} you have \$/);
  });

  it('rejects a body without chatInput, naming it', async () => {
    const res = await post('/v1/n8n/chat', { sessionId: 's' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/^chatInput: /);
  });
});

describe('categorization review over HTTP', () => {
  it('lists the queue and accepts or corrects a proposal with a write key', async () => {
    const writer = (await createApiKey(t.db, { businessId: demoId, name: 'bookkeeper', scopes: ['read', 'write'] }))
      .key;
    await withBusiness(t.db, demoId, async (tx) => {
      await importStatement(
        tx,
        { id: demoId, baseCurrency: 'USD' },
        {
          account: 'Card',
          text: 'Date,Description,Amount\n2026-11-02,WEWORK 88123 NEW YORK,-350.00\n2026-11-03,EXXONMOBIL 4455 HOUSTON,-61.20\n',
        },
      );
      await categorize(tx, { id: demoId }, { apply: true });
    });
    const queue = await (await get('/v1/categorization/reviews')).json();
    expect(queue.total).toBeGreaterThanOrEqual(1);
    const item = queue.items[0];
    expect(item).toMatchObject({ source: expect.any(String), confidence: expect.any(Number) });

    const denied = await post(`/v1/categorization/reviews/${item.transactionId}`, {});
    expect(denied.status).toBe(403);
    const accepted = await post(`/v1/categorization/reviews/${item.transactionId}`, {}, {}, writer);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ applied: true, new: { category: item.category, source: 'user' } });
    const after = await (await get('/v1/categorization/reviews')).json();
    expect(after.items.map((i: { transactionId: string }) => i.transactionId)).not.toContain(item.transactionId);
    const unknown = await post('/v1/categorization/reviews/not-a-transaction', {}, {}, writer);
    expect(unknown.status).toBe(404);
  });
});
