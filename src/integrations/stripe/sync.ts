/**
 * Stripe: connect with a restricted or secret key, then backfill and keep up.
 *
 * Connecting validates the key with a cheap call (`GET /v1/balance`), reads the account's id and name when
 * the key may (`GET /v1/account`; a restricted key often may not), and stores the key sealed (AES-256-GCM,
 * the connection's id as context) on the `integration_accounts` row.
 *
 * A sync walks customers, subscriptions (all statuses, items with prices), invoices, charges, refunds,
 * disputes, payouts and balance transactions (fees) with the SDK's auto-pagination, newest first. Every 100 objects
 * are written in one transaction with the entity's cursor — the last id written, for `starting_after` — so a
 * crashed backfill resumes after the last committed page. When a pass ends the cursor becomes the newest
 * `created` it saw, and the next pass reads only objects created after it (changes to older objects arrive
 * as webhook events, which `stripe.events` applies). Stripe invoices are stored (`source = 'stripe'`) but
 * the figures do not read them yet: their payments arrive as charges and subscriptions carry the MRR, so
 * counting them as receivables too would count the same money twice.
 */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { openSecret, type SealingKey, sealSecret } from '../../auth/secrets';
import type { Config } from '../../config';
import { type Actor, audit } from '../../db/audit';
import { getBusiness } from '../../db/businesses';
import { type Database, type Db, isUuid, withBusiness } from '../../db/client';
import { integrationAccounts, syncCursors } from '../../db/schema';
import { DomainError, InvalidInputError, NotFoundError, ReauthRequiredError, UpstreamError } from '../../errors';
import { loadOnce } from '../../load-once';
import type { Logger } from '../../logger';
import { finishRun, heartbeat, startRun } from '../sync-runs';
import { ingestStripe, type StripeBatch, type StripeCoupon, type StripeSubscription } from './mappers';

export interface StripeDeps {
  database: Database;
  keys: SealingKey[];
  logger: Logger;
  /** STRIPE_API_BASE_URL: a proxy or the test fake. */
  apiBaseUrl?: string | undefined;
  /** How long one Stripe request may take before the SDK retries it (default 30 s). */
  timeoutMs?: number;
  onProgress?: (p: { entity: string; records: number; written: number }) => void;
}

export function stripeDeps(config: Config, database: Database, logger: Logger): StripeDeps {
  return {
    database,
    keys: [{ key: config.encryption.key, keyId: config.encryption.keyId }],
    logger,
    apiBaseUrl: config.stripe.apiBaseUrl,
  };
}

/** The SDK is loaded on first use: a service with no Stripe connection never loads it. */
export const loadStripe = loadOnce(() => import('stripe').then((m) => m.default));

export async function stripeClient(key: string, apiBaseUrl?: string, timeoutMs = 30_000): Promise<Stripe> {
  const base = apiBaseUrl ? new URL(apiBaseUrl) : undefined;
  const Sdk = await loadStripe();
  return new Sdk(key, {
    maxNetworkRetries: 3,
    timeout: timeoutMs,
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol.replace(':', '') as 'http' | 'https',
        }
      : {}),
  });
}

const KEY_SHAPE = /^(sk|rk)_(test|live)_[A-Za-z0-9]{10,}$/;
const context = (connectionId: string) => `integration_accounts:${connectionId}`;

function stripeFailure(err: unknown): DomainError {
  const e = err as { type?: string; statusCode?: number; message?: string };
  if (e?.type === 'StripeAuthenticationError' || e?.statusCode === 401)
    return new ReauthRequiredError(
      'Stripe',
      'the key was refused (revoked or rolled?); connect Stripe again with a valid key.',
      'connection',
    );
  if (e?.type === 'StripePermissionError' || e?.statusCode === 403)
    return new ReauthRequiredError('Stripe', `the key lacks a permission this needs: ${e.message}`, 'connection');
  return new UpstreamError('Stripe', e?.message ?? String(err), { status: e?.statusCode });
}

export interface StripeConnection {
  connectionId: string;
  accountId: string;
  name: string;
}

export async function connectStripe(
  deps: StripeDeps,
  businessId: string,
  secretKey: string,
  actor: Actor,
): Promise<StripeConnection> {
  const key = secretKey.trim();
  if (!KEY_SHAPE.test(key)) throw new InvalidInputError('That is not a Stripe secret (sk_…) or restricted (rk_…) key.');
  await getBusiness(deps.database.db, businessId);
  const stripe = await stripeClient(key, deps.apiBaseUrl, deps.timeoutMs);
  try {
    await stripe.balance.retrieve();
  } catch (err) {
    const f = stripeFailure(err);
    throw f instanceof ReauthRequiredError ? new InvalidInputError(`Stripe refused this key: ${f.message}`) : f;
  }
  // A restricted key may not read the account: then it is known by its key's mode alone.
  const account = await stripe.accounts.retrieveCurrent().catch(() => null);
  const accountId = account?.id ?? `stripe:${key.startsWith('rk_') ? 'restricted' : 'secret'}:${key.split('_')[1]}`;
  const name = account?.settings?.dashboard?.display_name ?? account?.business_profile?.name ?? 'Stripe';

  return withBusiness(deps.database.db, businessId, async (tx) => {
    const [existing] = await tx
      .select({ id: integrationAccounts.id })
      .from(integrationAccounts)
      .where(
        and(
          eq(integrationAccounts.businessId, businessId),
          eq(integrationAccounts.provider, 'stripe'),
          eq(integrationAccounts.externalId, accountId),
        ),
      );
    const id = existing?.id ?? randomUUID();
    const sealed = sealSecret({ key }, deps.keys[0]!, context(id));
    const values = {
      name,
      status: 'active',
      statusMessage: null,
      credentialsCiphertext: sealed.ciphertext,
      credentialsKeyId: sealed.keyId,
      updatedAt: new Date(),
    };
    if (existing) await tx.update(integrationAccounts).set(values).where(eq(integrationAccounts.id, id));
    else
      await tx
        .insert(integrationAccounts)
        .values({ id, businessId, provider: 'stripe', externalId: accountId, ...values });
    await audit(tx, businessId, actor, {
      action: existing ? 'stripe.reconnected' : 'stripe.connected',
      entityType: 'integration_account',
      entityId: id,
      newValues: { accountId, name, keyMode: key.slice(0, 7) },
    });
    return { connectionId: id, accountId, name };
  });
}

type ListParams = { limit: number; starting_after?: string; created?: { gt: number } };
interface EntitySpec {
  name: string;
  batchKey: keyof StripeBatch;
  list: (s: Stripe, p: ListParams) => AsyncIterable<{ id: string; created: number }>;
  /** Fill in what a page's objects only name (a discount's coupon), before they are written. */
  complete?: (
    s: Stripe,
    objects: { id: string; created: number }[],
    coupons: Map<string, StripeCoupon>,
  ) => Promise<void>;
}

/**
 * Subscriptions come with their discounts expanded (a list names them by id otherwise, and a discount cannot
 * be fetched on its own); the current API then names each discount's coupon by id under `source.coupon`,
 * too deep to expand for item discounts, so each coupon is read once per sync.
 */
async function completeCoupons(
  stripe: Stripe,
  objects: { id: string; created: number }[],
  coupons: Map<string, StripeCoupon>,
): Promise<void> {
  for (const sub of objects as unknown as StripeSubscription[]) {
    const all = [...(sub.discounts ?? []), ...sub.items.data.flatMap((i) => i.discounts ?? [])];
    for (const d of all) {
      if (typeof d === 'string' || d.coupon || typeof d.source?.coupon !== 'string') continue;
      const id = d.source.coupon;
      if (!coupons.has(id)) coupons.set(id, (await stripe.coupons.retrieve(id)) as unknown as StripeCoupon);
      d.source.coupon = { ...coupons.get(id)!, id };
    }
  }
}

// Customers first: charges and subscriptions point at them.
const ENTITIES: EntitySpec[] = [
  { name: 'customers', batchKey: 'customers', list: (s, p) => s.customers.list(p) },
  {
    name: 'subscriptions',
    batchKey: 'subscriptions',
    list: (s, p) =>
      s.subscriptions.list({ ...p, status: 'all', expand: ['data.discounts', 'data.items.data.discounts'] }),
    complete: completeCoupons,
  },
  { name: 'invoices', batchKey: 'invoices', list: (s, p) => s.invoices.list(p) },
  { name: 'charges', batchKey: 'charges', list: (s, p) => s.charges.list(p) },
  { name: 'refunds', batchKey: 'refunds', list: (s, p) => s.refunds.list(p) },
  { name: 'disputes', batchKey: 'disputes', list: (s, p) => s.disputes.list(p) },
  { name: 'payouts', batchKey: 'payouts', list: (s, p) => s.payouts.list(p) },
  { name: 'balance_transactions', batchKey: 'balanceTransactions', list: (s, p) => s.balanceTransactions.list(p) },
];

const PAGE = 100;

interface Cursor {
  /** Objects created after this (unix seconds) are this pass's; null: everything. */
  since: number | null;
  /** The last object written in this pass (for `starting_after`). */
  after: string | null;
}

export interface StripeSyncResult {
  runId: string;
  status: 'succeeded' | 'failed';
  error?: string;
  entities: Record<string, { records: number; written: number }>;
  processed: number;
  written: number;
  durationMs: number;
  changedDates: string[];
}

async function stripeKey(db: Db, keys: SealingKey[], businessId: string, connectionId: string) {
  if (!isUuid(connectionId)) throw new NotFoundError(`No Stripe connection ${connectionId} in this business.`);
  const [row] = await withBusiness(db, businessId, (tx) =>
    tx
      .select()
      .from(integrationAccounts)
      .where(and(eq(integrationAccounts.id, connectionId), eq(integrationAccounts.businessId, businessId))),
  );
  if (row?.provider !== 'stripe') throw new NotFoundError(`No Stripe connection ${connectionId} in this business.`);
  if (row.status !== 'active' || !row.credentialsCiphertext || !row.credentialsKeyId)
    throw new ReauthRequiredError(
      'Stripe',
      `${row.statusMessage ?? `the connection is ${row.status}.`} Connect Stripe again to sync.`,
      'connection',
    );
  const { key } = openSecret<{ key: string }>(
    { ciphertext: row.credentialsCiphertext, keyId: row.credentialsKeyId },
    keys,
    context(row.id),
  );
  return { row, key };
}

/** Backfill (first run, or `full`) or catch up one Stripe connection; resumable after any crash. */
export async function syncStripe(
  deps: StripeDeps,
  businessId: string,
  connectionId: string,
  mode: 'full' | 'incremental' = 'incremental',
): Promise<StripeSyncResult> {
  const { db } = deps.database;
  const business = await getBusiness(db, businessId);
  const { row, key } = await stripeKey(db, deps.keys, businessId, connectionId);
  const runId = await startRun(db, { id: row.id, businessId, name: row.name, provider: 'stripe' }, mode);
  const started = performance.now();
  const stripe = await stripeClient(key, deps.apiBaseUrl, deps.timeoutMs);
  const ctx = { id: business.id, baseCurrency: business.baseCurrency };
  const entities: StripeSyncResult['entities'] = {};
  const dates = new Set<string>();
  const coupons = new Map<string, StripeCoupon>();
  let error: unknown;
  try {
    for (const spec of ENTITIES) {
      const counts = { records: 0, written: 0 };
      entities[spec.name] = counts;
      const [c] = await withBusiness(db, businessId, (tx) =>
        tx
          .select()
          .from(syncCursors)
          .where(and(eq(syncCursors.integrationAccountId, row.id), eq(syncCursors.entity, spec.name))),
      );
      const saved: Cursor = c?.cursor ? (JSON.parse(c.cursor) as Cursor) : { since: null, after: null };
      // A pass in progress (page > 0) resumes as it was; otherwise a new pass from the last high-water mark.
      const inPass = (c?.page ?? 0) > 0;
      const cursor: Cursor = inPass ? saved : { since: mode === 'full' ? null : saved.since, after: null };
      let newest = inPass && c?.pendingCursor ? Number(c.pendingCursor) : (cursor.since ?? 0);
      let page = c?.page ?? 0;
      let buffer: { id: string; created: number }[] = [];
      const flush = async (done: boolean) => {
        const objects = buffer;
        buffer = [];
        if (objects.length) await spec.complete?.(stripe, objects, coupons);
        await withBusiness(db, businessId, async (tx) => {
          if (objects.length) {
            const r = await ingestStripe(tx, ctx, { [spec.batchKey]: objects } as StripeBatch);
            counts.written += r.written;
            if (r.written) for (const o of objects) dates.add(new Date(o.created * 1000).toISOString().slice(0, 10));
          }
          page = done ? 0 : page + 1;
          const next: Cursor = done
            ? { since: newest || cursor.since, after: null }
            : { since: cursor.since, after: objects.at(-1)?.id ?? cursor.after };
          if (!done) cursor.after = next.after;
          const values = { cursor: JSON.stringify(next), page, pendingCursor: done ? null : String(newest) };
          await tx
            .insert(syncCursors)
            .values({ businessId, integrationAccountId: row.id, entity: spec.name, ...values })
            .onConflictDoUpdate({
              target: [syncCursors.businessId, syncCursors.integrationAccountId, syncCursors.entity],
              set: { ...values, updatedAt: new Date() },
            });
          await heartbeat(tx, runId);
        });
        deps.onProgress?.({ entity: spec.name, ...counts });
      };
      const params: ListParams = {
        limit: PAGE,
        ...(cursor.after ? { starting_after: cursor.after } : {}),
        ...(cursor.since ? { created: { gt: cursor.since } } : {}),
      };
      for await (const o of spec.list(stripe, params)) {
        newest = Math.max(newest, o.created);
        buffer.push(o);
        counts.records++;
        if (buffer.length === PAGE) await flush(false);
      }
      await flush(true);
    }
  } catch (err) {
    error = err instanceof DomainError ? err : stripeFailure(err);
    if (error instanceof ReauthRequiredError)
      await withBusiness(db, businessId, (tx) =>
        tx
          .update(integrationAccounts)
          .set({
            status: 'needs_reauth',
            statusMessage: (error as Error).message.replace(/^Stripe: /, ''),
            updatedAt: new Date(),
          })
          .where(eq(integrationAccounts.id, row.id)),
      );
  }
  const processed = Object.values(entities).reduce((a, e) => a + e.records, 0);
  const written = Object.values(entities).reduce((a, e) => a + e.written, 0);
  const durationMs = Math.round(performance.now() - started);
  const message = error ? (error as Error).message : undefined;
  await finishRun(
    db,
    { businessId, connectionId: row.id, runId },
    {
      status: error ? 'failed' : 'succeeded',
      ...(message ? { error: message } : {}),
      processed,
      succeeded: processed,
      failed: 0,
      skipped: Math.max(0, processed - written),
      durationMs,
    },
    { entities },
  );
  if (error) throw error;
  return { runId, status: 'succeeded', entities, processed, written, durationMs, changedDates: [...dates].sort() };
}

/** Forget the key (Stripe has no revocation call for a pasted key: roll it in the Dashboard). The books stay. */
export async function disconnectStripe(deps: StripeDeps, businessId: string, connectionId: string, actor: Actor) {
  const { row } = await stripeKey(deps.database.db, deps.keys, businessId, connectionId).catch((err) => {
    if (err instanceof ReauthRequiredError) return { row: { id: connectionId } };
    throw err;
  });
  await withBusiness(deps.database.db, businessId, async (tx) => {
    await tx
      .update(integrationAccounts)
      .set({
        status: 'revoked',
        statusMessage: 'Disconnected.',
        credentialsCiphertext: null,
        credentialsKeyId: null,
        updatedAt: new Date(),
      })
      .where(and(eq(integrationAccounts.id, row.id), eq(integrationAccounts.businessId, businessId)));
    await audit(tx, businessId, actor, {
      action: 'stripe.disconnected',
      entityType: 'integration_account',
      entityId: row.id,
    });
  });
}
