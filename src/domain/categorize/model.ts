/**
 * The optional model step of categorization: bank lines that the business's rules and history could not
 * categorize confidently go to a language model in batches, with the business's own category list and, per
 * line, its nearest categorized examples. The interface lives here; the Claude adapter is in src/agent
 * (the only place the Anthropic SDK is used). Without a model (offline), such lines go to the review queue.
 */
export interface ModelLine {
  /** Normalized description and direction: the cache key. */
  key: string;
  text: string;
  direction: 'in' | 'out';
  amount: string;
  /** The business's nearest categorized lines, closest first. */
  examples: { text: string; category: string }[];
}

export interface ModelAnswer {
  key: string;
  category: string;
  /** The model's own 0–1 confidence; the usual threshold decides whether it is applied. */
  confidence: number;
}

export interface CategoryModel {
  /** Recorded with every cached answer. */
  readonly id: string;
  /** Answers only with names from `categories`; lines it cannot place are left out. */
  classify(lines: ModelLine[], categories: string[]): Promise<ModelAnswer[]>;
}

/** Lines per request: large enough to be cheap, small enough to answer well. */
export const MODEL_BATCH = 40;
