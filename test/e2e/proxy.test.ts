/**
 * The service behind a TLS-terminating reverse proxy, as it is deployed: Debian's nginx in front with a
 * self-signed certificate, talking plain http to the service, which is told PUBLIC_URL and TRUST_PROXY. Real
 * Chromium signs in through the proxy (the cookie is `__Host-`, Secure, HttpOnly), dismisses a recommendation
 * from the dashboard (a write: refused as a foreign origin before the service knew its https address), and
 * chats through the widget embedded on a second https site the business allows. Screenshots go to
 * test/e2e/screenshots/proxy-*.png.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys';
import { addMember } from '../../src/auth/members';
import { loginLink } from '../../src/auth/sessions';
import { loadConfig } from '../../src/config';
import { withBusiness } from '../../src/db/client';
import { businesses, recommendations } from '../../src/db/schema';
import { createApp } from '../../src/http/app';
import { listen, type RunningServer } from '../../src/http/server';
import { createLogger } from '../../src/logger';
import { useTestDatabase } from '../helpers/db';

const NGINX = '/usr/sbin/nginx';
// CI installs nginx (Debian's nginx-light) and must run this; a developer's machine without it skips, visibly.
const haveNginx = existsSync(NGINX) || process.env.CI === 'true';

const t = useTestDatabase({ demo: true });
const SHOTS = new URL('./screenshots/', import.meta.url);

let dir = '';
let nginx: ChildProcess | undefined;
let cfo: RunningServer;
let browser: Browser;
let publicUrl = '';
let siteOrigin = '';
let hostKey = '';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** nginx in the foreground, one process, everything it writes under `dir`. */
function nginxConfig(cfoPort: number, proxyPort: number, sitePort: number) {
  const tls = `ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;`;
  return `daemon off; master_process off; worker_processes 1;
pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 128; }
http {
  access_log off; default_type text/html;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${proxyPort} ssl; ${tls}
    location / {
      proxy_pass http://127.0.0.1:${cfoPort};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_buffering off;
    }
  }
  server { listen 127.0.0.1:${sitePort} ssl; ${tls} root ${dir}/site; }
}`;
}

async function startNginx(cfoPort: number) {
  const [proxyPort, sitePort] = [await freePort(), await freePort()];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      `${dir}/key.pem`,
      '-out',
      `${dir}/cert.pem`,
    ],
    { stdio: 'ignore' },
  );
  writeFileSync(`${dir}/nginx.conf`, nginxConfig(cfoPort, proxyPort, sitePort));
  nginx = spawn(NGINX, ['-p', dir, '-c', `${dir}/nginx.conf`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  nginx.stderr!.on('data', (d) => (stderr += d));
  const url = `https://127.0.0.1:${proxyPort}`;
  // Up when it accepts connections; a bad config makes it exit, which is reported with what it said.
  const accepts = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(proxyPort, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  for (const deadline = Date.now() + 30_000; !(await accepts()); ) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${proxyPort}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, site: `https://127.0.0.1:${sitePort}` };
}

beforeAll(async () => {
  if (!haveNginx) return;
  dir = mkdtempSync(join(tmpdir(), 'cfo-proxy-'));
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'site']) mkdirSync(join(dir, d));
  mkdirSync(SHOTS, { recursive: true });
  const businessId = t.demoId;
  await addMember(
    t.db,
    businessId,
    { email: 'olive@demo.example', name: 'Olive Owner', role: 'owner' },
    {
      type: 'system',
    },
  );
  await addMember(
    t.db,
    businessId,
    { email: 'vic@demo.example', name: 'Vic Viewer', role: 'viewer' },
    {
      type: 'system',
    },
  );
  hostKey = (await createApiKey(t.db, { businessId, name: 'shop backend', scopes: ['read', 'admin'] })).key;
  // The service learns its address from the proxy: ports first, then the config that names them.
  const cfoPort = await freePort();
  const proxy = await startNginx(cfoPort);
  publicUrl = proxy.url;
  siteOrigin = proxy.site;
  const config = loadConfig({
    DATA_DIR: join(dir, 'data'),
    ENCRYPTION_KEY: '8c'.repeat(32),
    PUBLIC_URL: publicUrl,
    TRUST_PROXY: 'true',
    SESSION_RATE_LIMIT_PER_MINUTE: '10000',
  });
  const app = createApp({ config, database: t.database, logger: createLogger('silent'), today: () => '2026-11-22' });
  cfo = await listen(app, cfoPort, '127.0.0.1');
  await withBusiness(t.db, businessId, (tx) => tx.update(businesses).set({ allowedOrigins: [siteOrigin] }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-quic'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  nginx?.kill('SIGTERM');
  await cfo?.close(1000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A browser that trusts the test's self-signed certificate (as one would after installing a real one). */
const newContext = (): Promise<BrowserContext> =>
  browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1366, height: 900 } });

describe.skipIf(!haveNginx)('behind a TLS-terminating reverse proxy (nginx)', () => {
  it('signs in with a Secure __Host- cookie, and a dashboard write goes through', async () => {
    const sealing = loadConfig({ ENCRYPTION_KEY: '8c'.repeat(32), DATA_DIR: join(dir, 'data') }).encryption;
    const ctx = await newContext();
    const page = await ctx.newPage();
    await page.goto(
      loginLink({ key: sealing.key, keyId: sealing.keyId }, publicUrl, {
        businessId: t.demoId,
        email: 'olive@demo.example',
      }),
    );
    await page.waitForURL(`${publicUrl}/`);
    const cookies = await ctx.cookies(publicUrl);
    expect(cookies.map((c) => ({ name: c.name, secure: c.secure, httpOnly: c.httpOnly, path: c.path }))).toEqual([
      { name: '__Host-cfo_session', secure: true, httpOnly: true, path: '/' },
    ]);

    const first = page.locator('#recommendations .rec', { has: page.getByRole('button', { name: 'Dismiss' }) }).first();
    await expect.poll(() => first.count(), { timeout: 20_000 }).toBe(1);
    const title = await first.locator('strong').innerText();
    await first.getByRole('button', { name: 'Dismiss' }).click();
    const note = page.locator('#recommendations [role="status"]');
    await expect.poll(() => note.innerText(), { timeout: 15_000 }).toBe(`Dismissed: ${title}`);
    const stored = await withBusiness(t.db, t.demoId, (tx) =>
      tx.select({ title: recommendations.title, status: recommendations.status }).from(recommendations),
    );
    expect(stored.find((r) => r.title === title)?.status).toBe('dismissed');
    await page.screenshot({ path: new URL('proxy-dashboard.png', SHOTS).pathname });

    // The API describes itself at the address people use, not the one the proxy called.
    const doc = await page.evaluate(() => fetch('/openapi.json').then((r) => r.json()));
    expect(doc.servers).toEqual([{ url: publicUrl }]);

    // Signing out ends the session: the cookie is gone and the dashboard asks to sign in again.
    await page.evaluate(() => fetch('/logout', { method: 'POST' }).then((r) => r.status));
    expect((await ctx.cookies(publicUrl)).map((c) => c.name)).toEqual([]);
    const me = await page.evaluate(() => fetch('/v1/me').then((r) => r.status));
    expect(me).toBe(401);
    await ctx.close();
  });

  it('serves the widget to an allowed https site, answering through the proxy', async () => {
    const res = await fetch(`${cfo.url}/v1/widget-sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hostKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'vic@demo.example' }),
    });
    expect(res.status).toBe(201);
    const { token } = await res.json();
    writeFileSync(
      join(dir, 'site', 'index.html'),
      `<!doctype html><html><head><title>Shop admin</title></head><body><h1>Shop admin</h1>
       <script src="${publicUrl}/widget.js" data-token="${token}" data-title="Ask the CFO"></script></body></html>`,
    );
    const ctx = await newContext();
    const page = await ctx.newPage();
    await page.goto(`${siteOrigin}/index.html`);
    await page.getByRole('button', { name: 'Ask the CFO' }).click();
    const input = page.getByLabel('Ask the CFO a question');
    await input.fill('How much cash do we have?');
    const stream = page.waitForResponse((r) => r.url() === `${publicUrl}/v1/chat`);
    await input.press('Enter');
    expect((await stream).headers()['content-type']).toMatch(/^text\/event-stream/);
    const answer = page.locator('[data-cfo-widget] .msg.assistant').last();
    await expect.poll(() => answer.innerText(), { timeout: 20_000 }).toMatch(/you have \$[\d,]+\.\d{2}/);
    await page.screenshot({ path: new URL('proxy-widget.png', SHOTS).pathname });
    await ctx.close();
  });
});
