/**
 * Stored Xero webhook events → re-fetched records. Xero's events carry only ids (INVOICE and CONTACT
 * categories), so a business's pending events are grouped per organisation and the named records are
 * fetched in one `webhook` sync run each; the events are marked processed only after their records are
 * written. A failed run leaves them pending with the error and an attempt count, for the next job.
 */
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { withBusiness } from '../../db/client';
import { inboundEvents, integrationAccounts } from '../../db/schema';
import { type SyncDeps, type SyncResult, syncXeroResources } from './sync';

interface Payload {
  tenantId?: string;
  eventCategory?: string;
  resourceId?: string;
}

export interface XeroEventsResult {
  events: number;
  runs: SyncResult[];
  failed: number;
  changedDates: string[];
}

export async function processXeroEvents(deps: SyncDeps, businessId: string): Promise<XeroEventsResult> {
  const { db } = deps.database;
  // The pending events and the organisations they may belong to, read together.
  const { pending, connections } = await withBusiness(db, businessId, async (tx) => ({
    pending: await tx
      .select({ id: inboundEvents.id, payload: inboundEvents.payload })
      .from(inboundEvents)
      .where(
        and(
          eq(inboundEvents.businessId, businessId),
          eq(inboundEvents.provider, 'xero'),
          isNull(inboundEvents.processedAt),
        ),
      )
      .orderBy(inboundEvents.receivedAt)
      .limit(5_000),
    connections: await tx
      .select({ id: integrationAccounts.id, tenant: integrationAccounts.externalId })
      .from(integrationAccounts)
      .where(
        and(
          eq(integrationAccounts.businessId, businessId),
          eq(integrationAccounts.provider, 'xero'),
          eq(integrationAccounts.status, 'active'),
        ),
      ),
  }));
  const byTenant = new Map<string, { eventIds: string[]; Invoices: string[]; Contacts: string[] }>();
  const ignored: string[] = [];
  for (const e of pending) {
    const p = e.payload as Payload;
    const tenant = p.tenantId ?? '';
    const group = byTenant.get(tenant) ?? { eventIds: [], Invoices: [], Contacts: [] };
    byTenant.set(tenant, group);
    group.eventIds.push(e.id);
    if (p.eventCategory === 'INVOICE' && p.resourceId) group.Invoices.push(p.resourceId);
    else if (p.eventCategory === 'CONTACT' && p.resourceId) group.Contacts.push(p.resourceId);
  }

  const result: XeroEventsResult = { events: 0, runs: [], failed: 0, changedDates: [] };
  const dates = new Set<string>();
  for (const [tenant, group] of byTenant) {
    const conn = connections.find((c) => c.tenant === tenant);
    if (!conn) {
      // The organisation is no longer connected here: nothing to fetch, nothing to keep waiting.
      ignored.push(...group.eventIds);
      continue;
    }
    try {
      const run = await syncXeroResources(deps, businessId, conn.id, group);
      result.runs.push(run);
      for (const d of run.changedDates) dates.add(d);
      await mark(deps, businessId, group.eventIds, null);
      result.events += group.eventIds.length;
    } catch (err) {
      result.failed += group.eventIds.length;
      await mark(deps, businessId, group.eventIds, err instanceof Error ? err.message : String(err));
    }
  }
  if (ignored.length) await mark(deps, businessId, ignored, null);
  result.changedDates = [...dates].sort();
  return result;
}

async function mark(deps: SyncDeps, businessId: string, ids: string[], error: string | null) {
  await withBusiness(deps.database.db, businessId, (tx) =>
    tx
      .update(inboundEvents)
      .set({
        attempts: sql`${inboundEvents.attempts} + 1`,
        error,
        ...(error ? {} : { processedAt: new Date() }),
      })
      .where(inArray(inboundEvents.id, ids)),
  );
}
