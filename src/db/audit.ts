/** The audit trail: who changed what, with old and new values. One writer for every change. */
import { and, desc, eq, sql } from 'drizzle-orm';
import { InvalidInputError } from '../errors';
import { type Db, isUuid } from './client';
import { auditLogs } from './schema';

export interface Actor {
  type: 'user' | 'api_key' | 'agent' | 'system';
  id?: string | undefined;
  channel?: string | undefined;
  /** Where an HTTP caller came from. */
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The API key a session acting for a person was minted with (widget sessions). */
  viaKey?: string | undefined;
}

/** "api_key:3f…" or "system": how an actor is named in `*_by` columns. */
export const actorLabel = (a: Actor) => (a.id ? `${a.type}:${a.id}` : a.type);

export async function audit(
  tx: Db,
  businessId: string,
  actor: Actor,
  entry: { action: string; entityType: string; entityId?: string; oldValues?: unknown; newValues?: unknown },
): Promise<void> {
  await tx.insert(auditLogs).values({
    businessId,
    actorType: actor.type,
    actorId: actor.id ?? null,
    channel: actor.channel ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    oldValues: entry.oldValues ?? null,
    newValues: entry.newValues ?? null,
    ip: actor.ip?.slice(0, 100) ?? null,
    userAgent: actor.userAgent?.slice(0, 500) ?? null,
    viaKeyId: actor.viaKey ?? null,
  });
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: {
    type: string;
    id: string | null;
    channel: string | null;
    ip: string | null;
    userAgent: string | null;
    /** The key that minted the session this person acted through. */
    viaKey: string | null;
  };
  action: string;
  entityType: string;
  entityId: string | null;
  oldValues: unknown;
  newValues: unknown;
}

/**
 * The trail, newest first, a page at a time: `before` is the `nextCursor` of the previous page (an entry's
 * time and id, so entries written at the same moment are neither repeated nor skipped).
 */
export async function listAudit(
  tx: Db,
  businessId: string,
  opts: { limit?: number; before?: string | undefined; entityType?: string | undefined } = {},
): Promise<{ entries: AuditEntry[]; nextCursor: string | null }> {
  const limit = Math.min(200, Math.max(1, opts.limit ?? 50));
  let cursor: { at: string; id: string } | undefined;
  if (opts.before) {
    try {
      cursor = JSON.parse(Buffer.from(opts.before, 'base64url').toString('utf8'));
    } catch {
      cursor = undefined;
    }
    if (!cursor || typeof cursor.at !== 'string' || !isUuid(String(cursor.id)) || Number.isNaN(Date.parse(cursor.at)))
      throw new InvalidInputError('before: not a cursor from an earlier page (use nextCursor as it came).');
  }
  const rows = await tx
    .select({ r: auditLogs, at: sql<string>`${auditLogs.createdAt}::text` })
    .from(auditLogs)
    .where(
      and(
        eq(auditLogs.businessId, businessId),
        opts.entityType ? eq(auditLogs.entityType, opts.entityType) : undefined,
        cursor
          ? sql`(${auditLogs.createdAt}, ${auditLogs.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
          : undefined,
      ),
    )
    .orderBy(desc(auditLogs.createdAt), desc(auditLogs.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    entries: page.map(({ r }) => ({
      id: r.id,
      at: r.createdAt.toISOString(),
      actor: {
        type: r.actorType,
        id: r.actorId,
        channel: r.channel,
        ip: r.ip,
        userAgent: r.userAgent,
        viaKey: r.viaKeyId,
      },
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      oldValues: r.oldValues,
      newValues: r.newValues,
    })),
    nextCursor:
      rows.length > limit && last
        ? // The database's own text of the time: microseconds, which a JS Date would round away.
          Buffer.from(JSON.stringify({ at: last.at, id: last.r.id })).toString('base64url')
        : null,
  };
}
