/**
 * The agent loop, shared by every chat channel (HTTP, SSE, n8n, widget, `cfo chat`, evals). It stores the
 * question, runs model turns and tool calls until the model ends its turn or a step or token budget is hit,
 * and stores each step whole: an assistant `tool_use` is written in the same transaction as its
 * `tool_result`, so history never holds a dangling call. Clients get a stream of events as it goes.
 */
import { z } from 'zod';
import { type Channel, invokeTool, mayUse, TOOLS, type Tool, type ToolContext } from '../../tools';
import { type Db, withBusiness } from '../db/client';
import { DomainError, InvalidInputError } from '../errors';
import type { Logger } from '../logger';
import { loadPrompt } from '../prompts';
import { appendMessages, type ConversationRef, loadHistory, type NewMessage, openConversation } from './conversations';
import { unmatchedFigures } from './grounding';
import type { ChatMessage, Model, ModelTurn, TextBlock, ToolResultBlock, ToolSpec, ToolUseBlock, Usage } from './model';

export type AgentEvent =
  | { type: 'start'; conversationId: string }
  | { type: 'text'; delta: string }
  | { type: 'tool_started'; id: string; name: string; input: Record<string, unknown> }
  | {
      type: 'tool_finished';
      id: string;
      name: string;
      ok: boolean;
      ms: number;
      summary: string;
      /** The tool's result (bounded like every result), for clients that show tables and charts. */
      output?: Record<string, unknown>;
    }
  | ({ type: 'end' } & AgentResult)
  | { type: 'error'; code: string; message: string };

export interface AgentToolCall {
  name: string;
  input: Record<string, unknown>;
  ok: boolean;
  ms: number;
}

export interface AgentResult {
  conversationId: string;
  messageId: string;
  text: string;
  model: string;
  stopReason: ModelTurn['stopReason'] | 'step_limit' | 'token_budget' | 'cancelled' | 'error';
  steps: number;
  toolCalls: AgentToolCall[];
  usage: Usage;
  latencyMs: number;
  /** Figures in the answer that no tool result of this turn supports. */
  unmatchedFigures: string[];
}

export interface AgentOptions {
  db: Db;
  business: { id: string; name: string; baseCurrency: string; fyEndMonth?: number };
  model: Model;
  channel: Channel;
  caller: ToolContext['caller'];
  /** Where an HTTP caller came from (audit rows of the write tools). */
  request?: ToolContext['request'];
  logger: Logger;
  today: () => string;
  /** Passed to the tools (start_sync, push_categories_to_xero). */
  startSync?: ToolContext['startSync'];
  pushCategories?: ToolContext['pushCategories'];
  categoryModel?: ToolContext['categoryModel'];
  embedder?: ToolContext['embedder'];
  conversation?: ConversationRef;
  message: string;
  maxSteps?: number;
  /** Input + output tokens for the whole answer. */
  tokenBudget?: number;
  signal?: AbortSignal;
}

export const MAX_MESSAGE_CHARS = 8000;
const DEFAULT_STEPS = 8;
const DEFAULT_TOKEN_BUDGET = 200_000;
const MAX_OUTPUT_TOKENS = 4096;

const specs = new Map<string, ToolSpec>();
function specOf(tool: Tool): ToolSpec {
  let spec = specs.get(tool.name);
  if (!spec) {
    const { $schema: _, ...schema } = z.toJSONSchema(tool.input, { io: 'input' }) as Record<string, unknown>;
    spec = { name: tool.name, description: tool.description, inputSchema: schema };
    specs.set(tool.name, spec);
  }
  return spec;
}

/** The tools a caller may use, as the model sees them. */
export function toolsFor(caller: ToolContext['caller']): Tool[] {
  return TOOLS.filter((t) => mayUse(caller, t));
}

/** "total: 439803.38, asOf: 2026-11-22" — the scalar fields of a result, for progress displays. */
function summarize(output: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(output)) {
    if (v === null || typeof v === 'object') continue;
    parts.push(`${k}: ${String(v)}`);
    if (parts.join(', ').length > 100) break;
  }
  return parts.join(', ').slice(0, 120) || 'done';
}

export async function runAgent(opts: AgentOptions, emit: (e: AgentEvent) => void = () => {}): Promise<AgentResult> {
  const started = performance.now();
  const message = opts.message.trim();
  if (!message) throw new InvalidInputError('message: ask a question.');
  if (message.length > MAX_MESSAGE_CHARS)
    throw new InvalidInputError(`message: at most ${MAX_MESSAGE_CHARS} characters (this one has ${message.length}).`);
  const { db, business, model } = opts;

  // 1. The question is stored before anything can fail.
  const { conversation, history } = await withBusiness(db, business.id, async (tx) => {
    const conversation = await openConversation(tx, business.id, opts.channel, opts.conversation ?? {}, message);
    await appendMessages(tx, business.id, conversation.id, [
      { role: 'user', content: [{ type: 'text', text: message }] },
    ]);
    const history = await loadHistory(tx, business.id, conversation);
    return { conversation, history };
  });
  emit({ type: 'start', conversationId: conversation.id });

  const tools = toolsFor(opts.caller);
  const system =
    loadPrompt('system', { business_name: business.name, currency: business.baseCurrency, today: opts.today() }) +
    (history.summary ? `\n\n${history.summary}` : '');
  const messages: ChatMessage[] = history.messages;
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  const toolCalls: AgentToolCall[] = [];
  const results: unknown[] = [];
  const maxSteps = opts.maxSteps ?? DEFAULT_STEPS;
  const budget = opts.tokenBudget ?? DEFAULT_TOKEN_BUDGET;
  let steps = 0;
  let text = '';
  let stopReason: AgentResult['stopReason'] = 'end_turn';
  let modelId = model.id;

  const finish = async (final: string, extra: Partial<NewMessage> = {}): Promise<AgentResult> => {
    const unmatched = unmatchedFigures(final, results);
    const latencyMs = Math.round(performance.now() - started);
    const [messageId] = await withBusiness(db, business.id, (tx) =>
      appendMessages(tx, business.id, conversation.id, [
        {
          role: 'assistant',
          content: [{ type: 'text', text: final }],
          model: modelId,
          inputTokens: usage.inputTokens,
          outputTokens: usage.outputTokens,
          latencyMs,
          unmatchedFigures: unmatched.length ? unmatched : undefined,
          ...extra,
        },
      ]),
    );
    if (unmatched.length)
      opts.logger.warn({ conversationId: conversation.id, unmatched }, 'answer has ungrounded figures');
    const result: AgentResult = {
      conversationId: conversation.id,
      messageId: messageId!,
      text: final,
      model: modelId,
      stopReason,
      steps,
      toolCalls,
      usage,
      latencyMs,
      unmatchedFigures: unmatched,
    };
    emit({ type: 'end', ...result });
    return result;
  };

  while (true) {
    if (opts.signal?.aborted) {
      stopReason = 'cancelled';
      return finish(`${text}${text ? '\n\n' : ''}(Stopped: the request was cancelled.)`);
    }
    if (steps >= maxSteps) {
      stopReason = 'step_limit';
      return finish(
        `${text}${text ? '\n\n' : ''}I stopped after the most steps one answer may take; ask a narrower question for the rest.`,
      );
    }
    if (usage.inputTokens + usage.outputTokens >= budget) {
      stopReason = 'token_budget';
      return finish(
        `${text}${text ? '\n\n' : ''}I stopped at this answer's token budget; ask a narrower question for the rest.`,
      );
    }
    steps += 1;
    let turn: ModelTurn;
    try {
      turn = await model.turn(
        {
          system,
          tools: tools.map(specOf),
          messages,
          maxTokens: MAX_OUTPUT_TOKENS,
          context: {
            today: opts.today(),
            currency: business.baseCurrency,
            businessName: business.name,
            fyEndMonth: business.fyEndMonth ?? 12,
          },
          signal: opts.signal,
        },
        (delta) => emit({ type: 'text', delta }),
      );
    } catch (err) {
      // Nothing of the failed turn is kept but a note, so the conversation stays a valid alternation.
      stopReason = opts.signal?.aborted ? 'cancelled' : 'error';
      const reason = err instanceof DomainError ? err.message : 'the model did not answer';
      opts.logger.error({ err, conversationId: conversation.id }, 'model turn failed');
      emit({ type: 'error', code: err instanceof DomainError ? err.code : 'model_error', message: reason });
      return finish(`I could not finish this answer: ${reason}. Please try again.`);
    }
    modelId = turn.model;
    usage.inputTokens += turn.usage.inputTokens;
    usage.outputTokens += turn.usage.outputTokens;
    const turnText = turn.content
      .filter((b): b is TextBlock => b.type === 'text')
      .map((b) => b.text)
      .join('');
    const uses = turn.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
    if (!uses.length) {
      stopReason = turn.stopReason;
      return finish(`${text}${text && turnText ? '\n\n' : ''}${turnText}`.trim() || '(no answer)');
    }
    if (turnText) text += turnText;

    // 2. Independent tool calls run concurrently; each result is a tool_result, errors included.
    const outcomes = await Promise.all(
      uses.map(async (use) => {
        emit({ type: 'tool_started', id: use.id, name: use.name, input: use.input });
        const tool = tools.find((t) => t.name === use.name);
        const r = tool
          ? await invokeTool(tool, use.input, {
              db,
              business: { id: business.id, name: business.name, baseCurrency: business.baseCurrency },
              caller: opts.caller,
              ...(opts.request ? { request: opts.request } : {}),
              channel: opts.channel,
              today: opts.today,
              logger: opts.logger,
              conversationId: conversation.id,
              ...(opts.startSync ? { startSync: opts.startSync } : {}),
              ...(opts.pushCategories ? { pushCategories: opts.pushCategories } : {}),
              ...(opts.categoryModel ? { categoryModel: opts.categoryModel } : {}),
              ...(opts.embedder ? { embedder: opts.embedder } : {}),
            })
          : ({
              ok: false,
              error: { code: 'not_found', message: `No tool called ${use.name}.`, status: 404 },
              ms: 0,
            } as const);
        toolCalls.push({ name: use.name, input: use.input, ok: r.ok, ms: r.ms });
        if (r.ok) results.push(r.output);
        emit({
          type: 'tool_finished',
          id: use.id,
          name: use.name,
          ok: r.ok,
          ms: r.ms,
          summary: r.ok ? summarize(r.output) : r.error.message,
          ...(r.ok ? { output: r.output } : {}),
        });
        const block: ToolResultBlock = r.ok
          ? { type: 'tool_result', tool_use_id: use.id, content: JSON.stringify(r.output) }
          : {
              type: 'tool_result',
              tool_use_id: use.id,
              content: `${r.error.code}: ${r.error.message}`,
              is_error: true,
            };
        return block;
      }),
    );

    // 3. The call and its results are stored together.
    const assistant: ChatMessage = { role: 'assistant', content: turn.content };
    const toolResults: ChatMessage = { role: 'user', content: outcomes };
    await withBusiness(db, business.id, (tx) =>
      appendMessages(tx, business.id, conversation.id, [
        { ...assistant, model: turn.model, inputTokens: turn.usage.inputTokens, outputTokens: turn.usage.outputTokens },
        toolResults,
      ]),
    );
    messages.push(assistant, toolResults);
  }
}
