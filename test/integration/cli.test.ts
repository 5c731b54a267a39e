import { chmodSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describe, expect, it } from 'vitest';
import type { BusinessSummary } from '../../src/db/businesses';
import { FAKE_ANTHROPIC_KEY, startFakeAnthropic } from '../fakes/anthropic';
import { cfo, childEnv, npmStart, ROOT, target } from '../helpers/cli';
import { useTestDatabase } from '../helpers/db';
import { MIGRATION_COUNT } from '../helpers/migrations';

const t = useTestDatabase();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('cfo command', () => {
  it('business create prints the id; business list --json shows it with its counts', async () => {
    const where = target(t.url);
    const created = await cfo(['business', 'create', 'Acme Trading', '--currency', 'eur'], where);
    expect(created.stderr).toBe(where.env.DATA_DIR ? created.stderr : '');
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(id).toMatch(UUID);
    const listed = await cfo(['business', 'list', '--json'], where);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as BusinessSummary[];
    expect(rows.find((r) => r.id === id)).toMatchObject({
      name: 'Acme Trading',
      baseCurrency: 'EUR',
      counts: { transactions: 0, invoices: 0, contacts: 0, accounts: 0, subscriptions: 0 },
    });
  });

  it('takes --data-dir like DATA_DIR', async () => {
    if (t.url) return; // PostgreSQL runs have no data dir
    const where = target();
    const dir = where.env.DATA_DIR!;
    const created = await cfo(['--data-dir', dir, 'business', 'create', 'Flagged'], { env: {} });
    expect(created.code).toBe(0);
    const listed = await cfo(['business', 'list', '--json'], where);
    expect(JSON.parse(listed.stdout).map((b: BusinessSummary) => b.name)).toEqual(['Flagged']);
  });

  it('worker and serve --no-worker need PostgreSQL: on the embedded database they refuse and say why', async () => {
    const where = target();
    for (const args of [['worker'], ['serve', '--no-worker', '--port', '0']]) {
      const r = await cfo(args, where);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/needs PostgreSQL \(DATABASE_URL\)/);
    }
  });

  it('exits 1 with a message that names a bad variable', async () => {
    const r = await cfo(['business', 'list'], target(t.url), { PORT: 'eighty' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: PORT: /m);
    const noKey = await cfo(['migrate'], { env: { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/ENCRYPTION_KEY: required when DATABASE_URL is set/);
  });

  it('exits 1 on bad input, saying what is wrong', async () => {
    const where = target(t.url);
    const blank = await cfo(['business', 'create', '   '], where);
    expect(blank.code).toBe(1);
    expect(blank.stderr).toContain('A business needs a name.');
    const currency = await cfo(['business', 'create', 'X', '--currency', 'dollars'], where);
    expect(currency.code).toBe(1);
    expect(currency.stderr).toContain('not a three-letter ISO 4217 currency code');
    const size = await cfo(['demo', '--transactions', '2000000'], where);
    expect(size.code).toBe(1);
    expect(size.stderr).toContain('from 1 to 1,000,000');
  });

  it('demo refuses to make a second company of the same name, and --reset recreates it', async () => {
    const where = target(t.url);
    const first = await cfo(['demo', '--name', 'Tiny Demo', '--transactions', '2000'], where);
    expect(first.code).toBe(0);
    const id = first.stdout.trim();
    expect(id).toMatch(UUID);
    const again = await cfo(['demo', '--name', 'Tiny Demo', '--transactions', '2000'], where);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('"Tiny Demo" already exists');
    const reset = await cfo(['demo', '--name', 'Tiny Demo', '--transactions', '2000', '--reset'], where);
    expect(reset.code).toBe(0);
    const listed = JSON.parse((await cfo(['business', 'list', '--json'], where)).stdout) as BusinessSummary[];
    const tiny = listed.filter((b) => b.name === 'Tiny Demo');
    expect(tiny).toHaveLength(1);
    expect(tiny[0]!.id).toBe(reset.stdout.trim());
    expect(tiny[0]!.id).not.toBe(id);
    expect(tiny[0]!.counts.transactions).toBeGreaterThan(1_000);
  });

  it('import csv reads a statement into an account and says how it read the dates', async () => {
    const where = target(t.url);
    const created = await cfo(['business', 'create', 'Importer'], where);
    const id = created.stdout.trim();
    const file = join(mkdtempSync(join(tmpdir(), 'cfo-csv-')), 'statement.csv');
    writeFileSync(file, 'Buchungstag;Verwendungszweck;Betrag\n14.03.2026;Miete;-1.250,00\n25.03.2026;Kunde;3.400,50\n');
    const r = await cfo(['import', 'csv', file, '--account', 'Girokonto', '--business', id], where);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Girokonto: 2 lines from 2026-03-14 to 2026-03-25 \(2 new, 0 already imported\); dates read day first \(DD\/MM\/YYYY\)\.\nCategorized (\d) of 2 new lines; (\d) to review \(the dashboard's review queue, or GET \/v1\/categorization\/reviews\), (\d) with no proposal\.\nFigures refreshed from 2026-03-14 \(\d+ ms\)\.\n$/,
    );
    const [, applied, review, none] = /Categorized (\d) of 2 new lines; (\d) to review .*, (\d) with no proposal/.exec(
      r.stdout,
    )!;
    expect(Number(applied) + Number(review) + Number(none)).toBe(2);
    expect(r.stderr).toContain('Categorizing 2 new lines…');
    const again = await cfo(['import', 'csv', file, '--account', 'Girokonto', '--business', id], where);
    expect(again.stdout).toContain('(0 new, 2 already imported)');
    expect(again.stdout).not.toContain('Categorized');

    // With a balance column: 8.750,00 after -1.250,00 → 10.000,00 before the first line (by hand).
    const saldo = join(mkdtempSync(join(tmpdir(), 'cfo-csv-')), 'saldo.csv');
    writeFileSync(saldo, 'Buchungstag;Verwendungszweck;Betrag;Saldo\n14.03.2026;Miete;-1.250,00;8.750,00\n');
    const withBalance = await cfo(['import', 'csv', saldo, '--account', 'Tagesgeld', '--business', id], where);
    expect(withBalance.code).toBe(0);
    expect(withBalance.stdout).toContain('Opening balance USD 10000.00 on 2026-03-13, from the balance column.\n');
  });

  it('chat -m answers with the offline model, or with Claude when a key is set', async () => {
    const where = target(t.url);
    const id = (await cfo(['demo', '--name', 'Chat Demo', '--transactions', '2000'], where)).stdout.trim();
    const offline = await cfo(['chat', '--business', id, '-m', 'Who owes us money?'], where);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/^Customers owe you \$[\d,]+\.\d{2} as of /);
    expect(offline.stderr).toContain('get_receivables_aging');
    expect(offline.stderr).toMatch(/offline · \d+ ms/);

    const fake = await startFakeAnthropic();
    try {
      fake.script = () => ({ text: 'Hello from Claude.' });
      const claude = await cfo(['chat', '--business', id, '-m', 'hi'], where, {
        ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY,
        ANTHROPIC_BASE_URL: fake.url,
      });
      expect(claude.code).toBe(0);
      expect(claude.stdout).toBe('Hello from Claude.\n');
      expect(fake.requests).toHaveLength(1);
    } finally {
      await fake.close();
    }
  });

  it('mcp answers the handshake before the database is needed; with no business it says so and exits 1', async () => {
    const empty = target(t.url);
    const hello = `${JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
    })}\n`;
    // On PostgreSQL the test database may hold businesses from other tests: only the embedded case is empty.
    if (!t.url) {
      const none = await cfo(['mcp'], empty, {}, { stdin: hello });
      expect(none.code).toBe(1);
      expect(JSON.parse(none.stdout.split('\n')[0]!)).toMatchObject({
        id: 1,
        result: { serverInfo: { name: 'cfo-agent' } },
      });
      expect(none.stderr).toContain('No business yet');
    }
    const where = target(t.url);
    const made = await cfo(['business', 'create', 'Handshake Ltd', '--currency', 'gbp'], where);
    expect(made.code, made.stderr).toBe(0);
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [`${ROOT}/bin/cfo.mjs`, 'mcp', '--business', made.stdout.trim()],
        env: childEnv(where.env),
        stderr: 'pipe',
      }),
    );
    try {
      expect(client.getInstructions()).toMatch(/Financial tools/);
      // The first call waits for the database to open, then answers.
      const r = await client.callTool({ name: 'get_sync_status', arguments: {} });
      expect(r.isError, JSON.stringify(r.content)).toBeFalsy();
      expect(r.structuredContent).toMatchObject({ connections: [] });
      const prompt = await client.getPrompt({ name: 'monthly-review' });
      expect(JSON.stringify(prompt.messages)).toContain('Handshake Ltd');
    } finally {
      await client.close();
    }
  });

  it('migrate reports every migration applied', async () => {
    const r = await cfo(['migrate'], target(t.url));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`migrations applied: ${MIGRATION_COUNT}/${MIGRATION_COUNT} (`);
  });
});

describe('npm start on an embedded data directory', () => {
  it('a second process never opens the same embedded data directory', async () => {
    if (t.url) return; // PostgreSQL is shared by design
    // A second service is refused (other commands run inside the first: cli-running-service.test.ts).
    const where = target();
    const running = await npmStart(where);
    try {
      const r = await cfo(['serve'], where);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/in use by process \d+/);
    } finally {
      await running.stop();
    }
    // A live process holds the directory but offers no way in (no socket): refused, saying who holds it.
    const held = target();
    expect((await cfo(['business', 'create', 'Held Ltd'], held)).code).toBe(0);
    writeFileSync(join(held.env.DATA_DIR!, 'cfo.lock'), String(process.pid));
    const r = await cfo(['business', 'list'], held);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`in use by process ${process.pid}`));
  });

  it('the embedded data directory and every file in it are the owner’s only; an open one is closed with a warning', async () => {
    if (t.url) return; // no data directory on PostgreSQL
    const modes = (dir: string): { path: string; mode: number }[] => [
      { path: dir, mode: statSync(dir).mode & 0o777 },
      ...readdirSync(dir, { withFileTypes: true, recursive: true }).map((e) => {
        const path = join(e.parentPath, e.name);
        return { path, mode: statSync(path).mode & 0o777 };
      }),
    ];
    // A new directory: made 0700, and the database written under a 077 umask.
    const fresh = join(mkdtempSync(join(tmpdir(), 'cfo-perm-')), 'data');
    expect((await cfo(['business', 'create', 'Private Ltd'], { env: { DATA_DIR: fresh } })).code).toBe(0);
    const made = modes(fresh);
    expect(made.length).toBeGreaterThan(100);
    expect(made.filter((m) => m.mode & 0o077)).toEqual([]);
    // One an earlier version left open (0755, files 0666): tightened, and the operator told.
    const open = join(mkdtempSync(join(tmpdir(), 'cfo-perm-')), 'data');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    writeFileSync(join(open, 'notes.txt'), 'old file');
    chmodSync(join(open, 'notes.txt'), 0o666);
    const r = await cfo(['business', 'list'], { env: { DATA_DIR: open } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/permissions are now owner-only/);
    expect(modes(open).filter((m) => m.mode & 0o077)).toEqual([]);
  });
});
