/**
 * Xero token sets, sealed at rest on `integration_grants`, and refreshed single-flight. Xero's refresh
 * tokens rotate and are single-use: if two processes refreshed the same grant, the loser's token
 * would be dead and the grant lost. So a refresh holds the grant's row lock (`for update`) while it
 * talks to Xero; whoever waited on the lock re-reads the row and uses the token the winner stored.
 * Within one process a map of in-flight refreshes saves even the wait.
 */
import { eq, sql } from 'drizzle-orm';
import { openSecret, type SealingKey, sealSecret } from '../../auth/secrets';
import { type Db, withSystem } from '../../db/client';
import { integrationAccounts, integrationGrants } from '../../db/schema';
import { NotFoundError, ReauthRequiredError } from '../../errors';
import { createXeroClient, isInvalidGrant, tokensFrom, type XeroSettings, type XeroTokens } from './client';

/** Refresh when fewer than this many ms of an access token's 30 minutes are left. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const context = (grantId: string) => `integration_grants:${grantId}`;

export async function createGrant(db: Db, key: SealingKey, tokens: XeroTokens): Promise<string> {
  return withSystem(db, async (tx) => {
    const [row] = await tx
      .insert(integrationGrants)
      .values({ provider: 'xero', tokenExpiresAt: new Date(tokens.expiresAt), refreshedAt: new Date() })
      .returning({ id: integrationGrants.id });
    await storeTokens(tx, key, row!.id, tokens);
    return row!.id;
  });
}

async function storeTokens(tx: Db, key: SealingKey, grantId: string, tokens: XeroTokens) {
  const sealed = sealSecret(tokens, key, context(grantId));
  await tx
    .update(integrationGrants)
    .set({
      credentialsCiphertext: sealed.ciphertext,
      credentialsKeyId: sealed.keyId,
      tokenExpiresAt: new Date(tokens.expiresAt),
      refreshedAt: new Date(),
      status: 'active',
      statusMessage: null,
      updatedAt: new Date(),
    })
    .where(eq(integrationGrants.id, grantId));
}

async function readTokens(tx: Db, keys: SealingKey[], grantId: string, lock: boolean) {
  const query = tx.select().from(integrationGrants).where(eq(integrationGrants.id, grantId));
  const [row] = lock ? await query.for('update') : await query;
  if (!row) throw new NotFoundError(`No Xero grant ${grantId}.`);
  if (row.status !== 'active' || !row.credentialsCiphertext || !row.credentialsKeyId)
    throw new ReauthRequiredError('Xero', row.statusMessage ?? 'this connection needs to be reconnected.');
  return openSecret<XeroTokens>(
    { ciphertext: row.credentialsCiphertext, keyId: row.credentialsKeyId },
    keys,
    context(grantId),
  );
}

export interface TokenDeps {
  db: Db;
  settings: XeroSettings;
  /** The current key first; older ones still open what they sealed. */
  keys: SealingKey[];
}

const inFlight = new Map<string, Promise<string>>();

/**
 * A usable access token for the grant, refreshed if it is about to expire. `stale` is a token the
 * caller saw rejected: it is refreshed even if not yet expired, unless someone already replaced it.
 */
export async function xeroAccessToken(deps: TokenDeps, grantId: string, stale?: string): Promise<string> {
  const current = await withSystem(deps.db, (tx) => readTokens(tx, deps.keys, grantId, false));
  if (current.accessToken !== stale && current.expiresAt - Date.now() > REFRESH_MARGIN_MS) return current.accessToken;
  const pending = inFlight.get(grantId);
  if (pending) return pending;
  const p = refreshGrant(deps, grantId, stale ?? current.accessToken).finally(() => inFlight.delete(grantId));
  inFlight.set(grantId, p);
  return p;
}

/**
 * The refresh itself, under the grant's row lock. Exported so tests can race two of them the way two
 * processes would (no shared in-process map).
 */
export async function refreshGrant(deps: TokenDeps, grantId: string, stale: string): Promise<string> {
  const key = deps.keys[0]!;
  let dead: string | undefined;
  const token = await withSystem(deps.db, async (tx) => {
    const tokens = await readTokens(tx, deps.keys, grantId, true);
    // Someone refreshed while we waited for the lock: theirs is the one to use.
    if (tokens.accessToken !== stale && tokens.expiresAt - Date.now() > REFRESH_MARGIN_MS) return tokens.accessToken;
    try {
      const client = await createXeroClient(deps.settings);
      const next = tokensFrom(await client.openIdClient.refresh(tokens.refreshToken));
      await storeTokens(tx, key, grantId, next);
      return next.accessToken;
    } catch (err) {
      if (!isInvalidGrant(err)) throw err;
      dead = 'Xero refused the stored authorization (revoked in Xero, or unused for 60 days); reconnect Xero.';
      return undefined;
    }
  });
  if (token) return token;
  await markNeedsReauth(deps.db, grantId, dead!);
  throw new ReauthRequiredError('Xero', dead!);
}

/** A dead grant: it and every connection using it stop until someone reconnects. */
export async function markNeedsReauth(db: Db, grantId: string, message: string): Promise<void> {
  await withSystem(db, async (tx) => {
    await tx
      .update(integrationGrants)
      .set({ status: 'needs_reauth', statusMessage: message, updatedAt: new Date() })
      .where(eq(integrationGrants.id, grantId));
    await tx
      .update(integrationAccounts)
      .set({ status: 'needs_reauth', statusMessage: message, updatedAt: new Date() })
      .where(eq(integrationAccounts.grantId, grantId));
  });
}

/** The refresh token, for revocation on disconnect (system code only). */
export async function grantTokens(deps: Omit<TokenDeps, 'settings'>, grantId: string): Promise<XeroTokens> {
  return withSystem(deps.db, (tx) => readTokens(tx, deps.keys, grantId, false));
}

/** Forget the tokens (after revoking them upstream). */
export async function deleteGrantTokens(db: Db, grantId: string): Promise<void> {
  await withSystem(db, (tx) =>
    tx
      .update(integrationGrants)
      .set({
        credentialsCiphertext: null,
        credentialsKeyId: null,
        tokenExpiresAt: null,
        status: 'revoked',
        statusMessage: 'Disconnected.',
        updatedAt: sql`now()`,
      })
      .where(eq(integrationGrants.id, grantId)),
  );
}
