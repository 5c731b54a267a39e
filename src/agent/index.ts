/** The agent's entry points: pick the model from configuration, run a turn. */
import type { Config } from '../config';
import type { CategoryModel } from '../domain/categorize/model';
import type { Logger } from '../logger';
import { AnthropicModel } from './anthropic';
import { AnthropicCategoryModel } from './categorize';
import type { Model } from './model';
import { OfflineModel } from './offline';

export { type AgentEvent, type AgentOptions, type AgentResult, runAgent } from './loop';
export type { Model } from './model';

/** Claude when a key is configured, otherwise the offline model, so the service always answers. */
export function createModel(anthropic: Config['anthropic'], logger: Logger): Model {
  if (!anthropic.apiKey) return new OfflineModel();
  return new AnthropicModel({
    apiKey: anthropic.apiKey,
    baseURL: anthropic.baseUrl,
    model: anthropic.model,
    logger: logger.child({ component: 'anthropic' }),
  });
}

/** Claude as the categorization model when a key is set; offline there is none (unsure lines go to review). */
export function createCategoryModel(anthropic: Config['anthropic']): CategoryModel | undefined {
  if (!anthropic.apiKey) return undefined;
  return new AnthropicCategoryModel({ apiKey: anthropic.apiKey, baseURL: anthropic.baseUrl, model: anthropic.model });
}
