import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicModel, DEFAULT_ANTHROPIC_MODEL } from '../../src/agent/anthropic';
import { type AgentEvent, type AgentOptions, runAgent } from '../../src/agent/loop';
import type { ContentBlock } from '../../src/agent/model';
import { queryRows, withBusiness } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropic, startFakeAnthropic } from '../fakes/anthropic';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const TODAY = '2026-11-22';
let fake: FakeAnthropic;
let base: Omit<AgentOptions, 'message' | 'model'>;

const model = (over: Partial<ConstructorParameters<typeof AnthropicModel>[0]> = {}) =>
  new AnthropicModel({
    apiKey: FAKE_ANTHROPIC_KEY,
    baseURL: fake.url,
    logger: createLogger('silent'),
    backoffMs: 10,
    ...over,
  });

beforeAll(async () => {
  fake = await startFakeAnthropic();
  const demo = { businessId: t.demoId };
  base = {
    db: t.db,
    business: { id: demo.businessId, name: 'Demo Co', baseCurrency: 'USD' },
    channel: 'http',
    caller: { type: 'system', scopes: ['read'] },
    logger: createLogger('silent'),
    today: () => TODAY,
  };
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

const rowsOf = (conversationId: string) =>
  withBusiness(t.db, base.business.id, (tx) =>
    queryRows<{ role: string; content: ContentBlock[] }>(
      tx,
      sql`select role, content from agent_messages where conversation_id = ${conversationId} order by seq`,
    ),
  );

function expectConsistent(rows: { role: string; content: ContentBlock[] }[]) {
  rows.forEach((row, i) => {
    for (const b of row.content)
      if (b.type === 'tool_use')
        expect(rows[i + 1]?.content.some((r) => r.type === 'tool_result' && r.tool_use_id === b.id)).toBe(true);
  });
  expect(rows.map((r) => r.role)).toEqual(rows.map((_, i) => (i % 2 === 0 ? 'user' : 'assistant')));
}

/** The text of the tool_result for `toolName` in the request's last message. */
function resultOf(body: FakeRequest['body'], toolName: string): Record<string, unknown> {
  const uses = body.messages.at(-2)!.content as { type: string; id: string; name: string }[];
  const id = uses.find((u) => u.type === 'tool_use' && u.name === toolName)!.id;
  const results = body.messages.at(-1)!.content as { tool_use_id: string; content: string }[];
  return JSON.parse(results.find((r) => r.tool_use_id === id)!.content);
}
type FakeRequest = FakeAnthropic['requests'][number];

describe('Claude through the real SDK against the fake Anthropic server', () => {
  it('runs a two-tool parallel turn, streams the answer and caches prompt and tools', async () => {
    fake.script = (req, n) => {
      if (n === 1)
        return {
          tools: [
            { name: 'get_runway', input: {} },
            { name: 'get_cash_position', input: {} },
          ],
        };
      const cash = resultOf(req.body, 'get_cash_position') as { total: string };
      const runway = resultOf(req.body, 'get_runway') as { cashFlowPositive: boolean };
      return {
        text: `You have ${cash.total} USD in the bank and are ${runway.cashFlowPositive ? '' : 'not '}cash-flow positive.`,
      };
    };
    const events: AgentEvent[] = [];
    const r = await runAgent({ ...base, model: model(), message: 'Cash and runway?' }, (e) => events.push(e));

    expect(r.stopReason).toBe('end_turn');
    expect(r.model).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(r.toolCalls.map((c) => c.name).sort()).toEqual(['get_cash_position', 'get_runway']);
    expect(r.steps).toBe(2);
    expect(r.text).toMatch(/^You have \d+\.\d{2} USD in the bank/);
    expect(r.unmatchedFigures).toEqual([]);
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(
      events
        .filter((e) => e.type === 'text')
        .map((e) => (e as { delta: string }).delta)
        .join(''),
    ).toBe(r.text);
    const order = events.filter((e) => e.type.startsWith('tool_')).map((e) => e.type);
    expect(order).toEqual(['tool_started', 'tool_started', 'tool_finished', 'tool_finished']);

    const [first, second] = fake.requests;
    expect(first!.headers['anthropic-version']).toBeTruthy();
    expect(first!.body.model).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(first!.body.system![0]!.cache_control).toEqual({ type: 'ephemeral' });
    expect(first!.body.tools!.at(-1)!.cache_control).toEqual({ type: 'ephemeral' });
    expect(first!.body.tools!.filter((x) => x.cache_control)).toHaveLength(1);
    // The second request carries the whole turn: question, both calls, both results.
    expect(second!.body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expectConsistent(await rowsOf(r.conversationId));
  });

  it.each([
    ['429 with retry-after', { status: 429, retryAfter: 0 } as const],
    ['529 overloaded', { status: 529 } as const],
    ['500 the SDK may not retry', { status: 500 } as const],
  ])('retries after %s and answers', async (_name, failure) => {
    fake.script = (_req, n) => (n === 1 ? failure : { text: 'All good.' });
    const r = await runAgent({ ...base, model: model(), message: 'hello' });
    expect(r.text).toBe('All good.');
    expect(fake.requests).toHaveLength(2);
  });

  it('gives up after its retries with a stored error answer', async () => {
    fake.script = () => ({ status: 500 });
    const events: AgentEvent[] = [];
    const r = await runAgent({ ...base, model: model({ overloadRetries: 2 }), message: 'hello' }, (e) =>
      events.push(e),
    );
    expect(fake.requests).toHaveLength(3);
    expect(r.stopReason).toBe('error');
    expect(r.text).toMatch(/could not finish this answer: anthropic: the model service answered 500/);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'upstream_error' });
    expectConsistent(await rowsOf(r.conversationId));
  });

  it('a stream cut mid-way after a tool step leaves the conversation consistent and is not replayed', async () => {
    fake.script = (_req, n) =>
      n === 1 ? { tools: [{ name: 'get_runway', input: {} }] } : { cutAfterText: 'You are cash-flow pos' };
    const events: AgentEvent[] = [];
    const r = await runAgent({ ...base, model: model(), message: 'runway?' }, (e) => events.push(e));
    expect(r.stopReason).toBe('error');
    // Text already streamed is never streamed twice: no retry after the first delta.
    expect(fake.requests).toHaveLength(2);
    const rows = await rowsOf(r.conversationId);
    expect(rows.map((x) => x.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expectConsistent(rows);
    expect(rows.at(-1)!.content).toEqual([{ type: 'text', text: r.text }]);
  });

  it('a request that gets no answer times out and is retried; a second silence is a clear error', async () => {
    // The SDK's own retries are off so that each attempt is one request the fake can count.
    const quick = () => model({ timeoutMs: 300, maxRetries: 0, overloadRetries: 1 });
    fake.script = (_req, n) => (n === 1 ? { hang: true } : { text: 'All good.' });
    const ok = await runAgent({ ...base, model: quick(), message: 'hello' });
    expect(ok.text).toBe('All good.');
    expect(fake.requests).toHaveLength(2);

    fake.requests.length = 0;
    fake.script = () => ({ hang: true });
    const abandonedBefore = fake.abandoned;
    const r = await runAgent({ ...base, model: quick(), message: 'hello again' });
    // Each attempt was given up by the client (its timeout), not answered or closed by the fake.
    expect(fake.requests).toHaveLength(2);
    await expect.poll(() => fake.abandoned - abandonedBefore).toBe(2);
    expect(r.stopReason).toBe('error');
    expect(r.text).toMatch(/did not answer in time/);
    expectConsistent(await rowsOf(r.conversationId));
  });

  it('a stream that goes quiet after a tool step ends the turn with a clear error, consistent and not replayed', async () => {
    fake.script = (_req, n) =>
      n === 1 ? { tools: [{ name: 'get_runway', input: {} }] } : { stallAfterText: 'Your runway is' };
    const events: AgentEvent[] = [];
    const r = await runAgent({ ...base, model: model({ timeoutMs: 300 }), message: 'runway?' }, (e) => events.push(e));
    expect(r.stopReason).toBe('error');
    expect(r.text).toMatch(/stream stalled/);
    // Text had reached the caller: it is not asked for again (it would be streamed twice).
    expect(fake.requests).toHaveLength(2);
    expect(events.find((e) => e.type === 'error')).toMatchObject({ code: 'upstream_error' });
    const rows = await rowsOf(r.conversationId);
    expect(rows.map((x) => x.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expectConsistent(rows);
  });

  it('a wrong key is an upstream error, not a crash', async () => {
    const r = await runAgent({ ...base, model: model({ apiKey: 'sk-ant-wrong' }), message: 'hello' });
    expect(r.stopReason).toBe('error');
    expect(r.text).toMatch(/answered 401/);
  });

  it('a cancelled request stops without a dangling call', async () => {
    const controller = new AbortController();
    fake.script = () => ({ tools: [{ name: 'get_sync_status', input: {} }] });
    const r = await runAgent({ ...base, model: model(), message: 'status', signal: controller.signal }, (e) => {
      if (e.type === 'tool_finished') controller.abort();
    });
    expect(r.stopReason).toBe('cancelled');
    expectConsistent(await rowsOf(r.conversationId));
  });
});

describe('default model', () => {
  it('is the newest Sonnet the installed SDK lists and does not mark deprecated', () => {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('@anthropic-ai/sdk'));
    const types = readFileSync(join(root, 'resources/messages/messages.d.ts'), 'utf8');
    const union = /export type Model = ([^;]+);/.exec(types)![1]!;
    const listed = [...union.matchAll(/'(claude-sonnet-[\d-]+)'/g)].map((m) => m[1]!);
    const deprecated = readFileSync(join(root, 'internal/data/deprecated-models.mjs'), 'utf8');
    const version = (id: string) =>
      id
        .replace('claude-sonnet-', '')
        .split('-')
        .filter((x) => x.length < 8)
        .map(Number);
    const newer = (a: number[], b: number[]) => (a[0]! - b[0]! || (a[1] ?? 0) - (b[1] ?? 0)) > 0;
    const candidates = listed.filter((id) => !deprecated.includes(`'${id}'`) && !/\d{8}$/.test(id));
    const newest = candidates.reduce((best, id) => (newer(version(id), version(best)) ? id : best));
    expect(DEFAULT_ANTHROPIC_MODEL).toBe(newest);
  });
});
