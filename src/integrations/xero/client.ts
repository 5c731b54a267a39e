/**
 * xero-node, pointed at configurable hosts. `XeroClient.initialize()` discovers the issuer at
 * identity.xero.com over the network, and `updateTenants`/`tokenRequest`/`disconnect` hard-code Xero's
 * hosts; so the issuer is built here from XERO_IDENTITY_BASE_URL, the accounting API's base path comes
 * from XERO_API_BASE_URL, and `/connections` is called directly. Everything else is the SDK.
 */

import type { TokenSet } from 'openid-client';
import type { XeroClient } from 'xero-node';
import { backoffDelay } from '../../backoff';
import type { Config } from '../../config';
import { ConfigError, ReauthRequiredError, UpstreamError } from '../../errors';
import type { Budget } from '../../limits';
import { loadOnce } from '../../load-once';

export interface XeroSettings {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  apiBaseUrl: string;
  identityBaseUrl: string;
  scopes: string[];
  /** How long one Accounting API call may take before it counts as failed and is retried (default 60 s). */
  timeoutMs?: number;
}

/**
 * What the sync reads, write access to transactions for pushing categories back (bank transactions' account
 * codes), the reports it reconciles against, and offline_access for a refresh token.
 */
export const XERO_SCOPES = [
  'offline_access',
  'accounting.transactions',
  'accounting.contacts.read',
  'accounting.settings.read',
  'accounting.reports.read',
];

export function xeroSettings(config: Config): XeroSettings {
  const x = config.xero;
  for (const [name, value] of [
    ['XERO_CLIENT_ID', x.clientId],
    ['XERO_CLIENT_SECRET', x.clientSecret],
    ['XERO_REDIRECT_URI', x.redirectUri],
  ] as const) {
    if (!value)
      throw new ConfigError(name, `${name}: required to connect Xero (README, "Connecting Xero" lists the settings).`);
  }
  return {
    clientId: x.clientId!,
    clientSecret: x.clientSecret!,
    redirectUri: x.redirectUri!,
    apiBaseUrl: x.apiBaseUrl.replace(/\/$/, ''),
    identityBaseUrl: x.identityBaseUrl.replace(/\/$/, ''),
    scopes: XERO_SCOPES,
  };
}

/** Xero's consent page lives on login.xero.com; any other identity host serves all endpoints itself. */
function authorizationEndpoint(identityBaseUrl: string): string {
  return identityBaseUrl === 'https://identity.xero.com'
    ? 'https://login.xero.com/identity/connect/authorize'
    : `${identityBaseUrl}/connect/authorize`;
}

/**
 * The SDKs load on first use: xero-node with its openid-client and axios is over a second of every process's
 * start-up here, and most commands never talk to Xero.
 */
const loadSdk = loadOnce(() => Promise.all([import('xero-node'), import('openid-client')]));

export async function createXeroClient(s: XeroSettings, state?: string): Promise<XeroClient> {
  const [{ XeroClient }, { Issuer }] = await loadSdk();
  const client = new XeroClient({
    clientId: s.clientId,
    clientSecret: s.clientSecret,
    redirectUris: [s.redirectUri],
    scopes: s.scopes,
    state,
  });
  const issuer = new Issuer({
    issuer: s.identityBaseUrl,
    authorization_endpoint: authorizationEndpoint(s.identityBaseUrl),
    token_endpoint: `${s.identityBaseUrl}/connect/token`,
    revocation_endpoint: `${s.identityBaseUrl}/connect/revocation`,
    jwks_uri: `${s.identityBaseUrl}/.well-known/openid-configuration/jwks`,
  });
  client.openIdClient = new issuer.Client({
    client_id: s.clientId,
    client_secret: s.clientSecret,
    redirect_uris: [s.redirectUri],
  });
  client.accountingApi.basePath = `${s.apiBaseUrl}/api.xro/2.0`;
  return client;
}

export interface XeroTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  scope?: string;
}

export function tokensFrom(set: TokenSet): XeroTokens {
  if (!set.access_token || !set.refresh_token)
    throw new UpstreamError('Xero', 'the token response had no access or refresh token (is offline_access granted?)');
  return {
    accessToken: set.access_token,
    refreshToken: set.refresh_token,
    expiresAt: set.expires_at ? set.expires_at * 1000 : Date.now() + 1_800_000,
    scope: set.scope,
  };
}

/** openid-client's OPError for a dead grant. */
export function isInvalidGrant(err: unknown): boolean {
  return (err as { error?: string })?.error === 'invalid_grant';
}

export interface XeroConnection {
  id: string;
  tenantId: string;
  tenantType: string;
  tenantName: string | null;
}

/** The organisations a token's grant covers (GET /connections). */
export async function listConnections(s: XeroSettings, accessToken: string): Promise<XeroConnection[]> {
  const res = await fetch(`${s.apiBaseUrl}/connections`, { headers: { authorization: `Bearer ${accessToken}` } });
  if (!res.ok) throw new UpstreamError('Xero', `listing connections failed with HTTP ${res.status}`);
  const rows = (await res.json()) as XeroConnection[];
  return rows.filter((r) => r.tenantType === 'ORGANISATION');
}

export async function deleteConnection(s: XeroSettings, accessToken: string, connectionId: string): Promise<void> {
  const res = await fetch(`${s.apiBaseUrl}/connections/${encodeURIComponent(connectionId)}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (!res.ok && res.status !== 404) throw new UpstreamError('Xero', `disconnecting failed with HTTP ${res.status}`);
}

/** What xero-node rejects with: a JSON string of `{ response: { statusCode, headers, body } }`, or an Error. */
export interface XeroFailure {
  status: number;
  headers: Record<string, unknown>;
  message: string;
}

export function xeroFailure(err: unknown): XeroFailure {
  let parsed: unknown = err;
  if (typeof err === 'string') {
    try {
      parsed = JSON.parse(err);
    } catch {
      return { status: 0, headers: {}, message: err };
    }
  }
  const r = (
    parsed as { response?: { statusCode?: number; status?: number; headers?: Record<string, unknown>; body?: unknown } }
  )?.response;
  if (!r) return { status: 0, headers: {}, message: err instanceof Error ? err.message : String(err) };
  const body = r.body;
  const detail =
    typeof body === 'string'
      ? body
      : ((body as { Detail?: string; Title?: string; Message?: string })?.Detail ??
        (body as { Title?: string })?.Title ??
        (body as { Message?: string })?.Message ??
        '');
  return { status: r.statusCode ?? r.status ?? 0, headers: r.headers ?? {}, message: String(detail).slice(0, 300) };
}

export interface CallHooks {
  limiter: Budget;
  /** A 401: refresh the token (single-flight) and return the new one. */
  onUnauthorized: () => Promise<string>;
  onWait?: (ms: number) => void;
  onRetry?: (reason: string) => void;
  timeoutMs?: number;
}

const RETRIES = 5;
const NO_ANSWER = 'no answer from Xero';

/**
 * One Accounting API call under the organisation's limiter: waits for room, retries 429s after
 * `Retry-After`, 5xx and dropped connections with backoff, and a 401 once after a token refresh.
 */
export async function callXero<T>(
  client: XeroClient,
  hooks: CallHooks,
  fn: () => Promise<{ response: { data: unknown; headers: Record<string, unknown> }; body: T }>,
): Promise<{ data: Record<string, unknown>; headers: Record<string, unknown>; body: T }> {
  let refreshed = false;
  for (let attempt = 0; ; attempt++) {
    await hooks.limiter.acquire(hooks.onWait);
    let failure: XeroFailure;
    try {
      const result = await withTimeout(fn(), hooks.timeoutMs ?? 60_000);
      await hooks.limiter.release(result.response.headers);
      return {
        data: result.response.data as Record<string, unknown>,
        headers: result.response.headers,
        body: result.body,
      };
    } catch (err) {
      failure = xeroFailure(err);
      await hooks.limiter.release(failure.headers);
    }
    if (failure.status === 429) {
      const problem = String(failure.headers['x-rate-limit-problem'] ?? 'minute');
      await hooks.limiter.throttled(Number(failure.headers['retry-after'] ?? 1), problem, hooks.onWait);
      attempt--;
      continue;
    }
    if (failure.status === 401 && !refreshed) {
      refreshed = true;
      client.accountingApi.accessToken = await hooks.onUnauthorized();
      continue;
    }
    if (failure.status === 401 || failure.status === 403)
      throw new ReauthRequiredError(
        'Xero',
        `access to this organisation was refused (${failure.message || failure.status}); reconnect Xero.`,
        'connection',
      );
    const transient = failure.status === 0 || failure.status >= 500;
    const what = failure.status
      ? `HTTP ${failure.status}: ${failure.message}`
      : failure.message.startsWith(NO_ANSWER)
        ? failure.message
        : `connection failed: ${failure.message}`;
    if (!transient || attempt >= RETRIES) throw new UpstreamError('Xero', what, { status: failure.status });
    hooks.onRetry?.(failure.status ? `HTTP ${failure.status}` : what);
    await new Promise((r) => setTimeout(r, backoffDelay(attempt + 1, { baseMs: 250, capMs: 8_000 })));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${NO_ANSWER} within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
