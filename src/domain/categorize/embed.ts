/**
 * Embeddings for similarity search, 256 dimensions to match `transactions.embedding`. The local default
 * needs no weights and no network: feature hashing of the normalized text's word tokens and character
 * trigrams (signed, so collisions cancel rather than pile up), L2-normalized, so cosine distance compares
 * merchants by shared words and spelling. An HTTP provider can call an OpenAI-compatible or Voyage endpoint.
 */
import { UpstreamError } from '../../errors';

export const EMBEDDING_DIMENSIONS = 256;

export interface Embedder {
  readonly id: string;
  embed(texts: string[]): Promise<number[][]>;
}

/** FNV-1a, 32 bit: fast and stable across processes and versions. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function hashEmbedding(text: string): number[] {
  const v = new Float64Array(EMBEDDING_DIMENSIONS);
  const add = (feature: string, weight: number) => {
    const h = fnv1a(feature);
    v[h % EMBEDDING_DIMENSIONS]! += (h & 0x80000000 ? -1 : 1) * weight;
  };
  const words = text.split(' ').filter(Boolean);
  words.forEach((w, i) => {
    // The first words name the merchant; later ones are often a town, a product or a branch, and must not
    // make two merchants in the same town look alike.
    const lead = i < 2;
    add(`w:${w}`, lead ? 2 : 0.5);
    if (!lead) return;
    const padded = ` ${w} `;
    for (let j = 0; j + 3 <= padded.length; j++) add(`c:${padded.slice(j, j + 3)}`, 0.5);
  });
  if (words.length > 1) add(`b:${words[0]} ${words[1]}`, 1);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  // An empty text gets a fixed unit vector rather than zeros (cosine distance needs a length).
  if (!norm) {
    const unit = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
    unit[0] = 1;
    return unit;
  }
  return Array.from(v, (x) => Math.round((x / norm) * 1e6) / 1e6);
}

export class LocalEmbedder implements Embedder {
  readonly id = 'local-hash-256';
  async embed(texts: string[]): Promise<number[][]> {
    return texts.map(hashEmbedding);
  }
}

/** OpenAI-compatible (`/v1/embeddings`, `{ model, input, dimensions }`) or Voyage (`output_dimension`). */
export class HttpEmbedder implements Embedder {
  readonly id: string;
  constructor(private readonly opts: { url: string; apiKey: string; model: string; timeoutMs?: number }) {
    this.id = `http:${opts.model}`;
  }

  async embed(texts: string[]): Promise<number[][]> {
    if (!texts.length) return [];
    const res = await fetch(this.opts.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: this.opts.model,
        input: texts,
        dimensions: EMBEDDING_DIMENSIONS,
        output_dimension: EMBEDDING_DIMENSIONS,
      }),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
    }).catch((err: unknown) => {
      throw new UpstreamError(
        'embeddings',
        `could not reach ${new URL(this.opts.url).host}: ${(err as Error).message}`,
      );
    });
    if (!res.ok) throw new UpstreamError('embeddings', `answered ${res.status}`);
    const body = (await res.json()) as { data?: { index?: number; embedding: number[] }[] };
    const data = [...(body.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    if (data.length !== texts.length || data.some((d) => d.embedding?.length !== EMBEDDING_DIMENSIONS))
      throw new UpstreamError('embeddings', `expected ${texts.length} vectors of ${EMBEDDING_DIMENSIONS} dimensions`);
    return data.map((d) => d.embedding);
  }
}

/** The configured embedder: the HTTP provider when EMBEDDINGS_URL is set, else the local one. */
export function createEmbedder(embeddings: { url: string; apiKey: string; model: string } | undefined): Embedder {
  return embeddings ? new HttpEmbedder(embeddings) : new LocalEmbedder();
}
