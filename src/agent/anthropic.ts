/**
 * The Claude adapter (Messages API through @anthropic-ai/sdk): streams text as it arrives, lets the model
 * ask for several tools in one turn, caches the system prompt and tool definitions, and survives
 * rate limits and overload — the SDK retries first (honouring `retry-after`), then this adapter backs off
 * a little longer, but only while nothing has been streamed, so a client never sees text twice.
 */

import type Anthropic from '@anthropic-ai/sdk';
import { backoffDelay } from '../backoff';
import { UpstreamError } from '../errors';
import type { Logger } from '../logger';
import { type AnthropicSdk, lazyClient, loadAnthropic } from './anthropic-sdk';
import type { Model, ModelRequest, ModelTurn, TextBlock, ToolUseBlock } from './model';

/**
 * The newest Sonnet in the installed SDK's model list that the SDK does not mark deprecated; a test reads
 * the SDK's own list and fails when an upgrade makes this stale.
 */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

export interface AnthropicOptions {
  apiKey: string;
  baseURL?: string | undefined;
  model?: string | undefined;
  /** Per request, in ms (default 60 s): for the answer to start, and then between two events of its stream. */
  timeoutMs?: number;
  /** SDK retries per request (default 2). */
  maxRetries?: number;
  /** Extra attempts after the SDK gives up on 429/529/5xx (default 2), with exponential backoff. */
  overloadRetries?: number;
  /** First backoff in ms (default 1 s); tests shorten it. */
  backoffMs?: number;
  logger: Logger;
}

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504, 529]);

export class AnthropicModel implements Model {
  readonly id: string;
  private readonly client: () => Promise<Anthropic>;

  constructor(private readonly opts: AnthropicOptions) {
    this.id = opts.model ?? DEFAULT_ANTHROPIC_MODEL;
    this.client = lazyClient({ ...opts, maxRetries: opts.maxRetries ?? 2 });
  }

  async turn(req: ModelRequest, onText: (delta: string) => void): Promise<ModelTurn> {
    const Anthropic = await loadAnthropic();
    const attempts = 1 + (this.opts.overloadRetries ?? 2);
    for (let attempt = 1; ; attempt++) {
      let streamed = false;
      try {
        return await this.once(req, (d) => {
          streamed = true;
          onText(d);
        });
      } catch (err) {
        if (req.signal?.aborted || err instanceof Anthropic.APIUserAbortError) throw err;
        const status = err instanceof Anthropic.APIError ? err.status : undefined;
        const retryable =
          status === undefined
            ? err instanceof Anthropic.APIConnectionError || err instanceof StreamStalled
            : RETRYABLE.has(status);
        if (!retryable || streamed || attempt >= attempts) throw toDomainError(Anthropic, err);
        const wait = backoffDelay(attempt, { baseMs: this.opts.backoffMs ?? 1000, jitter: 0.25 });
        this.opts.logger.warn({ status, attempt, waitMs: Math.round(wait) }, 'Anthropic unavailable, backing off');
        await sleep(wait, () => new Anthropic.APIUserAbortError(), req.signal);
      }
    }
  }

  private async once(req: ModelRequest, onText: (delta: string) => void): Promise<ModelTurn> {
    const last = req.tools.length - 1;
    const stalled = new AbortController();
    const client = await this.client();
    const stream = client.messages.stream(
      {
        model: this.id,
        max_tokens: req.maxTokens,
        // Cache breakpoints on the system prompt and on the last tool: both are the same on every turn.
        system: [{ type: 'text', text: req.system, cache_control: { type: 'ephemeral' } }],
        tools: req.tools.map((t, i) => ({
          name: t.name,
          description: t.description,
          input_schema: t.inputSchema as Anthropic.Tool['input_schema'],
          ...(i === last ? { cache_control: { type: 'ephemeral' as const } } : {}),
        })),
        messages: req.messages as Anthropic.MessageParam[],
      },
      { signal: req.signal ? AbortSignal.any([req.signal, stalled.signal]) : stalled.signal },
    );
    // The SDK's timeout covers the wait for the response to start; a stream that then goes quiet would
    // hang the turn for ever, so each event re-arms a timer of the same length.
    const timeoutMs = this.opts.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => stalled.abort(), timeoutMs);
    };
    stream.on('connect', arm);
    stream.on('streamEvent', arm);
    stream.on('text', (delta) => onText(delta));
    let message: Anthropic.Message;
    try {
      message = await stream.finalMessage();
    } catch (err) {
      if (stalled.signal.aborted && !req.signal?.aborted) throw new StreamStalled(timeoutMs);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    const content: (TextBlock | ToolUseBlock)[] = [];
    for (const block of message.content) {
      if (block.type === 'text') content.push({ type: 'text', text: block.text });
      else if (block.type === 'tool_use')
        content.push({
          type: 'tool_use',
          id: block.id,
          name: block.name,
          input: (block.input ?? {}) as Record<string, unknown>,
        });
    }
    const stop = message.stop_reason;
    return {
      content,
      stopReason:
        stop === 'tool_use'
          ? 'tool_use'
          : stop === 'max_tokens'
            ? 'max_tokens'
            : stop === 'refusal'
              ? 'refusal'
              : 'end_turn',
      usage: {
        inputTokens:
          message.usage.input_tokens +
          (message.usage.cache_creation_input_tokens ?? 0) +
          (message.usage.cache_read_input_tokens ?? 0),
        outputTokens: message.usage.output_tokens,
      },
      model: message.model || this.id,
    };
  }
}

class StreamStalled extends Error {
  constructor(readonly ms: number) {
    super(`the model stream stalled: nothing for ${ms / 1000} s`);
  }
}

function toDomainError(Anthropic: AnthropicSdk, err: unknown): Error {
  if (err instanceof StreamStalled) return new UpstreamError('anthropic', err.message);
  if (err instanceof Anthropic.APIConnectionTimeoutError)
    return new UpstreamError('anthropic', 'the model service did not answer in time');
  if (err instanceof Anthropic.APIError)
    return new UpstreamError('anthropic', `the model service answered ${err.status ?? 'with an error'}`, {
      status: err.status,
    });
  if (err instanceof Anthropic.APIConnectionError)
    return new UpstreamError('anthropic', 'the model service could not be reached');
  return new UpstreamError('anthropic', 'the model stream broke off');
}

function sleep(ms: number, aborted: () => Error, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(aborted());
      },
      { once: true },
    );
  });
}
