/**
 * Connecting and disconnecting Xero. The consent redirect carries a signed, expiring `state`
 * (HMAC-SHA256 under a key derived from ENCRYPTION_KEY) naming the business to connect, if any. The
 * callback exchanges the code, lists every organisation the user ticked, and makes one
 * `integration_accounts` row per organisation, all sharing one grant (one token set): an
 * organisation connected before keeps its business; the named business takes the first new one; any
 * other new organisation gets a business of its own, named after it.
 */
import { and, eq, isNull, ne } from 'drizzle-orm';
import type { SealingKey } from '../../auth/secrets';
import { type SignedClaims, SignedTokenError, signToken, verifyToken } from '../../auth/signed';
import { type Actor, audit } from '../../db/audit';
import { type Db, isUuid, withBusiness, withNewBusiness, withSystem } from '../../db/client';
import { businesses, integrationAccounts } from '../../db/schema';
import { InvalidInputError, NotFoundError, UpstreamError } from '../../errors';
import { normalizeCurrency } from '../../money';
import { createXeroClient, deleteConnection, listConnections, tokensFrom, type XeroSettings } from './client';
import { createGrant, deleteGrantTokens, grantTokens, xeroAccessToken } from './tokens';
import type { XeroOrganisation } from './types';

const STATE_TTL_MS = 15 * 60_000;

/**
 * `state` rides the OAuth round trip; a `ticket` is the link `cfo connect xero` prints, which lets a
 * browser without an API key start the round trip. Neither passes for the other.
 */
export type StatePurpose = 'state' | 'ticket';

export interface StateClaims extends SignedClaims {
  businessId?: string;
}

const purposeName = (p: StatePurpose) => `xero oauth ${p}`;

export function signState(
  key: SealingKey,
  claims: { businessId?: string; purpose?: StatePurpose },
  ttlMs = STATE_TTL_MS,
): string {
  const { purpose = 'state', ...rest } = claims;
  return signToken(key, purposeName(purpose), rest, ttlMs);
}

export function verifyState(key: SealingKey, state: string | undefined, purpose: StatePurpose = 'state'): StateClaims {
  try {
    return verifyToken<StateClaims>(key, purposeName(purpose), state);
  } catch (err) {
    if (!(err instanceof SignedTokenError)) throw err;
    if (err.reason === 'malformed')
      throw new InvalidInputError('The Xero callback has no valid state; start again from /connect/xero.');
    if (err.reason === 'purpose')
      throw new InvalidInputError(`This ${purpose === 'ticket' ? 'link' : 'state'} was issued for something else.`);
    if (err.reason === 'expired')
      throw new InvalidInputError(
        purpose === 'ticket'
          ? 'This connect link has expired (15 minutes); run `cfo connect xero` again.'
          : 'The Xero sign-in took too long (over 15 minutes); start again.',
      );
    throw new InvalidInputError(
      'The Xero callback state was not issued by this service; start again from /connect/xero.',
    );
  }
}

export async function consentUrl(settings: XeroSettings, key: SealingKey, businessId?: string): Promise<string> {
  return (await createXeroClient(settings, signState(key, businessId ? { businessId } : {}))).buildConsentUrl();
}

export interface ConnectedOrganisation {
  connectionId: string;
  businessId: string;
  tenantId: string;
  name: string;
  /** A business was created for it. */
  createdBusiness: boolean;
}

export interface ConnectDeps {
  db: Db;
  settings: XeroSettings;
  keys: SealingKey[];
}

/** Finish the OAuth round trip: `callbackUrl` is the full URL Xero redirected to. */
export async function completeXeroConnection(
  deps: ConnectDeps,
  callbackUrl: string,
  actor: Actor,
): Promise<ConnectedOrganisation[]> {
  const url = new URL(callbackUrl);
  if (url.searchParams.get('error'))
    throw new InvalidInputError(`Xero did not grant access: ${url.searchParams.get('error')}.`);
  const state = url.searchParams.get('state') ?? undefined;
  const claims = verifyState(deps.keys[0]!, state);
  const client = await createXeroClient(deps.settings, state);
  const tokens = await client.apiCallback(callbackUrl).then(tokensFrom, (err: Error) => {
    throw new UpstreamError('Xero', `exchanging the sign-in code failed: ${err.message}`);
  });
  const tenants = await listConnections(deps.settings, tokens.accessToken);
  if (tenants.length === 0) throw new InvalidInputError('No Xero organisation was selected on the consent screen.');
  const grantId = await createGrant(deps.db, deps.keys[0]!, tokens);
  client.accountingApi.accessToken = tokens.accessToken;

  const out: ConnectedOrganisation[] = [];
  const replaced = new Set<string>();
  let requested = claims.businessId;
  for (const t of tenants) {
    const org = (
      (await client.accountingApi.getOrganisations(t.tenantId)).response.data as {
        Organisations: XeroOrganisation[];
      }
    ).Organisations[0]!;
    const name = t.tenantName ?? org.Name;
    const values = {
      provider: 'xero' as const,
      externalId: t.tenantId,
      name,
      grantId,
      status: 'active',
      statusMessage: null,
      metadata: { xeroConnectionId: t.id },
      updatedAt: new Date(),
    };
    const [existing] = await withSystem(deps.db, (tx) =>
      tx
        .select({
          id: integrationAccounts.id,
          businessId: integrationAccounts.businessId,
          grantId: integrationAccounts.grantId,
        })
        .from(integrationAccounts)
        .innerJoin(businesses, eq(businesses.id, integrationAccounts.businessId))
        .where(
          and(
            eq(integrationAccounts.provider, 'xero'),
            eq(integrationAccounts.externalId, t.tenantId),
            isNull(businesses.deletedAt),
          ),
        ),
    );
    if (existing) {
      if (existing.grantId && existing.grantId !== grantId) replaced.add(existing.grantId);
      await withBusiness(deps.db, existing.businessId, async (tx) => {
        await tx.update(integrationAccounts).set(values).where(eq(integrationAccounts.id, existing.id));
        await audit(tx, existing.businessId, actor, {
          action: 'xero.reconnected',
          entityType: 'integration_account',
          entityId: existing.id,
          newValues: { tenantId: t.tenantId, name },
        });
      });
      out.push({
        connectionId: existing.id,
        businessId: existing.businessId,
        tenantId: t.tenantId,
        name,
        createdBusiness: false,
      });
      continue;
    }
    const insert = async (tx: Db, businessId: string) => {
      const [row] = await tx
        .insert(integrationAccounts)
        .values({ ...values, businessId })
        .returning({ id: integrationAccounts.id });
      await audit(tx, businessId, actor, {
        action: 'xero.connected',
        entityType: 'integration_account',
        entityId: row!.id,
        newValues: { tenantId: t.tenantId, name },
      });
      return row!.id;
    };
    if (requested) {
      const businessId = requested;
      requested = undefined;
      const id = await withBusiness(deps.db, businessId, (tx) => insert(tx, businessId));
      out.push({ connectionId: id, businessId, tenantId: t.tenantId, name, createdBusiness: false });
    } else {
      const created = await withNewBusiness(
        deps.db,
        { name, baseCurrency: normalizeCurrency(org.BaseCurrency ?? 'USD') },
        async (tx, b) => ({ id: await insert(tx, b.id), businessId: b.id }),
      );
      out.push({
        connectionId: created.id,
        businessId: created.businessId,
        tenantId: t.tenantId,
        name,
        createdBusiness: true,
      });
    }
  }
  // A grant no connection uses any more is forgotten here (not revoked: for Xero the new consent and the
  // old one are the same app-user link, and revoking would cut the new connections too).
  for (const old of replaced) {
    const [used] = await withSystem(deps.db, (tx) =>
      tx
        .select({ id: integrationAccounts.id })
        .from(integrationAccounts)
        .where(eq(integrationAccounts.grantId, old))
        .limit(1),
    );
    if (!used) await deleteGrantTokens(deps.db, old);
  }
  return out;
}

/** A business's Xero connection row; another business's id is simply not found. */
export async function xeroConnection(db: Db, businessId: string, connectionId: string) {
  if (!isUuid(connectionId)) throw new NotFoundError(`No Xero connection ${connectionId} in this business.`);
  const [row] = await withBusiness(db, businessId, (tx) =>
    tx
      .select()
      .from(integrationAccounts)
      .where(and(eq(integrationAccounts.id, connectionId), eq(integrationAccounts.businessId, businessId))),
  );
  if (row?.provider !== 'xero') throw new NotFoundError(`No Xero connection ${connectionId} in this business.`);
  return row;
}

/**
 * Disconnect one organisation: remove the connection at Xero, and when no other organisation uses the
 * grant, revoke it and delete the tokens. The synced records stay (they are the business's books).
 */
export async function disconnectXero(deps: ConnectDeps, businessId: string, connectionId: string, actor: Actor) {
  const row = await xeroConnection(deps.db, businessId, connectionId);
  const grantId = row.grantId;
  if (grantId) {
    const others = await withSystem(deps.db, (tx) =>
      tx
        .select({ id: integrationAccounts.id })
        .from(integrationAccounts)
        .where(and(eq(integrationAccounts.grantId, grantId), ne(integrationAccounts.id, connectionId))),
    );
    try {
      const access = await xeroAccessToken(deps, grantId);
      const xeroConnectionId = (row.metadata as { xeroConnectionId?: string }).xeroConnectionId;
      if (xeroConnectionId) await deleteConnection(deps.settings, access, xeroConnectionId);
      if (others.length === 0) {
        const tokens = await grantTokens(deps, grantId);
        await (await createXeroClient(deps.settings)).openIdClient.revoke(tokens.refreshToken, 'refresh_token');
      }
    } catch {
      // A grant that is already dead upstream is as disconnected as it gets; forget it locally anyway.
    }
    if (others.length === 0) await deleteGrantTokens(deps.db, grantId);
  }
  await withBusiness(deps.db, businessId, async (tx) => {
    await tx
      .update(integrationAccounts)
      .set({ status: 'revoked', statusMessage: 'Disconnected.', grantId: null, updatedAt: new Date() })
      .where(eq(integrationAccounts.id, connectionId));
    await audit(tx, businessId, actor, {
      action: 'xero.disconnected',
      entityType: 'integration_account',
      entityId: connectionId,
    });
  });
}
