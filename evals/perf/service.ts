/**
 * The service as callers see it: `cfo serve` started as its own process on the benchmark's database, then
 * measured from outside over loopback HTTP — every read tool through `POST /v1/tools/{name}` and through MCP
 * (Streamable HTTP, a real SDK client), offline chat turns per second and MCP tool calls per second with 50
 * concurrent callers, and the service's peak resident memory (VmHWM of its process); and start-up: `npm start`'s
 * `cfo serve --demo` on an empty database until ready, and its stop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { percentile, sample } from './lib';
import { READ_INPUTS, readTools } from './read-tools';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const QUESTIONS = [
  'How much cash do we have?',
  'What is our runway?',
  'Who owes us money?',
  'What was revenue last month?',
  'What is our MRR?',
];

export interface Service {
  url: string;
  pid: number;
  /** From spawning the process to /readyz answering 200, in ms. */
  readyMs: number;
  /** SIGTERM, then its exit: the code and how long it took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/** `cfo serve` (or `cfo serve --demo`) on a free port with the given database, the offline model, no rate limits. */
export async function startService(
  where: { databaseUrl?: string; dataDir?: string },
  encryptionKey: string,
  args: string[] = ['serve'],
): Promise<Service> {
  const began = performance.now();
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'bin/cfo.mjs'), ...args], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      ENCRYPTION_KEY: encryptionKey,
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...(where.databaseUrl ? { DATABASE_URL: where.databaseUrl } : { DATA_DIR: where.dataDir! }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cfo serve did not start:\n${out}`)), 300_000);
    const read = (d: Buffer) => {
      out += d;
      const m = /cfo-agent listening on (http:\/\/[^"\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.on('exit', (code) => reject(new Error(`cfo serve exited with ${code}:\n${out}`)));
  });
  while (
    (await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  )
    await new Promise((r) => setTimeout(r, 50));
  return {
    url,
    pid: child.pid!,
    readyMs: performance.now() - began,
    stop: async () => {
      const t0 = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: performance.now() - t0 };
    },
  };
}

export interface StartUp {
  db: string;
  runs: number;
  readyMs: number;
  stopMs: number;
  /** Every run stopped by itself with code 0 (the forced exit after 10 s is code 1). */
  clean: boolean;
}

/**
 * What `npm start` costs on a fresh machine: `cfo serve --demo` on an empty database (migrations, Demo Co,
 * its figures) until /readyz answers, then SIGTERM until it has exited. Medians of `runs`, each on a new
 * database.
 */
export async function measureStartUp(
  db: string,
  runs: number,
  emptyDatabase: () => Promise<{ where: { databaseUrl?: string; dataDir?: string }; drop(): Promise<void> }>,
  encryptionKey: string,
): Promise<StartUp> {
  const ready: number[] = [];
  const stop: number[] = [];
  let clean = true;
  for (let i = 0; i < runs; i++) {
    const empty = await emptyDatabase();
    try {
      const service = await startService(empty.where, encryptionKey, ['serve', '--demo']);
      ready.push(service.readyMs);
      const stopped = await service.stop();
      stop.push(stopped.ms);
      clean &&= stopped.code === 0;
    } finally {
      await empty.drop();
    }
  }
  return { db, runs, readyMs: percentile(ready, 50), stopMs: percentile(stop, 50), clean };
}

/** Peak resident memory of a process so far, in MB (Linux). */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export interface ChannelLatency {
  tool: string;
  httpP50: number;
  httpP95: number;
  httpP99: number;
  mcpP50: number;
  mcpP95: number;
  mcpP99: number;
}

async function mcpClient(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

export async function measureChannels(
  s: Service,
  key: string,
  o: { samples: number; budgetMs: number },
): Promise<ChannelLatency[]> {
  const client = await mcpClient(s.url, key);
  const out: ChannelLatency[] = [];
  try {
    for (const tool of readTools()) {
      const input = READ_INPUTS[tool.name] ?? {};
      const http = async () => {
        const r = await fetch(`${s.url}/v1/tools/${tool.name}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`${tool.name}: HTTP ${r.status}`);
      };
      const mcp = async () => {
        const r = await client.callTool({ name: tool.name, arguments: input });
        if (r.isError) throw new Error(`${tool.name}: ${JSON.stringify(r.content).slice(0, 200)}`);
      };
      await http();
      await mcp();
      const h = await sample(http, o.samples, o.budgetMs);
      const m = await sample(mcp, o.samples, o.budgetMs);
      out.push({
        tool: tool.name,
        httpP50: percentile(h, 50),
        httpP95: percentile(h, 95),
        httpP99: percentile(h, 99),
        mcpP50: percentile(m, 50),
        mcpP95: percentile(m, 95),
        mcpP99: percentile(m, 99),
      });
    }
  } finally {
    await client.close();
  }
  return out;
}

export interface Throughput {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function loop(
  concurrency: number,
  seconds: number,
  once: (worker: number, i: number) => Promise<void>,
): Promise<Throughput> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        try {
          await once(w, i);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  return {
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
  };
}

/**
 * Offline chat turns per second with `concurrency` callers, each its own conversation; given several servers
 * (processes on one database), the callers are spread over them as a load balancer would.
 */
export function measureChat(
  s: Service | Service[],
  key: string,
  concurrency: number,
  seconds: number,
): Promise<Throughput> {
  const servers = [s].flat();
  return loop(concurrency, seconds, async (w, i) => {
    const r = await fetch(`${servers[w % servers.length]!.url}/v1/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: QUESTIONS[(w + i) % QUESTIONS.length], sessionId: `bench-${w}` }),
    });
    const body = (await r.json()) as { answer?: string };
    if (!r.ok || !body.answer) throw new Error(`chat: HTTP ${r.status}`);
  });
}

/** MCP tool calls per second with `concurrency` SDK clients (get_cash_position). */
export async function measureMcpCalls(
  s: Service | Service[],
  key: string,
  concurrency: number,
  seconds: number,
): Promise<Throughput> {
  const servers = [s].flat();
  const clients = await Promise.all(
    Array.from({ length: concurrency }, (_, w) => mcpClient(servers[w % servers.length]!.url, key)),
  );
  try {
    return await loop(concurrency, seconds, async (w) => {
      const r = await clients[w]!.callTool({ name: 'get_cash_position', arguments: {} });
      if (r.isError) throw new Error('mcp call failed');
    });
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
