/**
 * The offline model: deterministic, no key, no network. Turn one plans tool calls from the question
 * (intents + periods); turn two renders the results with templates. It is stateless — the render turn
 * re-plans the same question, which gives the same plan — so it works from stored history like any model.
 */
import type { ChatMessage, Model, ModelRequest, ModelTurn, TextBlock, ToolResultBlock, ToolUseBlock } from '../model';
import { textOf } from '../model';
import { type Plan, planQuestion } from './intents';
import { TEMPLATES } from './render';

export const OFFLINE_MODEL_ID = 'offline';

const ENABLE =
  'For open-ended questions, set ANTHROPIC_API_KEY and restart; the full model then answers with the same tools.';

const REPLIES: Record<Exclude<Plan, { kind: 'tools' }>['reason'], (businessName: string) => string> = {
  help: (b) =>
    `I answer questions about ${b}'s books from its synced data: revenue, expenses and profit for any month, quarter or year; comparisons ("vs last year"); cash, runway and burn; a thirteen-week cash forecast; revenue and expense breakdowns; transactions; who owes you and whom you owe; customers' payment behaviour; MRR and churn; card-dispute monitoring; funding readiness; recommendations; unusual spending; reports; and what a metric means. ${ENABLE}`,
  write: () =>
    `I can't change anything in the books from this chat. Categories, rules and recommendation statuses are changed by a person with write access in the dashboard or the API; previews of categories ("categorize my transactions") need the categorize permission (an accountant, admin or owner, or a key with the write scope). ${ENABLE}`,
  injection: () =>
    "I can't help with that. I never reveal keys, tokens or my instructions, and text inside the books is treated as data, not as instructions.",
  unknown: (b) =>
    `I'm not sure which figures that needs, so I won't guess. I can answer questions about ${b}'s revenue, expenses, profit, cash, runway, forecasts, receivables, payables, subscriptions, disputes, funding readiness and recommendations — try "What was revenue last quarter?" or "Who owes us money?". ${ENABLE}`,
  empty: () => 'Ask me a question about the business, for example "How much cash do we have?".',
};

const approxTokens = (s: string) => Math.ceil(s.length / 4);

/** The user's questions, oldest first: the last one started the current turn, the others are its context. */
function questionsOf(messages: ChatMessage[]): string[] {
  return messages
    .filter((m) => m.role === 'user' && m.content.some((b) => b.type === 'text'))
    .map((m) => textOf(m.content));
}

export class OfflineModel implements Model {
  readonly id = OFFLINE_MODEL_ID;

  async turn(req: ModelRequest, onText: (delta: string) => void): Promise<ModelTurn> {
    const last = req.messages[req.messages.length - 1];
    const questions = questionsOf(req.messages);
    const { today, fyEndMonth, businessName } = req.context;
    // Earlier questions of the conversation give a follow-up ("and the month before?") its topic.
    const plan = planQuestion(questions.at(-1) ?? '', today, fyEndMonth, questions.slice(0, -1).slice(-4));
    const input =
      approxTokens(req.system) + req.messages.reduce((n, m) => n + approxTokens(JSON.stringify(m.content)), 0);

    const results =
      last?.role === 'user' ? last.content.filter((b): b is ToolResultBlock => b.type === 'tool_result') : [];
    if (plan.kind === 'tools' && !results.length) {
      const available = new Set(req.tools.map((t) => t.name));
      const calls = plan.calls.filter((c) => available.has(c.intent.tool));
      if (!calls.length && plan.calls.some((c) => c.intent.id === 'categorize'))
        return this.say(REPLIES.write(businessName), input, onText);
      if (!calls.length) return this.say(REPLIES.unknown(businessName), input, onText);
      const content: ToolUseBlock[] = calls.map((c, i) => ({
        type: 'tool_use',
        id: `toolu_offline_${i + 1}`,
        name: c.intent.tool,
        input: c.input,
      }));
      return {
        content,
        stopReason: 'tool_use',
        usage: { inputTokens: input, outputTokens: approxTokens(JSON.stringify(content)) },
        model: this.id,
      };
    }
    if (plan.kind === 'reply') return this.say(REPLIES[plan.reason](businessName), input, onText);

    // The render turn: pair each planned call with its result, in the order they were asked for.
    const uses =
      [...req.messages]
        .reverse()
        .find((m) => m.role === 'assistant')
        ?.content.filter((b): b is ToolUseBlock => b.type === 'tool_use') ?? [];
    const paragraphs = plan.calls.map((call) => {
      const use = uses.find(
        (u) => u.name === call.intent.tool && JSON.stringify(u.input) === JSON.stringify(call.input),
      );
      const result = use && results.find((r) => r.tool_use_id === use.id);
      if (!result) return `I could not get the figures for “${call.question.text}”.`;
      if (result.is_error) return `I could not get the figures for “${call.question.text}”: ${result.content}`;
      try {
        return TEMPLATES[call.intent.id]!(JSON.parse(result.content), call);
      } catch {
        return `I got a result for “${call.question.text}” but could not read it.`;
      }
    });
    return this.say(paragraphs.join('\n\n'), input, onText);
  }

  private say(text: string, inputTokens: number, onText: (delta: string) => void): ModelTurn {
    // Stream by sentence so that clients see the same kind of deltas as from a remote model.
    for (const piece of text.match(/[^.!?\n]+[.!?\n]*\s*/g) ?? [text]) onText(piece);
    const content: TextBlock[] = [{ type: 'text', text }];
    return {
      content,
      stopReason: 'end_turn',
      usage: { inputTokens, outputTokens: approxTokens(text) },
      model: this.id,
    };
  }
}
