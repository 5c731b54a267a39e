/**
 * What people see, in real Chromium (Debian's, driven by playwright-core): the dashboard draws its charts;
 * a question typed into the widget streams an answer whose figure is the tool's; the widget embedded in a
 * plain page on another origin works with its token, survives the host page's CSS and a reload, and is
 * refused on an origin the business has not allowed; keyboard and phone-sized use. Screenshots go to
 * test/e2e/screenshots/ (not committed). Run with `npm run test:e2e` (CI does, after installing chromium).
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { addMember } from '../../src/auth/members';
import { loginLink } from '../../src/auth/sessions';
import { loadConfig } from '../../src/config';
import { withBusiness } from '../../src/db/client';
import { businesses } from '../../src/db/schema';
import { createApp } from '../../src/http/app';
import { listen, type RunningServer } from '../../src/http/server';
import { importStatement } from '../../src/integrations/csv/import';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase({ demo: true }); // Demo Co made on 2026-11-22
const SHOTS = new URL('./screenshots/', import.meta.url);
const TODAY = '2026-11-22';
const config = loadConfig({
  DATA_DIR: '/tmp/cfo-e2e',
  ENCRYPTION_KEY: '8b'.repeat(32),
  SESSION_RATE_LIMIT_PER_MINUTE: '10000',
});
const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };

let browser: Browser;
let cfo: RunningServer;
let businessId = '';
let hostKey = '';
/** For checking from outside what the dashboard did. */
let adminKey = '';
let cashTotal = '';
const hosts: { server: Server; origin: string }[] = [];

/** A plain page on its own origin that embeds the widget with a token (and CSS that tries to break it). */
function hostPage(token: string, cfoUrl: string) {
  return `<!doctype html><html><head><title>Shop admin</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>* { color: #f0f !important; font-size: 31px !important; font-family: serif !important; }
      button { display: none !important; } div { border: 9px dashed orange !important; }</style></head>
    <body><h1>Shop admin</h1><p>Our own page, our own styles.</p>
    <script src="${cfoUrl}/widget.js" data-token="${token}" data-title="Ask the CFO"></script></body></html>`;
}

async function startHost(html: () => string): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/favicon.ico') return res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hosts.push({ server, origin });
  return origin;
}

async function widgetToken(email: string): Promise<string> {
  const res = await fetch(`${cfo.url}/v1/widget-sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hostKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  expect(res.status).toBe(201);
  return (await res.json()).token;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, fullPage: false });
/** The dashboard, signed in through a one-time link as a member of Demo Co; `errors` collects the page's own. */
async function dashboard(email: string) {
  const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(loginLink(sealing, cfo.url, { businessId, email }));
  return { page, errors };
}

/** "$439,803.38" → "439803.38" */
const plain = (shown: string) => shown.replace(/[$,]/g, '');

async function ask(page: Page, question: string) {
  const input = page.getByLabel('Ask the CFO a question');
  await input.fill(question);
  await input.press('Enter');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const demo = { businessId: t.demoId };
  businessId = demo.businessId;
  await addMember(
    t.db,
    businessId,
    { email: 'owner@demo.example', name: 'Olive Owner', role: 'owner' },
    { type: 'system' },
  );
  await addMember(
    t.db,
    businessId,
    { email: 'viewer@demo.example', name: 'Vic Viewer', role: 'viewer' },
    { type: 'system' },
  );
  hostKey = (await createApiKey(t.db, { businessId, name: 'shop backend', scopes: ['read', 'admin'] })).key;
  adminKey = (await createApiKey(t.db, { businessId, name: 'checks', scopes: ['admin'] })).key;
  const app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => TODAY });
  cfo = await listen(app, 0, '127.0.0.1');
  const tool = await fetch(`${cfo.url}/v1/tools/get_cash_position`, {
    method: 'POST',
    headers: { authorization: `Bearer ${hostKey}`, 'content-type': 'application/json' },
    body: '{}',
  });
  cashTotal = (await tool.json()).result.total;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const h of hosts) await new Promise<void>((r) => h.server.close(() => r()));
  await cfo?.close(1000);
});

describe('the dashboard', () => {
  it('signs in with the one-time link and draws its figures and charts', async () => {
    const { page, errors } = await dashboard('owner@demo.example');
    await page.waitForSelector('[data-chart] canvas', { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-chart] canvas').length === 3);
    // Every chart has drawn something: non-blank pixels on each canvas (polled: a chart may paint a frame later).
    const painted = () =>
      page.evaluate(() =>
        [...document.querySelectorAll<HTMLCanvasElement>('[data-chart] canvas')].map((c) => {
          const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
          return { title: c.closest('[data-chart]')!.getAttribute('data-chart'), drawn: n > 1000 };
        }),
      );
    await expect.poll(painted).toEqual([
      { title: 'Revenue and expenses', drawn: true },
      { title: 'Cash at month end', drawn: true },
      { title: 'MRR', drawn: true },
    ]);
    // The headline cash is the tool's figure (its own request, which may land after the charts').
    const cash = page.locator('.figure', { hasText: 'Cash' }).first().locator('.value');
    await expect.poll(async () => plain(await cash.innerText())).toBe(cashTotal);
    // Demo Co's books end with October: November is said to have nothing yet, not compared as $0.00.
    const revenueNote = page.locator('.figure', { hasText: 'Revenue, Oct 2026' }).locator('.note');
    await expect
      .poll(() => revenueNote.innerText())
      .toMatch(/Nov 2026: nothing recorded yet \(newest record 2026-10-\d\d\)/);
    expect(await revenueNote.innerText()).not.toContain('$0.00');
    await expect.poll(() => page.locator('.gauge').count()).toBe(1);
    await expect.poll(() => page.locator('#recommendations .rec').count()).toBeGreaterThan(0);
    await shot(page, 'dashboard');
    expect(errors).toEqual([]);

    // The widget on the dashboard: the answer streams in and its figure is the tool's.
    await page.getByRole('button', { name: 'Ask the CFO' }).click();
    const stream = page.waitForResponse((r) => r.url().endsWith('/v1/chat'));
    await ask(page, 'How much cash do we have?');
    const res = await stream;
    expect(res.headers()['content-type']).toMatch(/^text\/event-stream/);
    const answer = page.locator('[data-cfo-widget] .msg.assistant').last();
    await expect.poll(() => answer.innerText(), { timeout: 15_000 }).toMatch(/you have \$[\d,]+\.\d{2}/);
    const shown = /you have (\$[\d,]+\.\d{2})/.exec(await answer.innerText())![1]!;
    expect(plain(shown)).toBe(cashTotal);
    // What it did, shown while it did it, then the result as a table.
    await expect
      .poll(() => page.locator('[data-cfo-widget] .activity.done', { hasText: 'Checking cash position' }).count())
      .toBe(1);
    await expect.poll(() => page.locator('[data-cfo-widget] .result table').count()).toBe(1);
    await shot(page, 'dashboard-widget');

    // A follow-up keeps the conversation's topic: the same breakdown, for the period it names.
    await ask(page, 'Who are our top 3 customers this year?');
    const customers = page.locator('[data-cfo-widget] .msg.assistant').last();
    await expect
      .poll(() => customers.innerText(), { timeout: 15_000 })
      .toMatch(/^The largest customer, .+ brought in [\d.]+% of revenue/);
    await ask(page, 'and in Q3 2026?');
    const followUp = page.locator('[data-cfo-widget] .msg.assistant').last();
    await expect
      .poll(() => followUp.innerText(), { timeout: 15_000 })
      .toMatch(/Revenue by customer from 1 July 2026 to 30 September 2026 totalled \$[\d,]+\.\d{2}/);
    await shot(page, 'dashboard-widget-follow-up');
    await page.close();
  });
});

describe('the widget embedded on another site', () => {
  it('works on an allowed origin, unbroken by the page’s CSS, and keeps the conversation across a reload', async () => {
    const token = await widgetToken('viewer@demo.example');
    const origin = await startHost(() => hostPage(token, cfo.url));
    await withBusiness(t.db, businessId, (tx) => tx.update(businesses).set({ allowedOrigins: [origin] }));
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(origin);
    const launcher = page.getByRole('button', { name: 'Ask the CFO' });
    await expect.poll(() => launcher.isVisible()).toBe(true); // the host's `button { display: none }` did not reach it
    const style = await launcher.evaluate((el) => getComputedStyle(el).fontSize);
    expect(style).not.toBe('31px');
    await launcher.click();
    await ask(page, 'How much cash do we have?');
    const answer = page.locator('[data-cfo-widget] .msg.assistant').last();
    await expect.poll(() => answer.innerText(), { timeout: 15_000 }).toMatch(/you have \$/);
    expect(plain(/you have (\$[\d,]+\.\d{2})/.exec(await answer.innerText())![1]!)).toBe(cashTotal);
    await shot(page, 'embedded-allowed');

    await page.reload();
    const restored = page.locator('[data-cfo-widget] .msg');
    await expect.poll(() => restored.count(), { timeout: 10_000 }).toBe(2);
    expect(await restored.first().innerText()).toBe('How much cash do we have?');
    await page.close();
  });

  it('is refused on an origin the business has not allowed, and says why', async () => {
    const token = await widgetToken('viewer@demo.example');
    const origin = await startHost(() => hostPage(token, cfo.url));
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(origin);
    await page.getByRole('button', { name: 'Ask the CFO' }).click();
    await ask(page, 'How much cash do we have?');
    const alert = page.locator('[data-cfo-widget] [role="alert"]');
    await expect
      .poll(() => alert.innerText(), { timeout: 10_000 })
      .toMatch(new RegExp(`${origin.replace(/[.:/]/g, '\\$&')}.*not one of the origins allowed`));
    await expect.poll(() => page.locator('[data-cfo-widget] .msg.assistant').count()).toBe(0);
    await shot(page, 'embedded-refused');
    await page.close();
  });

  it('is usable from the keyboard, with ARIA roles, and on a phone-sized screen', async () => {
    const token = await widgetToken('viewer@demo.example');
    const origin = await startHost(() => hostPage(token, cfo.url));
    await withBusiness(t.db, businessId, (tx) =>
      tx.update(businesses).set({ allowedOrigins: hosts.map((h) => h.origin) }),
    );
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(origin);
    // The widget mounts after the page's load event; Tab only once the launcher is there to receive it.
    await expect.poll(() => page.getByRole('button', { name: 'Ask the CFO' }).isVisible()).toBe(true);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(
      () => document.querySelector('[data-cfo-widget]')?.shadowRoot?.activeElement?.textContent,
    );
    expect(focused).toContain('Ask the CFO');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog', { name: 'Ask the CFO' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByRole('log').count()).toBe(1);
    // The open panel fills the phone's screen.
    const box = await page.getByRole('dialog').boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(388);
    expect(box!.height).toBeGreaterThanOrEqual(800);
    await page.keyboard.type('Who owes us money?');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('[data-cfo-widget] .msg.assistant').last().innerText(), { timeout: 15_000 })
      .toMatch(/owe/);
    await shot(page, 'phone-widget');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    // Focus is back on the launcher.
    await expect
      .poll(() =>
        page.evaluate(() => document.querySelector('[data-cfo-widget]')?.shadowRoot?.activeElement?.textContent ?? ''),
      )
      .toContain('Ask the CFO');
    await page.close();
  });
});

describe('keys, people and embedding, from the dashboard', () => {
  it('an owner makes a key (shown once, and it works), revokes it, manages people and the allowed sites', async () => {
    const { page, errors } = await dashboard('owner@demo.example');
    const keys = page.locator('#keys');
    await expect.poll(() => keys.isVisible(), { timeout: 20_000 }).toBe(true);

    // A key: shown once, and it answers a tool call; revoked, it stops.
    await keys.getByLabel('Name').fill('n8n from the dashboard');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const secret = keys.locator('code.secret');
    await expect.poll(() => secret.count()).toBe(1);
    const key = await secret.innerText();
    expect(key).toMatch(/^cfo_/);
    const callWith = (k: string) =>
      fetch(`${cfo.url}/v1/tools/get_runway`, {
        method: 'POST',
        headers: { authorization: `Bearer ${k}`, 'content-type': 'application/json' },
        body: '{}',
      }).then((r) => r.status);
    expect(await callWith(key)).toBe(200);
    await keys.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => secret.count()).toBe(0); // not shown again
    await expect.poll(() => keys.getByRole('row', { name: /n8n from the dashboard/ }).count()).toBe(1);
    await shot(page, 'dashboard-keys');
    await keys.getByRole('button', { name: 'Revoke n8n from the dashboard' }).click();
    await expect.poll(() => keys.getByRole('status').innerText()).toMatch(/Revoked n8n from the dashboard/);
    expect(await callWith(key)).toBe(401);

    // People: add, promote, remove.
    const people = page.locator('#members');
    await people.getByLabel('Email').fill('sam@demo.example');
    await people.getByLabel('Name').fill('Sam Sample');
    await people.getByRole('button', { name: 'Add' }).click();
    const role = people.getByLabel('Role of sam@demo.example');
    await expect.poll(() => role.count()).toBe(1);
    expect(await role.inputValue()).toBe('viewer');
    await role.selectOption('accountant');
    await expect.poll(() => people.getByRole('status').innerText()).toBe('sam@demo.example is now accountant.');
    const roleOf = async (email: string) => {
      const r = await fetch(`${cfo.url}/v1/members`, { headers: { authorization: `Bearer ${adminKey}` } });
      return ((await r.json()).members as { email: string; role: string }[]).find((m) => m.email === email)?.role;
    };
    expect(await roleOf('sam@demo.example')).toBe('accountant');
    await people.getByRole('button', { name: 'Remove sam@demo.example' }).click();
    await expect.poll(() => roleOf('sam@demo.example')).toBeUndefined();

    // Embedding: the tag, and a site allowed then removed.
    const embed = page.locator('#embed');
    expect(await embed.locator('pre.code').first().innerText()).toBe(
      `<script src="${cfo.url}/widget.js" data-token="TOKEN" async></script>`,
    );
    await embed.getByLabel('Site').fill('https://app.example.com/');
    await embed.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => embed.getByRole('status').innerText()).toBe('https://app.example.com may embed the chat.');
    const allowed = async () => {
      const r = await fetch(`${cfo.url}/v1/business`, { headers: { authorization: `Bearer ${adminKey}` } });
      return (await r.json()).allowedOrigins as string[];
    };
    expect(await allowed()).toContain('https://app.example.com');
    await embed.getByLabel('Site').fill('http://not-https.example');
    await embed.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => embed.getByRole('status').innerText()).toMatch(/https:\/\/ origin/);
    expect(await allowed()).not.toContain('http://not-https.example');
    await shot(page, 'dashboard-embed');
    await embed.getByRole('button', { name: 'Remove https://app.example.com' }).click();
    await expect.poll(allowed).not.toContain('https://app.example.com');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a viewer sees none of them', async () => {
    const { page } = await dashboard('viewer@demo.example');
    await page.waitForSelector('[data-chart] canvas', { timeout: 20_000 });
    await expect.poll(() => page.locator('#recommendations').count()).toBe(1);
    expect(await page.locator('#keys, #members, #embed').count()).toBe(0);
    await page.close();
  });
});

// Last: it adds bank lines, which changes the cash the tests above compare with.
describe('categorizing from the dashboard', () => {
  it('the Categorize button files what it is sure of and queues the rest with the proposal and its reason', async () => {
    // Four new lines nobody filed: an Uber ride (Demo Co has filed 96 of them), a car hire (Hertz is a car
    // rental brand: travel, filed), a chain that sells everything (Walmart: a guess to review), and a name
    // nothing knows.
    await importStatement(
      t.db,
      { id: businessId, baseCurrency: 'USD' },
      {
        account: 'Petty Cash Card',
        text: 'Date,Description,Amount\n2026-11-20,UBER   *TRIP HELP.UBER.COM,-23.10\n2026-11-21,HERTZ RENT-A-CAR 0042 DENVER,-180.00\n2026-11-21,WALMART SUPERCENTER 5678 DALLAS TX,-64.30\n2026-11-21,ZQXV 88123 HOLDINGS,-300.00\n',
      },
    );
    const { page, errors } = await dashboard('owner@demo.example');
    const reviews = page.locator('#reviews');
    await reviews.getByRole('button', { name: 'Categorize' }).click();
    await expect
      .poll(() => reviews.getByRole('status').innerText(), { timeout: 20_000 })
      .toBe('Categorized 2 of 4 uncategorized lines; 1 to review below, 1 with no proposal.');
    const walmart = reviews.locator('tr', { hasText: 'WALMART' });
    await expect.poll(() => walmart.count()).toBe(1);
    expect(await walmart.innerText()).toMatch(/Walmart is a grocery brand/);
    expect(await reviews.locator('tr', { hasText: 'HERTZ' }).count()).toBe(0);
    await reviews.scrollIntoViewIfNeeded();
    await shot(page, 'dashboard-categorize');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('uploading a statement with a balance column says the opening balance it set', async () => {
    const { page, errors } = await dashboard('owner@demo.example');
    const sources = page.locator('#connections');
    await sources.getByLabel('Account').fill('Savings (statement)');
    // By hand: 4,500.00 after -500.00 → 5,000.00 before the first line.
    await sources.locator('input[type=file]').setInputFiles({
      name: 'statement.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'Date,Description,Amount,Balance\n2026-11-24,POS Purchase ENGEN SANDTON 412345*6789 24 Nov,-500.00,"4,500.00"\n2026-11-25,CLIENT PAYMENT NORTHWIND,"1,200.00","5,700.00"\n',
      ),
    });
    await sources.getByRole('button', { name: 'Upload CSV' }).click();
    await expect
      .poll(() => sources.getByRole('status').innerText(), { timeout: 20_000 })
      .toMatch(
        /^Imported 2 of 2 lines \(0 were there already\)\. Opening balance \$5,000\.00 on 2026-11-23, from the balance column\./,
      );
    // The review queue loads again: Demo Co has no fuel or motor vehicle category, so Engen (a filling
    // station) is only a guess at Travel, for a person to confirm.
    const engen = page.locator('#reviews tr', { hasText: 'ENGEN' });
    await expect.poll(() => engen.count(), { timeout: 20_000 }).toBe(1);
    expect(await engen.innerText()).toMatch(/Travel[\s\S]*Engen is a fuel brand/);
    await sources.scrollIntoViewIfNeeded();
    await shot(page, 'dashboard-import-balance');
    expect(errors).toEqual([]);
    await page.close();
  });
});
