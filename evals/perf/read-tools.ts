/** Latency of every read tool through `invokeTool`, in the benchmark's own process, and each result's size. */
import type { Database } from '../../src/db/client';
import { createLogger } from '../../src/logger';
import { invokeTool, TOOLS, type ToolContext } from '../../tools';
import { percentile, sample } from './lib';

/** A representative input for each read tool (the rest take `{}`). */
export const READ_INPUTS: Record<string, Record<string, unknown>> = {
  get_report: { kind: 'profit_and_loss' },
  explain_metric: { metric: 'dso' },
  compare_periods: {},
};

export const readTools = () => TOOLS.filter((t) => t.scope === 'read');

export interface ToolLatency {
  tool: string;
  p50: number;
  p95: number;
  p99: number;
  samples: number;
  bytes: number;
  ok: boolean;
}

export async function measureReadTools(
  database: Database,
  business: { id: string; name: string },
  today: string,
  o: { samples: number; budgetMs: number },
): Promise<ToolLatency[]> {
  const ctx: ToolContext = {
    db: database.db,
    business: { ...business, baseCurrency: 'USD' },
    caller: { type: 'api_key', id: 'bench', scopes: ['read'] },
    channel: 'eval',
    today: () => today,
    logger: createLogger('silent'),
  };
  const out: ToolLatency[] = [];
  for (const tool of readTools()) {
    const input = READ_INPUTS[tool.name] ?? {};
    let bytes = 0;
    let ok = true;
    // A first call warms caches and plans; it is not counted.
    await invokeTool(tool, input, ctx);
    const ms = await sample(
      async () => {
        const r = await invokeTool(tool, input, ctx);
        ok &&= r.ok;
        if (r.ok) bytes = Math.max(bytes, r.bytes);
      },
      o.samples,
      o.budgetMs,
    );
    out.push({
      tool: tool.name,
      p50: percentile(ms, 50),
      p95: percentile(ms, 95),
      p99: percentile(ms, 99),
      samples: ms.length,
      bytes,
      ok,
    });
  }
  return out;
}
