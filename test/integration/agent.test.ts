import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendMessages, loadHistory, openConversation } from '../../src/agent/conversations';
import { type AgentEvent, type AgentOptions, runAgent } from '../../src/agent/loop';
import type { ChatMessage, ContentBlock, Model, ModelRequest, ModelTurn } from '../../src/agent/model';
import { OfflineModel } from '../../src/agent/offline';
import { createBusiness } from '../../src/db/businesses';
import { MIGRATIONS_FOLDER, queryRows, withBusiness, withSystem } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const TODAY = '2026-11-22';
let base: Omit<AgentOptions, 'message'>;
let otherBusinessId: string;

beforeAll(async () => {
  const demo = { businessId: t.demoId };
  otherBusinessId = (await withSystem(t.db, (tx) => createBusiness(tx, { name: 'Other Co' }))).id;
  base = {
    db: t.db,
    business: { id: demo.businessId, name: 'Demo Co', baseCurrency: 'USD' },
    model: new OfflineModel(),
    channel: 'cli',
    caller: { type: 'system', scopes: ['read'] },
    logger: createLogger('silent'),
    today: () => TODAY,
  };
});

const messagesOf = (conversationId: string, businessId = base.business.id) =>
  withBusiness(t.db, businessId, (tx) =>
    queryRows<{ seq: number; role: string; content: ContentBlock[]; model: string | null; unmatched_figures: unknown }>(
      tx,
      sql`select seq, role, content, model, unmatched_figures from agent_messages where conversation_id = ${conversationId} order by seq`,
    ),
  );

/** Every tool_use is answered by a tool_result in the very next message. */
function expectNoDanglingCalls(rows: { role: string; content: ContentBlock[] }[]) {
  rows.forEach((row, i) => {
    for (const block of row.content) {
      if (block.type !== 'tool_use') continue;
      const next = rows[i + 1];
      expect(next?.role).toBe('user');
      expect(next?.content.some((b) => b.type === 'tool_result' && b.tool_use_id === block.id)).toBe(true);
    }
  });
  expect(rows[rows.length - 1]?.role).toBe('assistant');
}

/** A scripted model for the loop's edge cases. */
class ScriptedModel implements Model {
  readonly id = 'scripted';
  calls = 0;
  constructor(private readonly script: (req: ModelRequest, call: number) => ModelTurn | Error) {}
  async turn(req: ModelRequest, onText: (d: string) => void): Promise<ModelTurn> {
    const r = this.script(req, this.calls++);
    if (r instanceof Error) throw r;
    for (const b of r.content) if (b.type === 'text') onText(b.text);
    return r;
  }
}
const usage = { inputTokens: 10, outputTokens: 5 };
const toolTurn = (...names: string[]): ModelTurn => ({
  content: names.map((name, i) => ({ type: 'tool_use', id: `toolu_${i}_${name}`, name, input: {} })),
  stopReason: 'tool_use',
  usage,
  model: 'scripted',
});
const textTurn = (text: string): ModelTurn => ({
  content: [{ type: 'text', text }],
  stopReason: 'end_turn',
  usage,
  model: 'scripted',
});

describe('agent loop', () => {
  it('answers with the offline model and stores question, call, results and answer in order', async () => {
    const events: AgentEvent[] = [];
    const r = await runAgent({ ...base, message: 'What was revenue last month and how much cash do we have?' }, (e) =>
      events.push(e),
    );
    expect(r.toolCalls.map((c) => c.name)).toEqual(['get_metrics', 'get_cash_position']);
    expect(r.text).toMatch(/Revenue in October 2026 was \$[\d,]+\.\d{2}\./);
    expect(r.text, r.text).toMatch(/As of 22 November 2026 you have \$[\d,]+\.\d{2} in the bank/);
    expect(r.unmatchedFigures).toEqual([]);
    expect(r.stopReason).toBe('end_turn');

    const rows = await messagesOf(r.conversationId);
    expect(rows.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(rows.map((m) => m.seq)).toEqual([0, 1, 2, 3]);
    expectNoDanglingCalls(rows);
    expect(rows[3]!.model).toBe('offline');

    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types.at(-1)).toBe('end');
    expect(types.filter((x) => x === 'tool_finished')).toHaveLength(2);
    expect(
      events
        .filter((e) => e.type === 'text')
        .map((e) => (e as { delta: string }).delta)
        .join(''),
    ).toBe(r.text);

    const [calls] = await withBusiness(t.db, base.business.id, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from tool_calls where conversation_id = ${r.conversationId}`,
      ),
    );
    expect(Number(calls!.n)).toBe(2);
  });

  it('the figures the offline model states are the tools’ figures for the period it names', async () => {
    const r = await runAgent({ ...base, message: 'What were expenses in September 2026?' });
    const [row] = await withBusiness(t.db, base.business.id, (tx) =>
      queryRows<{ expenses: string }>(
        tx,
        sql`select expenses::text from metric_snapshots where period_type = 'month' and period_start = '2026-09-01'`,
      ),
    );
    const shown = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(
      row!.expenses as `${number}`,
    );
    expect(r.text).toContain(`Expenses in September 2026 was ${shown}`);
  });

  it('maps one session id to one conversation, and history carries over', async () => {
    const a = await runAgent({
      ...base,
      conversation: { sessionId: 'n8n-session-1' },
      message: 'How much cash do we have?',
    });
    const b = await runAgent({ ...base, conversation: { sessionId: 'n8n-session-1' }, message: 'What is our runway?' });
    expect(b.conversationId).toBe(a.conversationId);
    const rows = await messagesOf(a.conversationId);
    expect(rows.filter((m) => m.role === 'user' && m.content[0]?.type === 'text')).toHaveLength(2);
    expectNoDanglingCalls(rows);

    let seen: ChatMessage[] = [];
    const spy = new ScriptedModel((req) => {
      seen = req.messages;
      return textTurn('Noted.');
    });
    await runAgent({ ...base, model: spy, conversation: { id: a.conversationId }, message: 'Thanks' });
    expect(seen[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'How much cash do we have?' }] });
    expect(seen.at(-1)).toEqual({ role: 'user', content: [{ type: 'text', text: 'Thanks' }] });
  });

  it('the offline model answers a follow-up from the conversation’s topic, through stored history', async () => {
    const session = { sessionId: 'follow-up-1' };
    const first = await runAgent({ ...base, conversation: session, message: 'What were expenses in August 2026?' });
    expect(first.toolCalls.map((c) => [c.name, c.input])).toEqual([
      ['get_metrics', { periodType: 'month', date: '2026-08-01' }],
    ]);
    const second = await runAgent({ ...base, conversation: session, message: 'and the month before that?' });
    expect(second.toolCalls.map((c) => [c.name, c.input])).toEqual([
      ['get_metrics', { periodType: 'month', date: '2026-07-01' }],
    ]);
    expect(second.text).toMatch(/July 2026/);
    expect(second.unmatchedFigures).toEqual([]);
    // A new conversation has no topic to follow.
    const alone = await runAgent({ ...base, message: 'and the month before that?' });
    expect(alone.toolCalls).toEqual([]);
  });
  it('runs independent tool calls of one turn concurrently', async () => {
    const events: AgentEvent[] = [];
    const model = new ScriptedModel((_req, call) =>
      call === 0 ? toolTurn('get_runway', 'get_cash_position') : textTurn('Done.'),
    );
    const r = await runAgent({ ...base, model, message: 'runway and cash' }, (e) => events.push(e));
    const order = events.filter((e) => e.type.startsWith('tool_')).map((e) => e.type);
    expect(order).toEqual(['tool_started', 'tool_started', 'tool_finished', 'tool_finished']);
    expect(r.toolCalls.every((c) => c.ok)).toBe(true);
  });

  it('a model failure mid-turn leaves a consistent conversation with an error answer', async () => {
    const events: AgentEvent[] = [];
    const model = new ScriptedModel((_req, call) => (call === 0 ? toolTurn('get_runway') : new Error('stream cut')));
    const r = await runAgent({ ...base, model, message: 'runway?' }, (e) => events.push(e));
    expect(r.stopReason).toBe('error');
    expect(r.text).toMatch(/could not finish/);
    expect(events.some((e) => e.type === 'error')).toBe(true);
    expectNoDanglingCalls(await messagesOf(r.conversationId));
  });

  it('a failing tool becomes an error result the model sees, not a crash', async () => {
    let seen: ChatMessage[] = [];
    const model = new ScriptedModel((req, call) => {
      seen = req.messages;
      return call === 0
        ? {
            ...toolTurn('no_such_tool'),
            content: [{ type: 'tool_use', id: 'toolu_x', name: 'get_metrics', input: { date: 'yesterday' } }],
          }
        : textTurn('The date was wrong.');
    });
    const r = await runAgent({ ...base, model, message: 'metrics' });
    const result = seen.at(-1)!.content[0]!;
    expect(result).toMatchObject({ type: 'tool_result', is_error: true });
    expect((result as { content: string }).content).toMatch(/invalid_input: get_metrics: date/);
    expect(r.toolCalls[0]!.ok).toBe(false);
    expectNoDanglingCalls(await messagesOf(r.conversationId));
  });

  it('stops at the step limit and the token budget, still consistent', async () => {
    const greedy = () => new ScriptedModel(() => toolTurn('get_sync_status'));
    const steps = await runAgent({ ...base, model: greedy(), maxSteps: 3, message: 'loop' });
    expect(steps.stopReason).toBe('step_limit');
    expect(steps.toolCalls).toHaveLength(3);
    expectNoDanglingCalls(await messagesOf(steps.conversationId));
    const budget = await runAgent({ ...base, model: greedy(), tokenBudget: 30, message: 'loop' });
    expect(budget.stopReason).toBe('token_budget');
    expect(budget.toolCalls).toHaveLength(2);
  });

  it('records figures no tool result supports', async () => {
    const model = new ScriptedModel((_req, call) =>
      call === 0 ? toolTurn('get_cash_position') : textTurn('You have about $1,234,567.89 in the bank.'),
    );
    const r = await runAgent({ ...base, model, message: 'cash?' });
    expect(r.unmatchedFigures).toEqual(['$1,234,567.89']);
    const rows = await messagesOf(r.conversationId);
    expect(rows.at(-1)!.unmatched_figures).toEqual(['$1,234,567.89']);
  });

  it('rejects empty and oversized questions before storing anything', async () => {
    await expect(runAgent({ ...base, message: '   ' })).rejects.toThrow(/ask a question/);
    await expect(runAgent({ ...base, message: 'x'.repeat(9000) })).rejects.toThrow(/at most 8000/);
  });

  it('another business cannot continue or read a conversation', async () => {
    const r = await runAgent({ ...base, message: 'How much cash do we have?' });
    await expect(
      runAgent({
        ...base,
        business: { id: otherBusinessId, name: 'Other Co', baseCurrency: 'USD' },
        conversation: { id: r.conversationId },
        message: 'and?',
      }),
    ).rejects.toThrow(/No conversation/);
    expect(await messagesOf(r.conversationId, otherBusinessId)).toEqual([]);
    await expect(runAgent({ ...base, conversation: { id: 'not-a-uuid' }, message: 'hi' })).rejects.toThrow(
      /No conversation/,
    );
  });

  it('keeps a window of history and summarizes the questions before it', async () => {
    let id = '';
    for (const q of ['How much cash do we have?', 'What is our runway?', 'Who owes us money?', 'What do we owe?']) {
      id = (await runAgent({ ...base, conversation: id ? { id } : {}, message: q })).conversationId;
    }
    const h = await withBusiness(t.db, base.business.id, async (tx) => {
      const conv = await openConversation(tx, base.business.id, 'cli', { id }, '');
      return loadHistory(tx, base.business.id, conv, 6);
    });
    expect(h.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: 'What do we owe?' }] });
    expect(h.summary).toBe(
      'Earlier in this conversation the user asked: “How much cash do we have?”; “What is our runway?”; “Who owes us money?”',
    );
  });

  it('drizzle/0011 numbers on after the last stored message of every conversation, in every business', async () => {
    const a = (await runAgent({ ...base, message: 'How much cash do we have?' })).conversationId;
    const b = (
      await runAgent({
        ...base,
        business: { id: otherBusinessId, name: 'Other Co', baseCurrency: 'USD' },
        message: 'What is our runway?',
      })
    ).conversationId;
    // As before the migration: no counter yet.
    await withSystem(t.db, (tx) => tx.execute(sql`update agent_conversations set next_seq = 0`));
    const backfill = readFileSync(join(MIGRATIONS_FOLDER, '0011_conversation_next_seq.sql'), 'utf8')
      .split('--> statement-breakpoint')
      .filter((statement) => !/^\s*ALTER TABLE/i.test(statement));
    // In one transaction, as drizzle's migrator runs a migration.
    await t.db.transaction(async (tx) => {
      for (const statement of backfill) await tx.execute(sql.raw(statement));
    });
    const counters = await withSystem(t.db, (tx) =>
      queryRows<{ id: string; next_seq: number; after_last: number }>(
        tx,
        sql`select c.id, c.next_seq, (select max(seq) + 1 from agent_messages m where m.conversation_id = c.id) as after_last
            from agent_conversations c where c.id in (${a}, ${b})`,
      ),
    );
    expect(counters).toHaveLength(2);
    for (const c of counters) expect(c.next_seq).toBe(c.after_last);
    // The setting the migration turned on for itself is off again.
    expect(await queryRows(t.db, sql`select 1 from agent_conversations`)).toEqual([]);
    const next = await runAgent({ ...base, conversation: { id: a }, message: 'What is our runway?' });
    expect(next.conversationId).toBe(a);
    const seqs = await withBusiness(t.db, base.business.id, (tx) =>
      queryRows<{ seq: number }>(tx, sql`select seq from agent_messages where conversation_id = ${a} order by seq`),
    );
    expect(seqs.map((r) => r.seq)).toEqual(seqs.map((_, i) => i));
  });

  it('in a long conversation: messages keep numbering on, and the summary is the same one all its questions make', async () => {
    const short = Array.from({ length: 450 }, (_, i) => `q${i}`); // short questions: the most a summary holds
    const long = Array.from({ length: 30 }, (_, i) => `${'What was revenue in each month of '.repeat(5)}${i}?`);
    for (const questions of [short, long]) {
      const { id, seqs } = await withBusiness(t.db, base.business.id, async (tx) => {
        const conv = await openConversation(tx, base.business.id, 'cli', {}, questions[0]!);
        // Each question followed by a tool result, which is a user turn too but not a question.
        for (const q of questions)
          await appendMessages(tx, base.business.id, conv.id, [
            { role: 'user', content: [{ type: 'text', text: q }] },
            { role: 'assistant', content: [{ type: 'tool_use', id: `t-${q.length}`, name: 'get_metrics', input: {} }] },
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: `t-${q.length}`, content: '{}' }] },
            { role: 'assistant', content: [{ type: 'text', text: 'An answer.' }] },
          ]);
        const seqs = await queryRows<{ seq: number }>(
          tx,
          sql`select seq from agent_messages where conversation_id = ${conv.id} order by seq`,
        );
        return { id: conv.id, seqs: seqs.map((r) => r.seq) };
      });
      expect(seqs).toEqual(Array.from({ length: questions.length * 4 }, (_, i) => i));
      const h = await withBusiness(t.db, base.business.id, async (tx) =>
        loadHistory(tx, base.business.id, await openConversation(tx, base.business.id, 'cli', { id }, ''), 8),
      );
      const summaryOf = (before: string[]) =>
        `Earlier in this conversation the user asked: ${before.map((q) => `“${q.slice(0, 120)}”`).join('; ')}`.slice(
          0,
          2000,
        );
      expect(h.messages[0]).toEqual({ role: 'user', content: [{ type: 'text', text: questions.at(-2) }] });
      expect(h.summary).toBe(summaryOf(questions.slice(0, -2)));
      expect(h.summary).toHaveLength(2000);

      // Stored full, the summary is kept as the conversation goes on, and is still what all its questions make.
      await withBusiness(t.db, base.business.id, (tx) =>
        appendMessages(tx, base.business.id, id, [
          { role: 'user', content: [{ type: 'text', text: 'And now?' }] },
          { role: 'assistant', content: [{ type: 'text', text: 'An answer.' }] },
        ]),
      );
      const again = await withBusiness(t.db, base.business.id, async (tx) =>
        loadHistory(tx, base.business.id, await openConversation(tx, base.business.id, 'cli', { id }, ''), 8),
      );
      expect(again.messages.at(-2)).toEqual({ role: 'user', content: [{ type: 'text', text: 'And now?' }] });
      expect(again.summary).toBe(summaryOf(questions.slice(0, -1)));
    }
  });
});
