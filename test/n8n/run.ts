/**
 * `npm run test:n8n`: the workflows in docs/n8n, imported into a real n8n and run against a real `cfo serve`.
 *
 * n8n (pinned below; Node 20 gets 2.8.x) is installed once into ~/.cache/cfo-agent/n8n-<version> with the
 * override that keeps its install off the network beyond the npm registry (n8n otherwise fetches xlsx from a
 * CDN). Each run: `cfo serve --demo` on a fresh data directory and a free port; a key from `cfo keys create`
 * (through the running service, as a user would); n8n's own CLI imports the key as the two credentials the
 * workflows name and imports each workflow with only its URL changed to the test port (the one edit a user
 * makes); then
 *   - the HTTP Request workflow and the standalone MCP Client workflow run with `n8n execute`;
 *   - the Chat Trigger workflow and the AI Agent workflow are published, `n8n start` serves them, and their
 *     chat webhooks are asked questions, twice in one session for the first. The agent's model is a fake
 *     Anthropic API (test/fakes/anthropic.ts) reached through the Anthropic credential's base URL: it asks
 *     for the CFO's get_runway tool, which n8n's MCP Client Tool calls on the real `/mcp`.
 * Every answer is checked against the CFO's own `POST /v1/tools/get_runway`. It prints a table, and exits 1 if
 * any step failed. Not in CI: installing n8n takes minutes.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type FakeRequest, startFakeAnthropic } from '../fakes/anthropic';
import { freePort } from '../helpers/cli';

const N8N_VERSION = '2.8.4';
const ROOT = new URL('../..', import.meta.url).pathname;
const WORKFLOWS = join(ROOT, 'docs', 'n8n');
const run = promisify(execFile);

async function until<T>(what: string, check: () => Promise<T | undefined>, seconds = 180): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function installN8n(): string {
  const dir = process.env.N8N_HOME ?? join(homedir(), '.cache', 'cfo-agent', `n8n-${N8N_VERSION}`);
  const bin = join(dir, 'node_modules', '.bin', 'n8n');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ private: true, dependencies: { n8n: N8N_VERSION }, overrides: { xlsx: '0.18.5' } }, null, 2)}\n`,
  );
  console.log(`Installing n8n ${N8N_VERSION} into ${dir} (once; a few minutes)…`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    stdio: 'inherit',
  }).status;
  if (r !== 0 || !existsSync(bin)) throw new Error(`npm install n8n@${N8N_VERSION} failed (exit ${r})`);
  return bin;
}

interface Row {
  step: string;
  ok: boolean;
  detail: string;
}

async function main() {
  const n8n = installN8n();
  const work = mkdtempSync(join(tmpdir(), 'cfo-n8n-'));
  const children: ChildProcess[] = [];
  const rows: Row[] = [];
  const anthropic = await startFakeAnthropic();
  const stop = async () => {
    for (const c of children) c.kill('SIGTERM');
    await anthropic.close();
    if (process.env.N8N_DEBUG) console.log('kept', work);
    else rmSync(work, { recursive: true, force: true });
  };
  try {
    // 1. The CFO, as README's quick start runs it.
    const cfoPort = await freePort();
    const cfoEnv = { ...process.env, DATA_DIR: join(work, 'cfo'), LOG_LEVEL: 'warn', ANTHROPIC_API_KEY: '' };
    const cfo = spawn(process.execPath, [join(ROOT, 'bin', 'cfo.mjs'), 'serve', '--demo', '--port', String(cfoPort)], {
      cwd: ROOT,
      env: cfoEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(cfo);
    const cfoUrl = `http://127.0.0.1:${cfoPort}`;
    await until('cfo serve', async () => ((await fetch(`${cfoUrl}/readyz`)).ok ? true : undefined));
    const created = await run(
      process.execPath,
      [join(ROOT, 'bin', 'cfo.mjs'), 'keys', 'create', '--scopes', 'read', '--name', 'n8n'],
      { cwd: ROOT, env: cfoEnv },
    );
    const key = created.stdout.match(/cfo_[A-Za-z0-9_-]+/)?.[0];
    if (!key) throw new Error(`cfo keys create printed no key: ${created.stdout}${created.stderr}`);
    const truth = (await (
      await fetch(`${cfoUrl}/v1/tools/get_runway`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: '{}',
      })
    ).json()) as { result: { cash: string } };
    const cash = truth.result.cash; // "783552.7700"
    const [int, frac = ''] = cash.split('.');
    const dollars = `$${int!.replace(/\B(?=(\d{3})+$)/g, ',')}.${frac.padEnd(2, '0').slice(0, 2)}`; // "$783,552.77"
    const shown = (s: string) => s.includes(dollars);

    // 2. n8n with the key as its credentials, and the workflows as shipped but for the URL.
    const n8nPort = await freePort();
    const n8nEnv = {
      ...process.env,
      N8N_USER_FOLDER: join(work, 'n8n'),
      N8N_PORT: String(n8nPort),
      N8N_LISTEN_ADDRESS: '127.0.0.1',
      N8N_ENCRYPTION_KEY: 'cfo-agent-n8n-test',
      N8N_DIAGNOSTICS_ENABLED: 'false',
      N8N_PERSONALIZATION_ENABLED: 'false',
      N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
      N8N_TEMPLATES_ENABLED: 'false',
      N8N_SECURE_COOKIE: 'false',
      N8N_LOG_LEVEL: 'info',
      DB_SQLITE_POOL_SIZE: '2',
    };
    const cli = (...args: string[]) => run(n8n, args, { env: n8nEnv, maxBuffer: 64 << 20 });
    const files = join(work, 'import');
    mkdirSync(files);
    writeFileSync(
      join(files, 'credentials.json'),
      JSON.stringify([
        {
          id: 'cfoHeaderAuth01',
          name: 'CFO API key (header)',
          type: 'httpHeaderAuth',
          data: { name: 'X-API-Key', value: key },
        },
        { id: 'cfoBearerAuth01', name: 'CFO API key (bearer)', type: 'httpBearerAuth', data: { token: key } },
        {
          id: 'cfoAnthropic01',
          name: 'Anthropic account',
          type: 'anthropicApi',
          data: { apiKey: 'sk-ant-test-key', url: anthropic.url },
        },
      ]),
    );
    await cli('import:credentials', `--input=${join(files, 'credentials.json')}`);
    const ids: Record<string, string> = {};
    for (const name of ['http-request', 'mcp-client', 'chat-trigger', 'mcp-client-tool']) {
      const text = readFileSync(join(WORKFLOWS, `${name}.json`), 'utf8');
      if (text.includes('$env')) throw new Error(`${name}.json reads $env, which n8n 2 refuses`);
      const workflow = JSON.parse(text.replaceAll('http://localhost:3000', cfoUrl)) as Record<string, unknown>;
      ids[name] = `cfo${name.replace(/[^a-z]/g, '')}`.slice(0, 16).padEnd(16, '0');
      writeFileSync(join(files, `${name}.json`), JSON.stringify({ ...workflow, id: ids[name] }));
      await cli('import:workflow', `--input=${join(files, `${name}.json`)}`);
    }
    rows.push({
      step: 'import 4 workflows and 3 credentials',
      ok: true,
      detail: 'n8n import:credentials, import:workflow',
    });

    // 3. The manual workflows, with n8n's CLI.
    const execute = async (name: string) => {
      const r = await cli('execute', `--id=${ids[name]}`, '--rawOutput');
      if (process.env.N8N_DEBUG) console.log(r.stdout, r.stderr);
      // The execution, printed as indented JSON from a line "{" to a line "}", among n8n's log lines.
      const lines = r.stdout.split('\n');
      const start = lines.indexOf('{');
      const json = lines.slice(start, lines.indexOf('}', start) + 1).join('\n');
      return JSON.parse(json) as {
        data: { resultData: { runData: Record<string, { data: { main: { json: Record<string, unknown> }[][] } }[]> } };
      };
    };
    const outputOf = (r: Awaited<ReturnType<typeof execute>>, node: string) =>
      r.data.resultData.runData[node]![0]!.data.main[0]![0]!.json;
    {
      const out = outputOf(await execute('http-request'), 'Ask the CFO') as {
        output?: string;
        toolCalls?: { name: string }[];
      };
      const ok =
        /runway|cash-flow positive/i.test(out.output ?? '') &&
        Boolean(out.toolCalls?.some((c) => c.name === 'get_runway'));
      rows.push({
        step: 'HTTP Request workflow (n8n execute)',
        ok,
        detail: (out.output ?? JSON.stringify(out)).slice(0, 160),
      });
    }
    {
      const out = outputOf(await execute('mcp-client'), 'Runway');
      const text = JSON.stringify(out);
      rows.push({
        step: 'MCP Client workflow, get_runway (n8n execute)',
        ok: text.includes(cash),
        detail: text.slice(0, 160),
      });
    }

    // 4. The chat workflows, published and served.
    await cli('publish:workflow', `--id=${ids['chat-trigger']}`);
    await cli('publish:workflow', `--id=${ids['mcp-client-tool']}`);
    const server = spawn(n8n, ['start'], { env: n8nEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(server);
    const n8nUrl = `http://127.0.0.1:${n8nPort}`;
    await until('n8n start', async () => ((await fetch(`${n8nUrl}/healthz/readiness`)).ok ? true : undefined));
    const webhookOf = (name: string) => {
      const w = JSON.parse(readFileSync(join(WORKFLOWS, `${name}.json`), 'utf8')) as {
        nodes: { webhookId?: string }[];
      };
      return `${n8nUrl}/webhook/${w.nodes.find((n) => n.webhookId)!.webhookId}/chat`;
    };
    const chat = async (name: string, sessionId: string, chatInput: string) => {
      const res = await fetch(webhookOf(name), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'sendMessage', sessionId, chatInput }),
      });
      const body = await res.text();
      const output = res.status === 200 ? ((JSON.parse(body || '{}') as { output?: string }).output ?? '') : '';
      return { status: res.status, body, output };
    };
    // Published workflows can take a moment to register their webhooks after the server is up.
    const first = await until('the Chat Trigger webhook', async () => {
      const r = await chat('chat-trigger', 'n8n-test', 'How much cash do we have?');
      return r.status === 200 ? r : undefined;
    });
    rows.push({
      step: 'Chat Trigger workflow, first message',
      ok: shown(first.output),
      detail: first.output.slice(0, 160),
    });
    const second = await chat('chat-trigger', 'n8n-test', 'And how long is our runway?');
    const conversation = (r: { body: string }) =>
      (JSON.parse(r.body || '{}') as { conversationId?: string }).conversationId;
    rows.push({
      step: 'Chat Trigger workflow, same session again',
      ok:
        second.status === 200 &&
        /runway|cash-flow positive/i.test(second.output) &&
        conversation(first) === conversation(second),
      detail: `${second.output.slice(0, 110)} (one conversation: ${conversation(first) === conversation(second)})`,
    });

    anthropic.script = (req: FakeRequest) => {
      const results = JSON.stringify(req.body.messages).includes('tool_result');
      if (!results) {
        const tool = req.body.tools?.find((t) => t.name.includes('get_runway'));
        return tool ? { tools: [{ name: tool.name, input: {} }] } : { text: 'no CFO tools were offered' };
      }
      const last = JSON.stringify(req.body.messages.at(-1));
      const figure = last.match(/\bcash\\*"\s*:\s*\\*"(-?[\d.]+)/)?.[1] ?? 'unknown';
      return { text: `Cash is ${figure} according to the CFO.` };
    };
    const agent = await chat('mcp-client-tool', 'n8n-agent', 'How long is our runway?');
    const toolsOffered = anthropic.requests[0]?.body.tools?.map((t) => t.name) ?? [];
    rows.push({
      step: 'AI Agent workflow, MCP Client Tool → /mcp',
      ok: agent.output.includes(cash),
      detail: `${agent.output} (tools offered: ${toolsOffered.length})`,
    });
  } catch (e) {
    rows.push({ step: 'run', ok: false, detail: (e as Error).message.slice(0, 400) });
  } finally {
    await stop();
  }
  const width = Math.max(...rows.map((r) => r.step.length));
  console.log(`\nn8n ${N8N_VERSION} against cfo serve --demo\n`);
  console.log(`| ${'step'.padEnd(width)} | ok  | answer |`);
  console.log(`|${'-'.repeat(width + 2)}|-----|--------|`);
  for (const r of rows)
    console.log(`| ${r.step.padEnd(width)} | ${r.ok ? 'yes' : 'NO '} | ${r.detail.replace(/\s+/g, ' ')} |`);
  process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
}

await main();
