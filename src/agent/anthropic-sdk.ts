/**
 * @anthropic-ai/sdk, loaded on first use: a service running the offline model never loads it (about 11 MB
 * of resident memory, measured next to the service's other modules).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { loadOnce } from '../load-once';

export type AnthropicSdk = typeof Anthropic;

export const loadAnthropic = loadOnce(() => import('@anthropic-ai/sdk').then((m) => m.default));

export interface ClientOptions {
  apiKey: string;
  baseURL?: string | undefined;
  timeoutMs?: number | undefined;
  maxRetries: number;
}

/** One client per adapter, made the first time it is needed. */
export function lazyClient(opts: ClientOptions): () => Promise<Anthropic> {
  return loadOnce(async () => {
    const Sdk = await loadAnthropic();
    return new Sdk({
      apiKey: opts.apiKey,
      ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
      timeout: opts.timeoutMs ?? 60_000,
      maxRetries: opts.maxRetries,
    });
  });
}
