/** The audit trail: who changed what, with old and new values. One writer for every change. */
import type { Db } from './client';
import { auditLogs } from './schema';

export interface Actor {
  type: 'user' | 'api_key' | 'agent' | 'system';
  id?: string | undefined;
  channel?: string | undefined;
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
  });
}
