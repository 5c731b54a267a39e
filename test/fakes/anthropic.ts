/**
 * A fake Anthropic Messages API on port 0 that the real SDK talks to (`baseURL`). It streams the real SSE
 * event shapes — message_start, content_block_start, ping, content_block_delta (text_delta and
 * input_json_delta in pieces), content_block_stop, message_delta with usage, message_stop — each with its
 * `event:` line, and per test can answer 429 with retry-after, 529 overloaded, 500, or cut a stream off.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  headers: IncomingMessage['headers'];
  body: {
    model: string;
    max_tokens: number;
    stream?: boolean;
    system?: { type: string; text: string; cache_control?: unknown }[];
    tools?: { name: string; cache_control?: unknown }[];
    messages: { role: string; content: unknown }[];
  };
}

export type Reply =
  | { text: string }
  | { tools: { name: string; input: Record<string, unknown> }[]; text?: string }
  | { status: 429 | 500 | 529; retryAfter?: number }
  | { cutAfterText: string }
  /** No answer at all: the request is held open until the client gives up (or the fake closes). */
  | { hang: true }
  /** Text deltas, then silence on an open connection. */
  | { stallAfterText: string };

export type Script = (req: FakeRequest, n: number) => Reply;

export interface FakeAnthropic {
  url: string;
  requests: FakeRequest[];
  /** Requests the client gave up on (closed the connection before any answer): a timeout that works. */
  abandoned: number;
  /** What the next requests get; the default answers "Hello." */
  script: Script;
  close(): Promise<void>;
}

const KEY = 'sk-ant-test-key';
export const FAKE_ANTHROPIC_KEY = KEY;

function authorized(h: IncomingMessage['headers']): boolean {
  return h['x-api-key'] === KEY || h.authorization === `Bearer ${KEY}`;
}

function sse(res: ServerResponse, type: string, data: Record<string, unknown>) {
  res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

function chunks(s: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out.length ? out : [''];
}

function errorBody(status: number) {
  const type = status === 429 ? 'rate_limit_error' : status === 529 ? 'overloaded_error' : 'api_error';
  return JSON.stringify({ type: 'error', error: { type, message: `fake ${type}` } });
}

/** A request without `stream: true` (LangChain's, n8n's) gets the whole message as JSON. */
function answerWhole(res: ServerResponse, req: FakeRequest, reply: Reply, n: number) {
  if (!('text' in reply) && !('tools' in reply)) {
    res.writeHead(400, { 'content-type': 'application/json' }).end(errorBody(400));
    return;
  }
  const content = [
    ...(reply.text ? [{ type: 'text', text: reply.text }] : []),
    ...('tools' in reply
      ? reply.tools.map((t, i) => ({ type: 'tool_use', id: `toolu_fake_${n}_${i}`, name: t.name, input: t.input }))
      : []),
  ];
  res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${n}` }).end(
    JSON.stringify({
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      model: req.body.model,
      content,
      stop_reason: 'tools' in reply ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: JSON.stringify(req.body.messages).length >> 2, output_tokens: 20 },
    }),
  );
}

function stream(res: ServerResponse, req: FakeRequest, reply: Reply, n: number) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': `req_${n}` });
  const inputTokens = JSON.stringify(req.body.messages).length >> 2;
  sse(res, 'message_start', {
    message: {
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      model: req.body.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: inputTokens,
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  });
  sse(res, 'ping', {});
  let index = 0;
  let output = 0;
  const text =
    'cutAfterText' in reply
      ? reply.cutAfterText
      : 'stallAfterText' in reply
        ? reply.stallAfterText
        : 'text' in reply
          ? reply.text
          : undefined;
  if (text) {
    sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
    for (const piece of chunks(text, 12)) {
      sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      output += piece.length >> 2;
    }
    if ('cutAfterText' in reply) {
      // The connection drops mid-message, after the deltas reached the client: no content_block_stop, no message_stop.
      res.write('', () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if ('stallAfterText' in reply) return; // the connection stays open and says nothing more
    sse(res, 'content_block_stop', { index });
    index++;
  }
  if ('tools' in reply) {
    reply.tools.forEach((t, i) => {
      sse(res, 'content_block_start', {
        index,
        content_block: { type: 'tool_use', id: `toolu_fake_${n}_${i}`, name: t.name, input: {} },
      });
      for (const piece of chunks(JSON.stringify(t.input), 7))
        sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      sse(res, 'content_block_stop', { index });
      index++;
      output += 20;
    });
  }
  sse(res, 'message_delta', {
    delta: { stop_reason: 'tools' in reply ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: output },
  });
  sse(res, 'message_stop', {});
  res.end();
}

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  const fake: FakeAnthropic = {
    url: '',
    requests: [],
    abandoned: 0,
    script: () => ({ text: 'Hello.' }),
    close: async () => {},
  };
  const server: Server = createServer(async (req, res) => {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/messages') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody(404));
      return;
    }
    if (!authorized(req.headers)) {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
      return;
    }
    const request: FakeRequest = { headers: req.headers, body: JSON.parse(Buffer.concat(parts).toString('utf8')) };
    const n = fake.requests.push(request);
    const reply = fake.script(request, n);
    if ('status' in reply) {
      res
        .writeHead(reply.status, {
          'content-type': 'application/json',
          ...(reply.retryAfter !== undefined ? { 'retry-after': String(reply.retryAfter) } : {}),
          // Tell the SDK to leave retrying to the caller when the test wants to see the adapter's own backoff.
          ...(reply.status === 500 ? { 'x-should-retry': 'false' } : {}),
        })
        .end(errorBody(reply.status));
      return;
    }
    if ('hang' in reply) {
      res.on('close', () => {
        if (!res.headersSent) fake.abandoned++;
      });
      return;
    }
    if (!request.body.stream) {
      answerWhole(res, request, reply, n);
      return;
    }
    stream(res, request, reply, n);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
