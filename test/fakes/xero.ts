/**
 * A fake Xero on port 0 that the real xero-node (and openid-client) talk to: the identity endpoints
 * (authorize, token with rotating single-use refresh tokens, revocation), `/connections`, and the
 * Accounting API's list and get endpoints in Xero's JSON (PascalCase, `/Date(ms+0000)/` dates), with
 * `page`/`pageSize`, `order`, `If-Modified-Since`, and the rate-limit headers. Per test it can enforce
 * the per-organisation limits (N calls per window, M concurrent, a daily cap; 429 with `Retry-After`
 * and `X-Rate-Limit-Problem`), answer 500s, drop connections, or answer slowly.
 *
 * Both XERO_API_BASE_URL and XERO_IDENTITY_BASE_URL point at `url`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateDemo } from '../../src/demo/generate';
import type { XeroBatch, XeroOrganisation } from '../../src/integrations/xero/types';
import { listenLocal } from './listen';
import { balanceSheetReport, profitAndLossReport } from './xero-reports';

export const FAKE_XERO_CLIENT = { clientId: 'fake-xero-client', clientSecret: 'fake-xero-secret' };

/** The list endpoints the fake serves: collection name in the URL and JSON, and each record's id field. */
export const XERO_COLLECTIONS = {
  Accounts: { id: 'AccountID', paged: false },
  Contacts: { id: 'ContactID', paged: true },
  Invoices: { id: 'InvoiceID', paged: true },
  CreditNotes: { id: 'CreditNoteID', paged: true },
  Payments: { id: 'PaymentID', paged: true },
  BankTransactions: { id: 'BankTransactionID', paged: true },
  BankTransfers: { id: 'BankTransferID', paged: false },
} as const;
export type XeroCollection = keyof typeof XERO_COLLECTIONS;

type ApiRecord = Record<string, unknown>;

export interface FakeOrg {
  tenantId: string;
  organisation: XeroOrganisation;
  data: Record<XeroCollection, ApiRecord[]>;
}

export interface RateLimits {
  perWindow: number;
  windowMs: number;
  concurrent: number;
  perDay: number;
}

/** Xero's published limits per organisation: 60 calls a minute, 5 at once, 5,000 a day. */
export const XERO_LIMITS: RateLimits = { perWindow: 60, windowMs: 60_000, concurrent: 5, perDay: 5_000 };

export interface ApiCall {
  collection: string;
  tenantId: string;
  status: number;
  page?: number;
  ifModifiedSince?: string;
}

export interface FakeXero {
  url: string;
  orgs: Map<string, FakeOrg>;
  /** Every Accounting API request, in arrival order (429s and faults included). */
  calls: ApiCall[];
  /** Bank transactions updated through the API (write-back), in order. */
  writes: { tenantId: string; id: string; lineItems: ApiRecord[] }[];
  /** Token endpoint requests by grant type. */
  tokenCalls: { grantType: string; ok: boolean }[];
  revoked: string[];
  /** Every access and refresh token handed out (secrets tests look for them where they must not be). */
  issued: string[];
  /** Enforce limits (null: none). */
  limits: RateLimits | null;
  /** Largest page Xero serves; it ignores a larger pageSize. */
  maxPageSize: number;
  /** Faults for the next Accounting API requests: each entry is used once, in order. */
  faults: ('500' | 'drop' | 'hang' | { slowMs: number })[];
  latencyMs: number;
  /** Send X-MinLimit-Remaining / X-DayLimit-Remaining (default true). */
  limitHeaders: boolean;
  /** Tenants the next consent grants (default: all). */
  grantTenants: string[] | null;
  /** Change a report before it is served (a test's deliberate mismatch with the books). */
  tamperReport:
    | ((kind: 'ProfitAndLoss' | 'BalanceSheet', report: { Reports: Record<string, unknown>[] }) => void)
    | null;
  /** Change a record upstream: merge `patch` and bump its UpdatedDateUTC to now. */
  update(tenantId: string, collection: XeroCollection, id: string, patch: ApiRecord): void;
  /** Expire every issued access token (the next API call answers 401). */
  expireAccessTokens(): void;
  close(): Promise<void>;
}

export const xeroDate = (ms: number) => `/Date(${ms}+0000)/`;

function parseXeroMs(value: unknown): number {
  const m = /^\/Date\((-?\d+)/.exec(String(value));
  return m ? Number(m[1]) : Date.parse(String(value));
}

/** The day the fake organisations' books end on: fixed, so what they hold does not depend on the calendar. */
export const FAKE_ORG_TODAY = new Date('2026-11-22T09:00:00Z');

/** An organisation filled from the demo generator (real API shapes), `seed` making each one different. */
export function demoOrg(
  seed: number,
  opts: { months?: number; scale?: number; name?: string; today?: Date } = {},
): FakeOrg {
  const merged: Required<Omit<XeroBatch, 'organisation'>> = {
    accounts: [],
    contacts: [],
    invoices: [],
    creditNotes: [],
    payments: [],
    bankTransactions: [],
    bankTransfers: [],
  };
  let organisation: XeroOrganisation | undefined;
  for (const batch of generateDemo({
    seed,
    months: opts.months ?? 6,
    scale: opts.scale ?? 0.05,
    today: opts.today ?? FAKE_ORG_TODAY,
  })) {
    organisation ??= batch.xero.organisation;
    for (const k of Object.keys(merged) as (keyof typeof merged)[]) {
      (merged[k] as unknown[]).push(...((batch.xero[k] as unknown[] | undefined) ?? []));
    }
  }
  const tenantId = randomUUID();
  return {
    tenantId,
    organisation: { ...organisation!, OrganisationID: tenantId, Name: opts.name ?? `Fake Org ${seed}` },
    data: {
      Accounts: merged.accounts as unknown as ApiRecord[],
      Contacts: merged.contacts as unknown as ApiRecord[],
      Invoices: merged.invoices as unknown as ApiRecord[],
      CreditNotes: merged.creditNotes as unknown as ApiRecord[],
      Payments: merged.payments as unknown as ApiRecord[],
      BankTransactions: merged.bankTransactions as unknown as ApiRecord[],
      BankTransfers: merged.bankTransfers as unknown as ApiRecord[],
    },
  };
}

/** An organisation with one bank account and `n` spend/receive lines (for volume and rate-limit runs). */
export function bankOrg(n: number, name = 'Bank-heavy Ltd'): FakeOrg {
  const tenantId = randomUUID();
  const bank = { AccountID: randomUUID(), Code: '090', Name: 'Business Account' };
  const base = Date.UTC(2026, 0, 1);
  const lines: ApiRecord[] = [];
  for (let i = 0; i < n; i++) {
    const inbound = i % 3 === 0;
    const cents = 1_000 + ((i * 7_919) % 250_000);
    lines.push({
      BankTransactionID: randomUUID(),
      Type: inbound ? 'RECEIVE' : 'SPEND',
      BankAccount: bank,
      Date: xeroDate(base + (i % 300) * 86_400_000),
      Reference: `Line ${i}`,
      Status: 'AUTHORISED',
      IsReconciled: true,
      LineItems: [{ Description: inbound ? 'Customer receipt' : 'Supplier payment', LineAmount: cents / 100 }],
      SubTotal: cents / 100,
      TotalTax: 0,
      Total: cents / 100,
      CurrencyCode: 'GBP',
      UpdatedDateUTC: xeroDate(base + i * 1_000),
    });
  }
  return {
    tenantId,
    organisation: {
      OrganisationID: tenantId,
      Name: name,
      BaseCurrency: 'GBP',
      CountryCode: 'GB',
      FinancialYearEndDay: 31,
      FinancialYearEndMonth: 3,
    },
    data: {
      Accounts: [{ ...bank, Type: 'BANK', Status: 'ACTIVE', CurrencyCode: 'GBP', UpdatedDateUTC: xeroDate(base) }],
      Contacts: [],
      Invoices: [],
      CreditNotes: [],
      Payments: [],
      BankTransactions: lines,
      BankTransfers: [],
    },
  };
}

interface Grant {
  tenants: string[];
  refreshToken: string;
}

export async function startFakeXero(orgList: FakeOrg[], opts: { limits?: RateLimits | null } = {}): Promise<FakeXero> {
  const orgs = new Map(orgList.map((o) => [o.tenantId, o]));
  const codes = new Map<string, { tenants: string[]; redirectUri: string }>();
  const accessTokens = new Map<string, { grant: Grant; expiresAt: number }>();
  const refreshTokens = new Map<string, Grant>();
  const connections = new Map<string, { id: string; tenantId: string; grant: Grant }>();
  const windows = new Map<string, { starts: number[]; day: number[]; inFlight: number }>();
  let closeServer = async () => {};

  const fake: FakeXero = {
    url: '',
    orgs,
    calls: [],
    writes: [],
    tokenCalls: [],
    revoked: [],
    issued: [],
    limits: opts.limits ?? null,
    maxPageSize: 1000,
    faults: [],
    latencyMs: 0,
    limitHeaders: true,
    grantTenants: null,
    tamperReport: null,
    update(tenantId, collection, id, patch) {
      const org = orgs.get(tenantId)!;
      const idField = XERO_COLLECTIONS[collection].id;
      const rec = org.data[collection].find((r) => r[idField] === id);
      if (!rec) throw new Error(`no ${collection} ${id}`);
      Object.assign(rec, patch, { UpdatedDateUTC: xeroDate(Date.now()) });
    },
    expireAccessTokens() {
      for (const t of accessTokens.values()) t.expiresAt = 0;
    },
    close: () => closeServer(),
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

  const issueTokens = (grant: Grant) => {
    const access = `at_${randomBytes(12).toString('hex')}`;
    const refresh = `rt_${randomBytes(12).toString('hex')}`;
    fake.issued.push(access, refresh);
    accessTokens.set(access, { grant, expiresAt: Date.now() + 1_800_000 });
    refreshTokens.delete(grant.refreshToken);
    grant.refreshToken = refresh;
    refreshTokens.set(refresh, grant);
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: 1800,
      token_type: 'Bearer',
      scope: 'offline_access accounting.transactions.read accounting.contacts.read accounting.settings.read',
    };
  };

  const clientOk = (req: IncomingMessage, form: URLSearchParams) => {
    const basic = req.headers.authorization?.replace(/^Basic /, '');
    const [id, secret] = basic
      ? Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent)
      : [form.get('client_id'), form.get('client_secret')];
    return id === FAKE_XERO_CLIENT.clientId && secret === FAKE_XERO_CLIENT.clientSecret;
  };

  const bearer = (req: IncomingMessage) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const t = accessTokens.get(token);
    return t && t.expiresAt > Date.now() ? t : undefined;
  };

  /** Count a call against the tenant's limits; a 429 response's headers when over. */
  const admit = (tenantId: string): { retryAfterMs: number; problem: string } | null => {
    const l = fake.limits;
    const w = windows.get(tenantId) ?? { starts: [], day: [], inFlight: 0 };
    windows.set(tenantId, w);
    const now = Date.now();
    w.starts = w.starts.filter((t) => t > now - (l?.windowMs ?? 60_000));
    w.day = w.day.filter((t) => t > now - 86_400_000);
    if (l) {
      if (w.inFlight >= l.concurrent) return { retryAfterMs: 1_000, problem: 'concurrent' };
      if (w.starts.length >= l.perWindow) return { retryAfterMs: w.starts[0]! + l.windowMs - now, problem: 'minute' };
      if (w.day.length >= l.perDay) return { retryAfterMs: w.day[0]! + 86_400_000 - now, problem: 'daily' };
    }
    w.starts.push(now);
    w.day.push(now);
    w.inFlight++;
    return null;
  };
  const limitHeaders = (tenantId: string) => {
    const l = fake.limits ?? XERO_LIMITS;
    const w = windows.get(tenantId)!;
    return {
      'x-minlimit-remaining': String(Math.max(0, l.perWindow - w.starts.length)),
      'x-daylimit-remaining': String(Math.max(0, l.perDay - w.day.length)),
      'x-appminlimit-remaining': '9999',
    };
  };

  const listEndpoint = async (req: IncomingMessage, res: ServerResponse, url: URL, org: FakeOrg, parts: string[]) => {
    const [name, id] = parts;
    const envelope = {
      Id: randomUUID(),
      Status: 'OK',
      ProviderName: 'cfo-agent fake',
      DateTimeUTC: xeroDate(Date.now()),
    };
    if (req.method === 'POST' && name === 'BankTransactions' && id) {
      // Update one bank transaction: line items replaced as sent (Xero wants them all), UpdatedDateUTC bumped.
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const sent = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { BankTransactions?: ApiRecord[] })
        .BankTransactions?.[0];
      const rec = org.data.BankTransactions.find((r) => r.BankTransactionID === id);
      if (!rec || !sent) return json(res, 404, { Title: 'Not found', Status: 404 });
      if (rec.IsReconciled)
        return json(res, 400, {
          ErrorNumber: 10,
          Type: 'ValidationException',
          Message: 'This Bank Transaction cannot be edited as it has been reconciled.',
        });
      if (Array.isArray(sent.LineItems)) rec.LineItems = sent.LineItems;
      rec.UpdatedDateUTC = xeroDate(Date.now());
      fake.writes.push({ tenantId: org.tenantId, id, lineItems: sent.LineItems as ApiRecord[] });
      return json(res, 200, { ...envelope, BankTransactions: [rec] });
    }
    if (name === 'Organisation') return json(res, 200, { ...envelope, Organisations: [org.organisation] });
    if (name === 'Reports' && (id === 'ProfitAndLoss' || id === 'BalanceSheet')) {
      const q = url.searchParams;
      const periods = Number(q.get('periods') ?? 0);
      const base = org.organisation.BaseCurrency;
      const report =
        id === 'ProfitAndLoss'
          ? profitAndLossReport(org.data, base, q.get('fromDate') ?? '', periods)
          : balanceSheetReport(org.data, q.get('date') ?? '', periods);
      fake.tamperReport?.(id, report);
      return json(res, 200, report);
    }
    const collection = name as XeroCollection;
    const spec = XERO_COLLECTIONS[collection];
    if (!spec) return json(res, 404, { Type: null, Title: 'Resource not found', Status: 404, Detail: name });
    let rows = org.data[collection];
    if (id) {
      const one = rows.filter((r) => r[spec.id] === id);
      if (one.length === 0) return json(res, 404, { Title: 'Not found', Status: 404 });
      return json(res, 200, { ...envelope, [collection]: one });
    }
    const ids = url.searchParams.get('IDs');
    if (ids) {
      const wanted = new Set(ids.split(','));
      rows = rows.filter((r) => wanted.has(String(r[spec.id])));
    }
    const since = req.headers['if-modified-since'];
    if (since) {
      const ms = Date.parse(String(since));
      rows = rows.filter((r) => parseXeroMs(r.UpdatedDateUTC) > ms);
    }
    const order = url.searchParams.get('order');
    if (order) {
      const [field, dir] = order.split(/\s+/);
      const sign = dir?.toUpperCase() === 'DESC' ? -1 : 1;
      rows = [...rows].sort((a, b) =>
        String(a[field!]) < String(b[field!]) ? -sign : String(a[field!]) > String(b[field!]) ? sign : 0,
      );
    }
    const pageParam = url.searchParams.get('page');
    if (spec.paged && pageParam) {
      const page = Math.max(1, Number(pageParam));
      const size = Math.min(fake.maxPageSize, Number(url.searchParams.get('pageSize') ?? 100));
      const total = rows.length;
      rows = rows.slice((page - 1) * size, page * size);
      return json(res, 200, {
        ...envelope,
        pagination: { page, pageSize: size, pageCount: Math.ceil(total / size), itemCount: total },
        [collection]: rows,
      });
    }
    return json(res, 200, { ...envelope, [collection]: rows });
  };

  const api = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const parts = url.pathname.replace('/api.xro/2.0/', '').split('/');
    const tenantId = String(req.headers['xero-tenant-id'] ?? '');
    const call: ApiCall = {
      // Reports by name (Reports/ProfitAndLoss), lists by collection.
      collection: parts[0] === 'Reports' ? parts.slice(0, 2).join('/') : parts[0]!,
      tenantId,
      status: 0,
      page: url.searchParams.has('page') ? Number(url.searchParams.get('page')) : undefined,
      ifModifiedSince: req.headers['if-modified-since'] as string | undefined,
    };
    fake.calls.push(call);
    const token = bearer(req);
    if (!token) {
      call.status = 401;
      return json(res, 401, { Type: null, Title: 'Unauthorized', Status: 401, Detail: 'AuthenticationUnsuccessful' });
    }
    const org = orgs.get(tenantId);
    if (!org || !token.grant.tenants.includes(tenantId)) {
      call.status = 403;
      return json(res, 403, { Type: null, Title: 'Forbidden', Status: 403, Detail: 'AuthorizationUnsuccessful' });
    }
    const over = admit(tenantId);
    if (over) {
      call.status = 429;
      return json(
        res,
        429,
        { Title: 'Too Many Requests', Status: 429 },
        {
          'retry-after': String(Math.max(1, Math.ceil(over.retryAfterMs / 1000))),
          'x-rate-limit-problem': over.problem,
        },
      );
    }
    const w = windows.get(tenantId)!;
    try {
      const fault = fake.faults.shift();
      if (fault === 'hang') {
        // Never answered: only a client that gives up and asks again gets anywhere.
        call.status = -2;
        return;
      }
      const delay = (typeof fault === 'object' ? fault.slowMs : 0) + fake.latencyMs;
      if (delay) await new Promise((r) => setTimeout(r, delay));
      if (fault === '500') {
        call.status = 500;
        return json(res, 500, { Title: 'An error occurred', Status: 500 });
      }
      if (fault === 'drop') {
        call.status = -1;
        req.socket.destroy();
        return;
      }
      call.status = 200;
      if (fake.limitHeaders) for (const [k, v] of Object.entries(limitHeaders(tenantId))) res.setHeader(k, v);
      await listEndpoint(req, res, url, org, parts);
    } finally {
      w.inFlight--;
    }
  };

  const readForm = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', fake.url);
    try {
      if (req.method === 'GET' && url.pathname === '/connect/authorize') {
        const code = `code_${randomBytes(8).toString('hex')}`;
        const redirectUri = url.searchParams.get('redirect_uri')!;
        codes.set(code, { tenants: fake.grantTenants ?? [...orgs.keys()], redirectUri });
        const back = new URL(redirectUri);
        back.searchParams.set('code', code);
        const state = url.searchParams.get('state');
        if (state) back.searchParams.set('state', state);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (req.method === 'POST' && url.pathname === '/connect/token') {
        const form = await readForm(req);
        const grantType = form.get('grant_type') ?? '';
        if (!clientOk(req, form)) {
          fake.tokenCalls.push({ grantType, ok: false });
          return json(res, 401, { error: 'invalid_client' });
        }
        if (grantType === 'authorization_code') {
          const c = codes.get(form.get('code') ?? '');
          codes.delete(form.get('code') ?? '');
          const ok = Boolean(c && c.redirectUri === form.get('redirect_uri'));
          fake.tokenCalls.push({ grantType, ok });
          if (!ok) return json(res, 400, { error: 'invalid_grant' });
          const grant: Grant = { tenants: c!.tenants, refreshToken: '' };
          for (const t of grant.tenants) {
            const id = randomUUID();
            connections.set(id, { id, tenantId: t, grant });
          }
          return json(res, 200, issueTokens(grant));
        }
        if (grantType === 'refresh_token') {
          // Refresh tokens rotate and are single-use: the old one stops working at once.
          const grant = refreshTokens.get(form.get('refresh_token') ?? '');
          fake.tokenCalls.push({ grantType, ok: Boolean(grant) });
          if (!grant) return json(res, 400, { error: 'invalid_grant' });
          await new Promise((r) => setTimeout(r, 20));
          return json(res, 200, issueTokens(grant));
        }
        fake.tokenCalls.push({ grantType, ok: false });
        return json(res, 400, { error: 'unsupported_grant_type' });
      }
      if (req.method === 'POST' && url.pathname === '/connect/revocation') {
        const form = await readForm(req);
        const token = form.get('token') ?? '';
        const grant = refreshTokens.get(token);
        if (grant) {
          refreshTokens.delete(token);
          for (const [k, v] of accessTokens) if (v.grant === grant) accessTokens.delete(k);
          for (const [k, v] of connections) if (v.grant === grant) connections.delete(k);
        }
        fake.revoked.push(token);
        res.writeHead(200);
        return res.end();
      }
      if (url.pathname === '/connections' || url.pathname.startsWith('/connections/')) {
        const token = bearer(req);
        if (!token) return json(res, 401, { title: 'Unauthorized', status: 401 });
        if (req.method === 'DELETE') {
          const id = url.pathname.split('/')[2]!;
          const c = connections.get(id);
          if (!c || c.grant !== token.grant) return json(res, 404, { title: 'Not Found', status: 404 });
          connections.delete(id);
          c.grant.tenants = c.grant.tenants.filter((t) => t !== c.tenantId);
          res.writeHead(204);
          return res.end();
        }
        const list = [...connections.values()]
          .filter((c) => c.grant === token.grant)
          .map((c) => ({
            id: c.id,
            authEventId: randomUUID(),
            tenantId: c.tenantId,
            tenantType: 'ORGANISATION',
            tenantName: orgs.get(c.tenantId)?.organisation.Name,
            createdDateUtc: new Date().toISOString(),
            updatedDateUtc: new Date().toISOString(),
          }));
        return json(res, 200, list);
      }
      if (url.pathname.startsWith('/api.xro/2.0/')) return await api(req, res, url);
      json(res, 404, { error: 'not found' });
    } catch (err) {
      if (!res.headersSent) json(res, 500, { error: String(err) });
    }
  });
  const listening = await listenLocal(server);
  fake.url = listening.url;
  closeServer = listening.close;
  return fake;
}
