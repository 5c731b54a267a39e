/**
 * What a browser loads: the dashboard at `/` (signed in with the one-time link `cfo open` prints, which sets
 * an HttpOnly, SameSite=Strict session cookie), `/widget.js` for any page that embeds the chat, and the
 * interactive API docs at `/docs` (Swagger UI, served from this service: no CDN). Pages carry a strict
 * Content-Security-Policy: scripts and data from this origin only.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { DASHBOARD_SESSION_MS, endDashboardSession, redeemLoginTicket, verifyDashboardSession } from '../auth/sessions';
import { DomainError } from '../errors';
import type { AppDeps } from './app';
import { asset } from './assets';
import { type ApiEnv, ownOrigins, readSessionCookie, requestMeta, servedOverHttps, sessionCookieName } from './auth';
import { notice, page } from './pages';

const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
};

async function serveAsset(c: Context, name: string, extra: Record<string, string> = {}) {
  const a = asset(name);
  if (!a) return c.json({ error: { code: 'not_found', message: `No asset ${name}.` } }, 404);
  const got = await a;
  if (c.req.header('if-none-match') === got.etag) return c.body(null, 304);
  return c.body(got.body, 200, {
    'content-type': got.type,
    etag: got.etag,
    'cache-control': 'public, max-age=300',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
}

export function registerWebRoutes(app: OpenAPIHono<ApiEnv>, deps: AppDeps): void {
  const { database, config } = deps;
  const sealing = { key: config.encryption.key, keyId: config.encryption.keyId };

  app.get('/', async (c) => {
    const token = readSessionCookie(c);
    const signedIn = token ? await verifyDashboardSession(database.db, token).catch(() => null) : null;
    if (!signedIn)
      return c.html(
        notice(
          'Sign in',
          html`<p>Sign in with the one-time link that <code>cfo open</code> prints (in demo mode, <code>npm start</code> prints one when it starts).</p>
            <p>API: <a href="/docs">/docs</a> · <a href="/openapi.json">/openapi.json</a></p>`,
          'cfo-agent',
        ),
        200,
        PAGE_HEADERS,
      );
    return c.html(
      page(
        'Dashboard',
        html`<div id="app" aria-busy="true"></div>
          <script src="/assets/dashboard.js" defer></script>
          <script src="/widget.js" data-token-url="/v1/widget-sessions" data-title="Ask the CFO" defer></script>`,
        html`<link rel="stylesheet" href="/assets/dashboard.css" />`,
      ),
      200,
      PAGE_HEADERS,
    );
  });

  app.get('/login', async (c) => {
    try {
      const s = await redeemLoginTicket(
        database.db,
        sealing,
        c.req.query('ticket'),
        requestMeta(c, config.http.trustProxy),
      );
      const secure = servedOverHttps(c, config);
      setCookie(c, sessionCookieName(secure), s.token, {
        httpOnly: true,
        sameSite: 'Strict',
        secure,
        path: '/',
        maxAge: Math.floor(DASHBOARD_SESSION_MS / 1000),
      });
      return c.redirect('/', 302);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return c.html(notice('Not signed in', html`<p>${err.message}</p>`), err.status as 401, PAGE_HEADERS);
    }
  });

  app.post('/logout', async (c) => {
    const origin = c.req.header('origin');
    if (origin && !ownOrigins(c, config).includes(origin))
      throw new DomainError('origin_not_allowed', 403, 'Sign out from the dashboard itself.');
    const token = readSessionCookie(c);
    if (token) await endDashboardSession(database.db, token);
    for (const secure of [true, false])
      deleteCookie(c, sessionCookieName(secure), { path: '/', ...(secure ? { secure: true } : {}) });
    return c.redirect('/', 303);
  });

  app.get('/favicon.ico', (c) =>
    c.body(
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f4fd1"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif">$</text></svg>',
      200,
      { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' },
    ),
  );

  // Any page may load the widget (a script tag needs no CORS); what it may then do is the token's business.
  app.get('/widget.js', (c) => serveAsset(c, 'widget.js', { 'access-control-allow-origin': '*' }));
  app.get('/assets/:name', (c) => {
    const name = c.req.param('name');
    return name.startsWith('dashboard.') ? serveAsset(c, name) : c.notFound();
  });

  app.get('/docs', (c) =>
    c.html(
      page(
        'API',
        html`<div id="swagger"></div>
          <script src="/docs/swagger-ui-bundle.js"></script>
          <script src="/docs/init.js"></script>`,
        html`<link rel="stylesheet" href="/docs/swagger-ui.css" />`,
      ),
      200,
      PAGE_HEADERS,
    ),
  );
  app.get('/docs/init.js', (c) =>
    c.body(
      "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger', deepLinking: true, persistAuthorization: true });",
      200,
      { 'content-type': 'text/javascript; charset=utf-8' },
    ),
  );
  app.get('/docs/:name', (c) => {
    const name = c.req.param('name');
    return name.startsWith('swagger-ui') ? serveAsset(c, name) : c.notFound();
  });
}
