/**
 * The model step of categorization, with Claude through the real SDK against the fake Anthropic server:
 * lines the history cannot place are asked in one batch with the business's categories and nearest
 * examples; confident answers apply with source "model", the rest go to review; answers are cached per
 * merchant, so the same merchant is never asked twice; a category outside the business's list is ignored;
 * a failing model leaves the lines to review. Without a model (offline) they go to review as before.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicCategoryModel, CATEGORIZE_TOOL } from '../../src/agent/categorize';
import { createBusiness } from '../../src/db/businesses';
import { queryRows, withBusiness } from '../../src/db/client';
import { categorize } from '../../src/domain/categorize';
import { importStatement } from '../../src/integrations/csv/import';
import { createLogger } from '../../src/logger';
import { FAKE_ANTHROPIC_KEY, type FakeAnthropic, startFakeAnthropic } from '../fakes/anthropic';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
let fake: FakeAnthropic;
let model: AnthropicCategoryModel;
let biz = { id: '', baseCurrency: 'USD' };

const history = [
  'Date,Description,Amount,Category',
  '2026-01-05,GITHUB INC,-21.00,Software',
  '2026-01-06,ATLASSIAN PTY,-45.00,Software',
  '2026-01-07,STAPLES STORE 1123,-80.10,Office supplies',
  '2026-01-09,CLIENT PAYMENT ACME,1200.00,Sales',
];
const fresh = [
  'Date,Description,Amount',
  '2026-02-03,ZYLOPHONE CLOUD SVCS,-99.00', // unknown merchant: the model says Software
  '2026-02-04,QWRTY PAPERWORKS,-12.00', // the model is unsure: review
  '2026-02-05,MYSTERY VENDOR 9,-5.00', // the model answers with a category the business does not have
];

/** The fake model: answers per key from the request, so the test sees what it was asked. */
function answer(table: Record<string, [string, number]>) {
  fake.script = (req) => {
    const content = JSON.parse(String(req.body.messages[0]!.content)) as { lines: { key: string }[] };
    const results = content.lines
      .map((l) => ({ l, a: Object.entries(table).find(([m]) => l.key.startsWith(m))?.[1] }))
      .filter((x) => x.a)
      .map(({ l, a }) => ({ key: l.key, category: a![0], confidence: a![1] }));
    return { tools: [{ name: CATEGORIZE_TOOL, input: { results } }] };
  };
}

const run = (apply: boolean, withModel = true) =>
  withBusiness(t.db, biz.id, (tx) =>
    categorize(tx, biz, { apply, ...(withModel ? { model } : {}), logger: createLogger('silent') }),
  );

beforeAll(async () => {
  fake = await startFakeAnthropic();
  model = new AnthropicCategoryModel({ apiKey: FAKE_ANTHROPIC_KEY, baseURL: fake.url });
  const b = await createBusiness(t.db, { name: 'Model Fallback Ltd' });
  biz = { id: b.id, baseCurrency: b.baseCurrency };
  await importStatement(t.db, biz, { account: 'Checking', text: history.join('\n') });
  await importStatement(t.db, biz, { account: 'Checking', text: fresh.join('\n') });
});
afterAll(async () => {
  await fake.close();
});

describe('categorization: the model step', () => {
  it('offline (no model) the unknown merchants are not applied', async () => {
    const r = await run(false, false);
    expect(r.results.filter((x) => x.action === 'apply')).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('asks once for the batch with categories and examples; applies the confident answer, queues the unsure one', async () => {
    answer({
      'zylophone cloud': ['Software', 0.92],
      'qwrty paperworks': ['Office supplies', 0.55],
      'mystery vendor': ['Travel', 0.99],
    });
    const r = await run(true);
    expect(fake.requests).toHaveLength(1);
    const body = fake.requests[0]!.body as unknown as { tool_choice: unknown; messages: { content: string }[] };
    expect(body.tool_choice).toEqual({ type: 'tool', name: CATEGORIZE_TOOL });
    const asked = JSON.parse(body.messages[0]!.content) as {
      categories: string[];
      lines: { key: string; examples: unknown[] }[];
    };
    expect(asked.categories).toEqual(expect.arrayContaining(['Software', 'Office supplies', 'Sales']));
    expect(asked.lines.map((l) => l.key).sort()).toEqual([
      'mystery vendor|out',
      'qwrty paperworks|out',
      'zylophone cloud svcs|out',
    ]);
    expect(asked.lines.every((l) => l.examples.length > 0)).toBe(true);

    const by = Object.fromEntries(r.results.map((x) => [x.description, x]));
    expect(by['ZYLOPHONE CLOUD SVCS']).toMatchObject({
      action: 'apply',
      proposal: { category: 'Software', source: 'model' },
    });
    expect(by['QWRTY PAPERWORKS']).toMatchObject({
      action: 'review',
      proposal: { category: 'Office supplies', source: 'model' },
    });
    // "Travel" is not one of the business's categories: ignored.
    expect(by['MYSTERY VENDOR 9']!.proposal?.category).not.toBe('Travel');
    const [row] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ category: string; category_source: string }>(
        tx,
        sql`select category, category_source from transactions where description = 'ZYLOPHONE CLOUD SVCS'`,
      ),
    );
    expect(row).toEqual({ category: 'Software', category_source: 'model' });
  });

  it('the same merchant later is answered from the cache, without asking the model again', async () => {
    await importStatement(t.db, biz, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-03-03,QWRTY PAPERWORKS,-14.00',
    });
    const before = fake.requests.length;
    const r = await run(false);
    const line = r.results.find((x) => x.date === '2026-03-03')!;
    expect(line.proposal).toMatchObject({ category: 'Office supplies', source: 'model', reason: 'model (cached)' });
    // Only the merchant the model never placed is asked again.
    const asked = fake.requests
      .slice(before)
      .flatMap((q) =>
        (JSON.parse(String(q.body.messages[0]!.content)) as { lines: { key: string }[] }).lines.map((l) => l.key),
      );
    expect(asked).not.toContain('qwrty paperworks|out');
  });

  it('a merchant its brand already settles is not asked about', async () => {
    // Officeworks is a stationery chain (shop=stationery): office supplies, which this business has.
    await importStatement(t.db, biz, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-02-10,OFFICEWORKS 0123 SYDNEY AU,-64.00\n2026-02-11,PLOVDIV GRAPHICS 77,-310.00\n',
    });
    answer({ 'plovdiv graphics': ['Office supplies', 0.6] });
    const before = fake.requests.length;
    const r = await run(false);
    const asked = fake.requests
      .slice(before)
      .flatMap((q) =>
        (JSON.parse(String(q.body.messages[0]!.content)) as { lines: { key: string }[] }).lines.map((l) => l.key),
      );
    expect(asked).toContain('plovdiv graphics|out');
    expect(asked.some((k) => k.startsWith('officeworks'))).toBe(false);
    expect(r.results.find((x) => x.description?.startsWith('OFFICEWORKS'))).toMatchObject({
      action: 'apply',
      proposal: { category: 'Office supplies', source: 'knowledge' },
    });
  });

  it('a failing model does not fail categorization: the lines go to review', async () => {
    fake.script = () => ({ status: 500 });
    await importStatement(t.db, biz, {
      account: 'Checking',
      text: 'Date,Description,Amount\n2026-03-09,BRANDNEW THING LLC,-33.00',
    });
    const r = await run(false);
    expect(r.results.find((x) => x.description === 'BRANDNEW THING LLC')!.action).not.toBe('apply');
  });
});

describe('categorization: changing the embedder', () => {
  it('vectors from the old embedder are made again by the new one, never compared across spaces', async () => {
    const { EMBEDDING_DIMENSIONS } = await import('../../src/domain/categorize/embed');
    const asked: string[] = [];
    const other = {
      id: 'test-constant-256',
      embed: async (texts: string[]) => {
        asked.push(...texts);
        return texts.map(() => Array.from({ length: EMBEDDING_DIMENSIONS }, (_, i) => (i === 0 ? 1 : 0)));
      },
    };
    const embedded = () =>
      withBusiness(t.db, biz.id, (tx) =>
        queryRows<{ n: number; first: number }>(
          tx,
          sql`select count(*)::int as n, count(*) filter (where (embedding::real[])[1] = 1)::int as first
              from transactions where embedding is not null`,
        ),
      ).then((r) => r[0]!);
    const before = await embedded();
    expect(before.n).toBeGreaterThan(0);
    await withBusiness(t.db, biz.id, (tx) => categorize(tx, biz, { embedder: other }));
    const after = await embedded();
    // Every example's vector now comes from the new embedder.
    expect(after.n).toBeGreaterThanOrEqual(before.n);
    expect(after.first).toBe(after.n);
    expect(asked.length).toBeGreaterThan(0);
    // Same embedder again: nothing is re-embedded.
    asked.length = 0;
    await withBusiness(t.db, biz.id, (tx) => categorize(tx, biz, { embedder: other }));
    expect(asked.filter((x) => x.startsWith('github'))).toEqual([]);
  });

  it('EMBEDDINGS_URL needs a model and a key', async () => {
    const { loadConfig } = await import('../../src/config');
    const base = { DATA_DIR: '/tmp/cfo-emb', ENCRYPTION_KEY: 'ab'.repeat(32) };
    expect(() => loadConfig({ ...base, EMBEDDINGS_URL: 'https://api.example.com/v1/embeddings' })).toThrow(
      /EMBEDDINGS_MODEL/,
    );
    expect(() => loadConfig({ ...base, EMBEDDINGS_MODEL: 'x' })).toThrow(/EMBEDDINGS_URL/);
    expect(
      loadConfig({
        ...base,
        EMBEDDINGS_URL: 'https://api.example.com/v1/embeddings',
        EMBEDDINGS_MODEL: 'm',
        EMBEDDINGS_API_KEY: 'k',
      }).embeddings,
    ).toEqual({ url: 'https://api.example.com/v1/embeddings', model: 'm', apiKey: 'k' });
  });
});
