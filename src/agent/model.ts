/**
 * The one interface both models implement. Messages are in the Anthropic Messages API shape (content
 * blocks: text, tool_use, tool_result), which is also what `agent_messages.content` stores, so history goes
 * back to either model unchanged.
 */

export type TextBlock = { type: 'text'; text: string };
export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };
export type ToolResultBlock = { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };
export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON Schema of the input object. */
  inputSchema: Record<string, unknown>;
}

/** What a model may know about the business beyond the prompt; the offline model needs it to resolve dates. */
export interface TurnContext {
  today: string;
  currency: string;
  businessName: string;
  /** Month (1–12) in which the financial year ends. */
  fyEndMonth: number;
}

export interface ModelRequest {
  system: string;
  tools: ToolSpec[];
  messages: ChatMessage[];
  maxTokens: number;
  context: TurnContext;
  signal?: AbortSignal | undefined;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelTurn {
  content: (TextBlock | ToolUseBlock)[];
  stopReason: 'end_turn' | 'tool_use' | 'max_tokens' | 'refusal';
  usage: Usage;
  model: string;
}

export interface Model {
  /** e.g. "offline" or the Anthropic model id. */
  readonly id: string;
  /** One model turn; text is streamed through `onText` as it arrives, the whole turn is returned. */
  turn(req: ModelRequest, onText: (delta: string) => void): Promise<ModelTurn>;
}

export const textOf = (content: ContentBlock[]): string =>
  content
    .filter((b): b is TextBlock => b.type === 'text')
    .map((b) => b.text)
    .join('');
