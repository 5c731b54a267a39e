/**
 * @anthropic-ai/sdk, loaded on first use: a service running the offline model never loads it (about 11 MB
 * of resident memory, measured next to the service's other modules).
 */
import type Anthropic from '@anthropic-ai/sdk';

export type AnthropicSdk = typeof Anthropic;

let loading: Promise<AnthropicSdk> | undefined;

export function loadAnthropic(): Promise<AnthropicSdk> {
  loading ??= import('@anthropic-ai/sdk').then((m) => m.default);
  return loading;
}

export interface ClientOptions {
  apiKey: string;
  baseURL?: string | undefined;
  timeoutMs?: number | undefined;
  maxRetries: number;
}

/** One client per adapter, made the first time it is needed. */
export function lazyClient(opts: ClientOptions): () => Promise<Anthropic> {
  let client: Promise<Anthropic> | undefined;
  return () => {
    client ??= loadAnthropic().then(
      (Sdk) =>
        new Sdk({
          apiKey: opts.apiKey,
          ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
          timeout: opts.timeoutMs ?? 60_000,
          maxRetries: opts.maxRetries,
        }),
    );
    return client;
  };
}
