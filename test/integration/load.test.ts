/**
 * Load: 200 chat sessions at once against the listening service on the offline model, each asking question
 * after question for 20 s (CFO_LOAD_SECONDS=60 for the full run). Zero errors; afterwards every question
 * and every answer is counted in the database (each turn stored whole); p50 and p99 are reported.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { loadConfig } from '../../src/config';
import { queryRows, withBusiness } from '../../src/db/client';
import { createDemoCompany } from '../../src/demo/load';
import { createApp } from '../../src/http/app';
import { listen, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { onPostgres, useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const SESSIONS = 200;
const SECONDS = Number(process.env.CFO_LOAD_SECONDS ?? 20);
const TODAY = '2026-11-22';
const QUESTIONS = [
  'How much cash do we have?',
  'What is our runway?',
  'Who owes us money?',
  'What was revenue last month?',
  'What is our MRR?',
  'What should we look at first?',
];
let server: RunningServer;
let key = '';
let businessId = '';

beforeAll(async () => {
  businessId = (await createDemoCompany(t.database, { today: new Date(`${TODAY}T09:00:00Z`), transactions: 3000 }))
    .businessId;
  key = (await createApiKey(t.db, { businessId, name: 'load', scopes: ['read'] })).key;
  const config = loadConfig({
    DATA_DIR: '/tmp/cfo-load',
    ENCRYPTION_KEY: '2b'.repeat(32),
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  server = await listen(
    createApp({ config, database: t.database, logger: createLogger('silent'), today: () => TODAY }),
    0,
    '127.0.0.1',
  );
}, 120_000);
afterAll(async () => {
  await server?.close(2000);
});

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

describe('load', () => {
  it(
    `${SESSIONS} chat sessions for ${SECONDS} s: no errors, every message stored`,
    async () => {
      const latencies: number[] = [];
      const errors: string[] = [];
      const turns = new Map<string, number>();
      const end = Date.now() + SECONDS * 1000;
      const session = async (n: number) => {
        const sessionId = `load-${n}`;
        let conversationId: string | undefined;
        let i = n;
        while (Date.now() < end) {
          const t0 = performance.now();
          const res = await fetch(`${server.url}/v1/chat`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ message: QUESTIONS[i++ % QUESTIONS.length], sessionId }),
          }).catch((err: Error) => err);
          if (res instanceof Error) {
            errors.push(`${sessionId}: ${res.message}`);
            continue;
          }
          const body = (await res.json()) as { conversationId?: string; answer?: string; stopReason?: string };
          if (res.status !== 200 || !body.answer || body.stopReason === 'error') {
            errors.push(`${sessionId}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
            continue;
          }
          latencies.push(performance.now() - t0);
          conversationId ??= body.conversationId;
          expect(body.conversationId).toBe(conversationId);
          turns.set(conversationId!, (turns.get(conversationId!) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: SESSIONS }, (_, n) => session(n)));

      const total = latencies.length;
      const report = {
        database: onPostgres ? 'postgres' : 'pglite',
        sessions: SESSIONS,
        seconds: SECONDS,
        turns: total,
        turnsPerSecond: Math.round(total / SECONDS),
        p50Ms: Math.round(pct(latencies, 50)),
        p99Ms: Math.round(pct(latencies, 99)),
        errors: errors.length,
      };
      console.log(`load: ${JSON.stringify(report)}`);
      expect(errors.slice(0, 5)).toEqual([]);
      expect(turns.size).toBe(SESSIONS); // every session got through at least once
      expect(total).toBeGreaterThanOrEqual(SESSIONS);

      // Every question and every final answer is in the database: one of each per turn, per conversation.
      const stored = await withBusiness(t.db, businessId, (tx) =>
        queryRows<{ id: string; questions: number; answers: number; dangling: number }>(
          tx,
          sql`select c.id::text,
                   count(*) filter (where m.role = 'user' and m.content @> '[{"type":"text"}]')::int as questions,
                   count(*) filter (where m.role = 'assistant' and not m.content @> '[{"type":"tool_use"}]')::int as answers,
                   count(*) filter (where m.role = 'assistant' and m.content @> '[{"type":"tool_use"}]'
                     and not exists (select 1 from agent_messages r where r.business_id = m.business_id
                       and r.conversation_id = m.conversation_id and r.seq = m.seq + 1
                       and r.content @> '[{"type":"tool_result"}]'))::int as dangling
            from agent_conversations c join agent_messages m on m.business_id = c.business_id and m.conversation_id = c.id
            where c.session_id like 'load-%' group by c.id`,
        ),
      );
      expect(stored).toHaveLength(SESSIONS);
      for (const c of stored) {
        expect(c.questions, c.id).toBe(turns.get(c.id));
        expect(c.answers, c.id).toBe(turns.get(c.id));
        expect(c.dangling, c.id).toBe(0);
      }
    },
    (SECONDS + 120) * 1000,
  );
});
