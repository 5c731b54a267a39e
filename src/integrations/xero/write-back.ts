/**
 * Categories back to Xero. A bank transaction from Xero that this service categorized (a rule, similar
 * transactions, the model, or a person) gets its account code pushed to Xero's line — previewed first,
 * only while unreconciled (Xero refuses to edit reconciled lines), one line at a time under the
 * organisation's rate limiter.
 *
 * Before writing, the transaction is read back from Xero: if Xero's `UpdatedDateUTC` is newer than the
 * one last synced (`sync_mappings.external_updated_at`), someone changed it in Xero since, and nothing is
 * overwritten — a `sync_conflicts` row keeps both versions for a person to resolve (keep ours / keep
 * Xero's). Every push and every conflict is audited with old and new values.
 */

import { and, eq, sql } from 'drizzle-orm';
import type { BankTransaction } from 'xero-node';
import { type Actor, actorLabel, audit } from '../../db/audit';
import { type Db, isUuid, pgArray, queryRows, withBusiness } from '../../db/client';
import { syncConflicts, syncMappings, transactions } from '../../db/schema';
import { followAccountCodes } from '../../domain/ledger';
import { InvalidInputError, NotFoundError } from '../../errors';
import { callXero } from './client';
import { parseXeroDate } from './mappers';
import { loadConnection, type SyncDeps, xeroSession } from './sync';

export interface PushItem {
  transactionId: string;
  xeroId: string;
  date: string;
  description: string | null;
  category: string;
  accountCode: string;
  outcome: 'would_push' | 'pushed' | 'conflict' | 'skipped';
  reason: string | null;
}

type Candidate = {
  id: string;
  external_id: string;
  date: string;
  description: string | null;
  category: string;
  account_code: string;
  reconciled: boolean;
  connection_id: string | null;
  synced_at: string | null;
};

/** What would be pushed: our categories on Xero bank lines that Xero does not have yet (at most 500). */
export async function planCategoryPush(tx: Db, businessId: string, transactionIds?: string[]): Promise<Candidate[]> {
  return queryRows<Candidate>(
    tx,
    sql`select t.id::text, t.external_id, t.date::text, t.description, t.category, t.account_code, t.reconciled,
               m.integration_account_id::text as connection_id, m.external_updated_at::text as synced_at
        from transactions t
        left join sync_mappings m on m.business_id = t.business_id and m.entity_type = 'BankTransactions'
         and m.external_id = substr(t.external_id, 9)
        where t.business_id = ${businessId} and t.source = 'xero' and t.external_id like 'banktxn:%'
          and t.deleted_at is null and t.account_code is not null
          and t.category_source in ('rule', 'similar', 'model', 'user')
          and (t.metadata->>'pushedAccountCode') is distinct from t.account_code
          and not exists (select 1 from sync_conflicts c where c.business_id = t.business_id
                          and c.local_id = t.id and c.status = 'open')
          ${transactionIds ? sql`and t.id = any(${pgArray(transactionIds)}::uuid[])` : sql``}
        order by t.date, t.id
        limit 500`,
  );
}

/** An authorized client for one connection (sync.ts's session). */
async function session(deps: SyncDeps, businessId: string, connectionId: string) {
  const conn = await loadConnection(deps.database.db, businessId, connectionId);
  const { client, hooks, authorize } = await xeroSession(deps, conn);
  await authorize();
  return { conn, client, hooks };
}

const itemOf = (c: Candidate, outcome: PushItem['outcome'], reason: string | null = null): PushItem => ({
  transactionId: c.id,
  xeroId: c.external_id.slice('banktxn:'.length),
  date: c.date,
  description: c.description,
  category: c.category,
  accountCode: c.account_code,
  outcome,
  reason,
});

export async function pushCategoriesToXero(
  deps: SyncDeps,
  businessId: string,
  opts: { transactionIds?: string[]; apply: boolean; actor: Actor },
): Promise<{ items: PushItem[]; pushed: number; conflicts: number; skipped: number }> {
  const { db } = deps.database;
  const plan = await withBusiness(db, businessId, (tx) => planCategoryPush(tx, businessId, opts.transactionIds));
  if (opts.transactionIds && plan.length === 0)
    throw new NotFoundError('None of those transactions has a category to push to Xero (see list_transactions).');
  const items: PushItem[] = [];
  const ready: Candidate[] = [];
  for (const c of plan) {
    if (c.reconciled) items.push(itemOf(c, 'skipped', 'reconciled in Xero, which does not allow editing it'));
    else if (!c.connection_id) items.push(itemOf(c, 'skipped', 'not synced from a Xero connection yet'));
    else if (!opts.apply) items.push(itemOf(c, 'would_push'));
    else ready.push(c);
  }
  const connectionIds = [...new Set(ready.map((c) => c.connection_id!))];
  for (const connectionId of connectionIds) {
    const { conn, client, hooks } = await session(deps, businessId, connectionId);
    for (const c of ready.filter((x) => x.connection_id === connectionId)) {
      const xeroId = c.external_id.slice('banktxn:'.length);
      const current = await callXero(client, hooks, () =>
        client.accountingApi.getBankTransaction(conn.tenantId, xeroId),
      );
      const remote = (current.data.BankTransactions as Record<string, unknown>[] | undefined)?.[0];
      if (!remote) {
        items.push(itemOf(c, 'skipped', 'no longer in Xero'));
        continue;
      }
      const remoteUpdated = parseXeroDate(String(remote.UpdatedDateUTC));
      const lines = (remote.LineItems as { AccountCode?: string }[] | undefined) ?? [];
      if (c.synced_at && remoteUpdated.getTime() > new Date(c.synced_at).getTime()) {
        await withBusiness(db, businessId, async (tx) => {
          await tx.insert(syncConflicts).values({
            businessId,
            integrationAccountId: connectionId,
            entityType: 'BankTransactions',
            localId: c.id,
            externalId: xeroId,
            localValue: { category: c.category, accountCode: c.account_code },
            remoteValue: {
              accountCodes: lines.map((l) => l.AccountCode ?? null),
              updatedDateUtc: remoteUpdated.toISOString(),
            },
          });
          await audit(tx, businessId, opts.actor, {
            action: 'xero.category_conflict',
            entityType: 'transaction',
            entityId: c.id,
            oldValues: { accountCodes: lines.map((l) => l.AccountCode ?? null) },
            newValues: { accountCode: c.account_code },
          });
        });
        items.push(itemOf(c, 'conflict', 'changed in Xero since the last sync; kept as it is there'));
        continue;
      }
      if (lines.length !== 1) {
        items.push(itemOf(c, 'skipped', `split across ${lines.length} lines in Xero`));
        continue;
      }
      // The SDK's typed copy of the same transaction, sent back with our account code on its one line.
      const typed = (current.body as { bankTransactions?: BankTransaction[] }).bankTransactions![0]!;
      typed.lineItems![0]!.accountCode = c.account_code;
      const updated = await callXero(client, hooks, () =>
        client.accountingApi.updateBankTransaction(conn.tenantId, xeroId, { bankTransactions: [typed] }),
      );
      const after = (updated.data.BankTransactions as Record<string, unknown>[])[0]!;
      await withBusiness(db, businessId, async (tx) => {
        await tx
          .update(transactions)
          .set({
            metadata: sql`${transactions.metadata} || ${JSON.stringify({ pushedAccountCode: c.account_code })}::jsonb`,
          })
          .where(and(eq(transactions.id, c.id), eq(transactions.businessId, businessId)));
        await tx
          .update(syncMappings)
          .set({ externalUpdatedAt: parseXeroDate(String(after.UpdatedDateUTC)), updatedAt: new Date() })
          .where(
            and(
              eq(syncMappings.businessId, businessId),
              eq(syncMappings.integrationAccountId, connectionId),
              eq(syncMappings.entityType, 'BankTransactions'),
              eq(syncMappings.externalId, xeroId),
            ),
          );
        await audit(tx, businessId, opts.actor, {
          action: 'xero.category_pushed',
          entityType: 'transaction',
          entityId: c.id,
          oldValues: { accountCode: lines[0]!.AccountCode ?? null },
          newValues: { accountCode: c.account_code, category: c.category },
        });
      });
      items.push(itemOf(c, 'pushed'));
    }
  }
  items.sort((a, b) => a.date.localeCompare(b.date) || a.transactionId.localeCompare(b.transactionId));
  const count = (o: PushItem['outcome']) => items.filter((i) => i.outcome === o).length;
  return { items, pushed: count('pushed'), conflicts: count('conflict'), skipped: count('skipped') };
}

export interface OpenConflict {
  id: string;
  transactionId: string | null;
  xeroId: string;
  ours: { category: string; accountCode: string };
  xeros: { accountCodes: (string | null)[]; updatedDateUtc: string };
  createdAt: string;
}

export async function listConflicts(tx: Db, businessId: string): Promise<OpenConflict[]> {
  const rows = await queryRows<{
    id: string;
    local_id: string | null;
    external_id: string;
    local_value: OpenConflict['ours'];
    remote_value: OpenConflict['xeros'];
    created_at: string;
  }>(
    tx,
    sql`select id::text, local_id::text, external_id, local_value, remote_value, created_at::text from sync_conflicts
        where business_id = ${businessId} and status = 'open' order by created_at limit 200`,
  );
  return rows.map((r) => ({
    id: r.id,
    transactionId: r.local_id,
    xeroId: r.external_id,
    ours: r.local_value,
    xeros: r.remote_value,
    createdAt: r.created_at,
  }));
}

/**
 * A person's decision on a conflict. `xero`: Xero's account code stands and becomes ours (its category,
 * source `upstream`). `ours`: our code is written to Xero over theirs (still refused for a reconciled line).
 * Either way the conflict is closed with who decided, and audited.
 */
export async function resolveConflict(
  deps: SyncDeps,
  businessId: string,
  conflictId: string,
  keep: 'ours' | 'xero',
  actor: Actor,
): Promise<{ status: 'kept_local' | 'kept_remote'; accountCode: string | null }> {
  const { db } = deps.database;
  const [c] = isUuid(conflictId)
    ? await withBusiness(db, businessId, (tx) =>
        tx
          .select()
          .from(syncConflicts)
          .where(
            and(
              eq(syncConflicts.id, conflictId),
              eq(syncConflicts.businessId, businessId),
              eq(syncConflicts.status, 'open'),
            ),
          ),
      )
    : [];
  if (!c?.localId || !c.integrationAccountId)
    throw new NotFoundError(`No open conflict ${conflictId} in this business.`);
  const ours = c.localValue as OpenConflict['ours'];
  const { conn, client, hooks } = await session(deps, businessId, c.integrationAccountId);
  const current = await callXero(client, hooks, () =>
    client.accountingApi.getBankTransaction(conn.tenantId, c.externalId),
  );
  const remote = (current.data.BankTransactions as Record<string, unknown>[] | undefined)?.[0];
  if (!remote) throw new NotFoundError(`Bank transaction ${c.externalId} is no longer in Xero.`);
  const lines = (remote.LineItems as { AccountCode?: string }[] | undefined) ?? [];
  let updatedAt = parseXeroDate(String(remote.UpdatedDateUTC));
  let code: string | null;
  if (keep === 'ours') {
    if (remote.IsReconciled)
      throw new InvalidInputError("Xero does not allow editing a reconciled line; keep Xero's instead.");
    if (lines.length !== 1) throw new InvalidInputError(`The line is split across ${lines.length} accounts in Xero.`);
    const typed = (current.body as { bankTransactions?: BankTransaction[] }).bankTransactions![0]!;
    typed.lineItems![0]!.accountCode = ours.accountCode;
    const updated = await callXero(client, hooks, () =>
      client.accountingApi.updateBankTransaction(conn.tenantId, c.externalId, { bankTransactions: [typed] }),
    );
    updatedAt = parseXeroDate(String((updated.data.BankTransactions as Record<string, unknown>[])[0]!.UpdatedDateUTC));
    code = ours.accountCode;
  } else {
    code = lines[0]?.AccountCode ?? null;
  }
  const status = keep === 'ours' ? ('kept_local' as const) : ('kept_remote' as const);
  await withBusiness(db, businessId, async (tx) => {
    if (keep === 'xero') {
      const [name] = code
        ? await queryRows<{ name: string }>(
            tx,
            sql`select name from accounts where business_id = ${businessId} and code = ${code} order by updated_at desc limit 1`,
          )
        : [];
      await tx
        .update(transactions)
        .set({
          category: name?.name ?? code,
          accountCode: code,
          categorySource: 'upstream',
          categoryConfidence: 1,
          metadata: sql`${transactions.metadata} || ${JSON.stringify({ pushedAccountCode: code })}::jsonb`,
          updatedAt: new Date(),
        })
        .where(and(eq(transactions.id, c.localId!), eq(transactions.businessId, businessId)));
      await followAccountCodes(tx, businessId, [c.localId!]);
    } else {
      await tx
        .update(transactions)
        .set({ metadata: sql`${transactions.metadata} || ${JSON.stringify({ pushedAccountCode: code })}::jsonb` })
        .where(and(eq(transactions.id, c.localId!), eq(transactions.businessId, businessId)));
    }
    await tx
      .update(syncMappings)
      .set({ externalUpdatedAt: updatedAt, updatedAt: new Date() })
      .where(
        and(
          eq(syncMappings.businessId, businessId),
          eq(syncMappings.integrationAccountId, c.integrationAccountId!),
          eq(syncMappings.entityType, 'BankTransactions'),
          eq(syncMappings.externalId, c.externalId),
        ),
      );
    await tx
      .update(syncConflicts)
      .set({ status, resolvedBy: actorLabel(actor), resolvedAt: new Date() })
      .where(eq(syncConflicts.id, c.id));
    await audit(tx, businessId, actor, {
      action: 'xero.conflict_resolved',
      entityType: 'sync_conflict',
      entityId: c.id,
      oldValues: { ours, xeros: c.remoteValue },
      newValues: { status, accountCode: code },
    });
  });
  return { status, accountCode: code };
}
