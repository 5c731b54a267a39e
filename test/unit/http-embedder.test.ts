import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpEmbedder } from '../../src/domain/categorize/embed';

let url = '';
let seen: { auth?: string; body?: { model: string; input: string[]; dimensions: number } } = {};
let status = 200;
const server = createServer(async (req, res) => {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  seen = { auth: req.headers.authorization, body: JSON.parse(Buffer.concat(parts).toString()) };
  if (status !== 200) return res.writeHead(status).end('{}');
  const data = seen.body!.input.map((_, i) => ({
    index: i,
    embedding: Array.from({ length: 256 }, (_, j) => (j === i ? 1 : 0)),
  }));
  // Out of order on purpose: the client must sort by index.
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: data.reverse() }));
});

beforeAll(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/embeddings`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HTTP embedder (OpenAI-compatible)', () => {
  it('sends model, input and 256 dimensions with the key, and returns vectors in input order', async () => {
    status = 200;
    const e = new HttpEmbedder({ url, apiKey: 'sk-test', model: 'text-embedding-3-small' });
    const v = await e.embed(['a', 'b']);
    expect(seen.auth).toBe('Bearer sk-test');
    expect(seen.body).toMatchObject({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 256 });
    expect(v[0]![0]).toBe(1);
    expect(v[1]![1]).toBe(1);
  });

  it('an error status is an upstream error', async () => {
    status = 503;
    await expect(new HttpEmbedder({ url, apiKey: 'k', model: 'm' }).embed(['a'])).rejects.toThrow(
      /embeddings: answered 503/,
    );
  });
});
