/**
 * API keys: `cfo_<prefix>_<secret>`, shown once at creation. Only a SHA-256 hash and the visible prefix
 * are stored; a key has scopes, may expire, can be revoked (never deleted), and records its last use.
 * Creating and revoking are audited.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { type Actor, audit } from '../db/audit';
import type { Business } from '../db/businesses';
import { type Db, isUuid, withBusiness, withSystem } from '../db/client';
import { apiKeys, businesses, memberships, users } from '../db/schema';
import { InvalidInputError, NotFoundError, UnauthorizedError } from '../errors';
import type { Role } from './permissions';

export type KeyScope = 'read' | 'write' | 'admin';
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const KEY_SHAPE = /^cfo_[A-Za-z0-9]{8}_[A-Za-z0-9]{32}$/;

const token = (n: number) => Array.from(randomBytes(n), (b) => ALPHABET[b % ALPHABET.length]).join('');
const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');

export interface CreatedKey {
  id: string;
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
  scopes: KeyScope[];
  expiresAt: Date | null;
}

/** "90d", "12h", "30m" → a date from now; undefined → no expiry. */
export function parseExpiry(text: string | undefined, now = new Date()): Date | null {
  if (!text) return null;
  const m = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (!m) throw new InvalidInputError(`--expires: "${text}" is not a duration like 90d, 12h or 30m.`);
  const ms = Number(m[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[m[2] as 'd' | 'h' | 'm'];
  if (ms <= 0) throw new InvalidInputError('--expires: must be more than zero.');
  return new Date(now.getTime() + ms);
}

export async function createApiKey(
  db: Db,
  input: {
    businessId: string;
    name: string;
    scopes: KeyScope[];
    expiresAt?: Date | null;
    /** A person creating it through the API: the key then acts within their role. */
    createdByUserId?: string | null;
    actor?: Actor;
  },
): Promise<CreatedKey> {
  const scopes = [...new Set(input.scopes)];
  if (scopes.length === 0) throw new InvalidInputError('scopes: give at least one of read, write, admin.');
  for (const s of scopes)
    if (!['read', 'write', 'admin'].includes(s))
      throw new InvalidInputError(`scopes: "${s}" is not one of read, write, admin.`);
  const name = input.name.trim();
  if (!name || name.length > 100) throw new InvalidInputError('name: between 1 and 100 characters.');
  const prefix = `cfo_${token(8)}`;
  const key = `${prefix}_${token(32)}`;
  return withBusiness(db, input.businessId, async (tx) => {
    const [row] = await tx
      .insert(apiKeys)
      .values({
        businessId: input.businessId,
        name,
        prefix,
        hash: hashOf(key),
        scopes,
        expiresAt: input.expiresAt ?? null,
        createdByUserId: input.createdByUserId ?? null,
      })
      .returning();
    await audit(tx, input.businessId, input.actor ?? { type: 'system', id: 'cli', channel: 'cli' }, {
      action: 'api_key.created',
      entityType: 'api_key',
      entityId: row!.id,
      newValues: { name, prefix, scopes, expiresAt: row!.expiresAt?.toISOString() ?? null },
    });
    return { id: row!.id, key, prefix, scopes, expiresAt: row!.expiresAt };
  });
}

export interface VerifiedKey {
  keyId: string;
  businessId: string;
  scopes: KeyScope[];
  name: string;
  /** The person who created the key through the API: it acts within their role. */
  userId: string | null;
  /** That person's role in the business now; null when they have left it (or for a key made by the CLI). */
  creatorRole: Role | null;
  /** The key's business, read with the key (one query per request instead of three). */
  business: Business;
}

/**
 * Look a presented key up by its hash (across businesses: the key is what says which business), and
 * refuse revoked or expired ones. Records the last use at most once a minute.
 */
export async function verifyApiKey(db: Db, presented: string | undefined, now = new Date()): Promise<VerifiedKey> {
  if (!presented)
    throw new UnauthorizedError('Send an API key as "Authorization: Bearer cfo_…" or "X-API-Key: cfo_…".');
  if (!KEY_SHAPE.test(presented)) throw new UnauthorizedError('That is not a valid API key.');
  const hash = hashOf(presented);
  const [found] = await withSystem(db, (tx) =>
    tx
      .select({ key: apiKeys, business: businesses, role: memberships.role, creator: users.id })
      .from(apiKeys)
      .innerJoin(businesses, and(eq(businesses.id, apiKeys.businessId), isNull(businesses.deletedAt)))
      .leftJoin(
        memberships,
        and(eq(memberships.businessId, apiKeys.businessId), eq(memberships.userId, apiKeys.createdByUserId)),
      )
      .leftJoin(users, and(eq(users.id, memberships.userId), isNull(users.deletedAt)))
      .where(eq(apiKeys.hash, hash))
      .limit(1),
  );
  const row = found?.key;
  // Compare the hashes in constant time as well, although the lookup already matched.
  if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex')))
    throw new UnauthorizedError('That is not a valid API key.');
  if (row.revokedAt) throw new UnauthorizedError('This API key has been revoked.');
  if (row.expiresAt && row.expiresAt <= now) throw new UnauthorizedError('This API key has expired.');
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await withBusiness(db, row.businessId, (tx) =>
      tx
        .update(apiKeys)
        .set({ lastUsedAt: now })
        .where(and(eq(apiKeys.businessId, row.businessId), eq(apiKeys.id, row.id))),
    );
  }
  return {
    keyId: row.id,
    businessId: row.businessId,
    scopes: row.scopes as KeyScope[],
    name: row.name,
    userId: row.createdByUserId,
    creatorRole: found.creator ? (found.role as Role) : null, // the same rule as roleOf in members.ts
    business: found.business,
  };
}

export async function listApiKeys(db: Db, businessId: string) {
  const rows = await withBusiness(db, businessId, (tx) =>
    tx.select().from(apiKeys).where(eq(apiKeys.businessId, businessId)).orderBy(desc(apiKeys.createdAt)),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
  }));
}

export async function revokeApiKey(
  db: Db,
  businessId: string,
  keyId: string,
  actor: Actor = { type: 'system', id: 'cli', channel: 'cli' },
): Promise<void> {
  if (!isUuid(keyId)) throw new InvalidInputError(`"${keyId}" is not a key id (see \`cfo keys list\`).`);
  await withBusiness(db, businessId, async (tx) => {
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.businessId, businessId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!row) throw new NotFoundError(`No active key ${keyId} for this business.`);
    await audit(tx, businessId, actor, {
      action: 'api_key.revoked',
      entityType: 'api_key',
      entityId: keyId,
      oldValues: { revokedAt: null },
      newValues: { revokedAt: row.revokedAt!.toISOString() },
    });
  });
}
