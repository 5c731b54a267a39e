/**
 * Incremental Xero sync of one connection (one organisation → one business).
 *
 * Per entity, a pass fetches every record modified since the entity's cursor, in pages of the largest
 * size Xero serves, ordered by the record's id (a stable order: a record changed mid-pass stays where
 * it was, so no page shifts and nothing is skipped). Each page is written in one transaction together
 * with the cursor's page number, so a crashed sync resumes after the last committed page. When the pass
 * ends, the cursor moves to the server time its first page reported, less an overlap for Xero's
 * eventual consistency; re-fetched records are unchanged and write nothing.
 *
 * Every run is recorded in `sync_runs`; `sync_mappings` keeps Xero id → local row for each record.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { XeroClient } from 'xero-node';
import type { SealingKey } from '../../auth/secrets';
import { getBusiness } from '../../db/businesses';
import { type Database, type Db, queryRows, withBusiness } from '../../db/client';
import {
  accounts,
  contacts,
  integrationAccounts,
  invoices,
  syncCursors,
  syncMappings,
  transactions,
} from '../../db/schema';
import { resolveIds, type SourceTable } from '../../db/upsert';
import { DomainError, ReauthRequiredError } from '../../errors';
import { type Budget, xeroBudget } from '../../limits';
import type { Logger } from '../../logger';
import { finishRun, heartbeat, type RunOutcome, startRun } from '../sync-runs';
import { type CallHooks, callXero, createXeroClient, type XeroSettings } from './client';
import { xeroConnection } from './connect';
import { ingestXero, parseXeroDate, xeroDay } from './mappers';
import { type ReconcileOutcome, reconcileWithXero } from './reconcile';
import { xeroAccessToken } from './tokens';
import type { XeroBatch } from './types';

/** Xero serves at most 1,000 records a page (the `pageSize` parameter). */
export const XERO_MAX_PAGE_SIZE = 1000;
/** Pages fetched ahead of the one being written, within the organisation's 5 concurrent calls. */
const PREFETCH = 3;
/** Re-read this much before the last pass's server time: Xero's lists are eventually consistent. */
const OVERLAP_MS = 60_000;

type Fetch = (
  c: XeroClient,
  tenant: string,
  since: Date | undefined,
  page: number,
  size: number,
) => Promise<{ response: { data: unknown; headers: Record<string, unknown> }; body: unknown }>;

interface EntitySpec {
  /** The collection's name in the API and in `sync_cursors.entity`. */
  name: string;
  idField: string;
  batchKey: keyof XeroBatch;
  paged: boolean;
  fetch: Fetch;
  /** The local rows a record becomes, as (table, external id): the first is what `sync_mappings` points at. */
  rows: (id: string, record: Record<string, unknown>) => [SourceTable, string][];
}

// Argument lists follow xero-node 20's AccountingApi signatures.
export const ENTITIES: EntitySpec[] = [
  {
    name: 'Accounts',
    idField: 'AccountID',
    batchKey: 'accounts',
    paged: false,
    fetch: (c, t, since) => c.accountingApi.getAccounts(t, since, undefined, 'AccountID ASC'),
    rows: (id) => [[accounts, id]],
  },
  {
    name: 'Contacts',
    idField: 'ContactID',
    batchKey: 'contacts',
    paged: true,
    fetch: (c, t, since, page, size) =>
      c.accountingApi.getContacts(
        t,
        since,
        undefined,
        'ContactID ASC',
        undefined,
        page,
        true,
        undefined,
        undefined,
        size,
      ),
    rows: (id) => [[contacts, id]],
  },
  {
    name: 'Invoices',
    idField: 'InvoiceID',
    batchKey: 'invoices',
    paged: true,
    fetch: (c, t, since, page, size) =>
      c.accountingApi.getInvoices(
        t,
        since,
        undefined,
        'InvoiceID ASC',
        undefined,
        undefined,
        undefined,
        undefined,
        page,
        true,
        undefined,
        undefined,
        undefined,
        size,
      ),
    rows: (id) => [
      [invoices, id],
      [transactions, `invoice:${id}`],
    ],
  },
  {
    name: 'CreditNotes',
    idField: 'CreditNoteID',
    batchKey: 'creditNotes',
    paged: true,
    fetch: (c, t, since, page, size) =>
      c.accountingApi.getCreditNotes(t, since, undefined, 'CreditNoteID ASC', page, undefined, size),
    rows: (id) => [
      [invoices, id],
      [transactions, `creditnote:${id}`],
    ],
  },
  {
    name: 'Payments',
    idField: 'PaymentID',
    batchKey: 'payments',
    paged: true,
    fetch: (c, t, since, page, size) => c.accountingApi.getPayments(t, since, undefined, 'PaymentID ASC', page, size),
    rows: (id) => [[transactions, `payment:${id}`]],
  },
  {
    name: 'BankTransactions',
    idField: 'BankTransactionID',
    batchKey: 'bankTransactions',
    paged: true,
    fetch: (c, t, since, page, size) =>
      c.accountingApi.getBankTransactions(t, since, undefined, 'BankTransactionID ASC', page, undefined, size),
    rows: (id) => [[transactions, `banktxn:${id}`]],
  },
  {
    name: 'BankTransfers',
    idField: 'BankTransferID',
    batchKey: 'bankTransfers',
    paged: false,
    fetch: (c, t, since) => c.accountingApi.getBankTransfers(t, since, undefined, 'BankTransferID ASC'),
    // The two sides are kept under the keys of the bank transactions Xero made for them (mappers.ts).
    rows: (id, r) => [
      [transactions, r.FromBankTransactionID ? `banktxn:${r.FromBankTransactionID}` : `transfer:${id}:from`],
      [transactions, r.ToBankTransactionID ? `banktxn:${r.ToBankTransactionID}` : `transfer:${id}:to`],
    ],
  },
];

export type SyncMode = 'full' | 'incremental' | 'webhook';

export interface SyncProgress {
  entity: string;
  page: number;
  records: number;
  written: number;
  waits: number;
  waitedMs: number;
}

export interface EntityCounts {
  calls: number;
  pages: number;
  records: number;
  /** Records that were new or changed. */
  changed: number;
  failed: number;
}

/** What a run's details keep of a reconciliation: counts and the first differences. */
const summarize = (r: ReconcileOutcome) => ({
  months: r.months,
  compared: r.compared,
  differences: r.differences.length,
  first: r.differences.slice(0, 10),
  ...(r.skipped ? { skipped: r.skipped } : {}),
});

export interface SyncResult extends RunOutcome {
  runId: string;
  connectionId: string;
  businessId: string;
  entities: Record<string, EntityCounts>;
  calls: number;
  waits: number;
  waitedMs: number;
  retries: number;
  /** Dates of records that changed: the periods whose figures need refreshing. */
  changedDates: string[];
  reconciliation?: ReconcileOutcome;
}

export interface SyncDeps {
  database: Database;
  settings: XeroSettings;
  keys: SealingKey[];
  logger: Logger;
  /** Per-organisation budget; default: Xero's published limits, inside the app's, shared by every process. */
  limiter?: Budget;
  pageSize?: number;
  onProgress?: (p: SyncProgress) => void;
  /** Today's date (YYYY-MM-DD) for the reconciliation's months; tests pin it. */
  today?: () => string;
}

/**
 * A connection's Xero client and call hooks: its calls go under the organisation's limiter, and a 401
 * refreshes the token once (single-flight, tokens.ts). `authorize()` fetches the token to start with.
 */
export async function xeroSession(deps: SyncDeps, conn: Connection, extra: Pick<CallHooks, 'onWait' | 'onRetry'> = {}) {
  const client = await createXeroClient(deps.settings);
  const tokenDeps = { db: deps.database.db, settings: deps.settings, keys: deps.keys };
  // The SDK's accessToken is write-only: keep our own copy to tell the refresh which token failed.
  let token: string | undefined;
  const hooks: CallHooks = {
    ...extra,
    ...(deps.settings.timeoutMs ? { timeoutMs: deps.settings.timeoutMs } : {}),
    limiter: deps.limiter ?? xeroBudget(deps.database.db, conn.tenantId),
    onUnauthorized: async () => {
      token = await xeroAccessToken(tokenDeps, conn.grantId, token);
      return token;
    },
  };
  const authorize = async () => {
    token = await xeroAccessToken(tokenDeps, conn.grantId);
    client.accountingApi.accessToken = token;
  };
  return { client, hooks, authorize };
}

export interface Connection {
  id: string;
  businessId: string;
  tenantId: string;
  grantId: string;
  name: string | null;
}

export async function loadConnection(db: Db, businessId: string, connectionId: string): Promise<Connection> {
  const row = await xeroConnection(db, businessId, connectionId);
  if (row.status !== 'active' || !row.grantId)
    throw new ReauthRequiredError(
      'Xero',
      `${row.statusMessage ?? `the connection is ${row.status}.`} Reconnect Xero to sync again.`.replace(/^Xero: /, ''),
      'connection',
    );
  return { id: row.id, businessId, tenantId: row.externalId, grantId: row.grantId, name: row.name };
}

/** What a sync's body works with: the authorized client under the organisation's limiter, and the tallies. */
interface Run {
  db: Db;
  runId: string;
  conn: Connection;
  client: XeroClient;
  ctx: { id: string; baseCurrency: string };
  mode: SyncMode;
  pageSize: number;
  entities: Record<string, EntityCounts>;
  changedDates: Set<string>;
  log: Logger;
  call: (fn: () => ReturnType<Fetch>) => Promise<{ data: Record<string, unknown>; headers: Record<string, unknown> }>;
  /** What the comparison with Xero's own reports found (full and incremental runs). */
  reconciliation?: ReconcileOutcome;
  progress: (p: { entity: string; page: number; records: number; written: number }) => void;
}

/**
 * Sync one Xero connection. Safe to re-run at any time and after any crash: it resumes where the last
 * committed page left off and writes only what changed. `full` re-reads everything (still writing
 * only differences).
 */
export async function syncXero(
  deps: SyncDeps,
  businessId: string,
  connectionId: string,
  mode: 'full' | 'incremental' = 'incremental',
): Promise<SyncResult> {
  return runSync(deps, businessId, connectionId, mode, async (run) => {
    await allEntities(run);
    // Two report calls: on every full sync, after changes, and at least daily (a report can change in Xero
    // without any record we read changing, e.g. a manual journal).
    if (mode === 'full' || run.changedDates.size > 0 || (await reconciledWithin(run, 24 * 3_600_000)) === false) {
      run.reconciliation = await reconcile(run, deps.today?.() ?? new Date().toISOString().slice(0, 10));
      // Months whose agreement with Xero changed: their snapshots' data quality is refreshed with the rest.
      for (const m of run.reconciliation.changedMonths) run.changedDates.add(m);
    }
  });
}

/** Whether this connection's figures were compared with Xero's reports in the last `ms`. */
async function reconciledWithin(run: Run, ms: number): Promise<boolean> {
  const [row] = await withBusiness(run.db, run.conn.businessId, (tx) =>
    queryRows<{ recent: boolean }>(
      tx,
      sql`select exists (select 1 from ledger_reconciliations where business_id = ${run.conn.businessId}
            and integration_account_id = ${run.conn.id} and checked_at > now() - make_interval(secs => ${ms / 1000})) as recent`,
    ),
  );
  return Boolean(row?.recent);
}

/**
 * Xero's own P&L and Balance Sheet beside ours (reconcile.ts). A report Xero refuses (a connection made
 * before the reports scope was asked for) or a failed call does not fail the sync: the run records why.
 */
async function reconcile(run: Run, asOf: string): Promise<ReconcileOutcome> {
  const { client, conn } = run;
  const report = async (fn: () => ReturnType<Fetch>) => (await run.call(fn)).data as Record<string, never>;
  try {
    const outcome = await reconcileWithXero(
      {
        db: run.db,
        businessId: conn.businessId,
        baseCurrency: run.ctx.baseCurrency,
        connectionId: conn.id,
        profitAndLoss: (from, to, periods) =>
          report(() => client.accountingApi.getReportProfitAndLoss(conn.tenantId, from, to, periods, 'MONTH')),
        balanceSheet: (date, periods) =>
          report(() => client.accountingApi.getReportBalanceSheet(conn.tenantId, date, periods, 'MONTH')),
      },
      asOf,
    );
    if (outcome.differences.length)
      run.log.warn({ differences: outcome.differences.slice(0, 10) }, "our figures differ from Xero's reports");
    return outcome;
  } catch (err) {
    const why = err instanceof DomainError ? err.message : String((err as Error)?.message ?? err);
    run.log.warn({ reason: why }, "Xero's reports could not be compared");
    return {
      months: [],
      compared: 0,
      differences: [],
      changedMonths: [],
      skipped: `Xero's reports could not be read: ${why}`,
    };
  }
}

/**
 * Re-fetch the records webhook events named (Xero sends ids, never data), as a `webhook` run. Only
 * invoices and contacts have events; they do not move the cursors.
 */
export async function syncXeroResources(
  deps: SyncDeps,
  businessId: string,
  connectionId: string,
  ids: { Invoices?: string[]; Contacts?: string[] },
): Promise<SyncResult> {
  return runSync(deps, businessId, connectionId, 'webhook', async (run) => {
    for (const spec of ENTITIES.filter((e) => e.name === 'Contacts' || e.name === 'Invoices')) {
      const wanted = [...new Set(ids[spec.name as 'Invoices' | 'Contacts'] ?? [])];
      const counts: EntityCounts = { calls: 0, pages: 0, records: 0, changed: 0, failed: 0 };
      run.entities[spec.name] = counts;
      // Xero takes ids as a comma-separated list; 50 at a time keeps the URL short.
      for (let i = 0; i < wanted.length; i += 50) {
        const chunk = wanted.slice(i, i + 50);
        counts.calls++;
        const res = await run.call(() =>
          spec.name === 'Invoices'
            ? run.client.accountingApi.getInvoices(run.conn.tenantId, undefined, undefined, undefined, chunk)
            : run.client.accountingApi.getContacts(run.conn.tenantId, undefined, undefined, undefined, chunk),
        );
        const records = (res.data[spec.name] as Record<string, unknown>[] | undefined) ?? [];
        const r = await commitPage(run.db, run.conn, run.ctx, spec, records, { runId: run.runId });
        tally(run, counts, records.length, r);
      }
    }
  });
}

function tally(run: Run, counts: EntityCounts, records: number, r: PageResult) {
  counts.pages++;
  counts.records += records;
  counts.changed += r.changed;
  counts.failed += r.failed.length;
  for (const d of r.dates) run.changedDates.add(d);
  if (r.failed.length) run.log.warn({ failed: r.failed.slice(0, 5) }, 'records could not be read');
}

/** Every entity, each in passes from its cursor. */
async function allEntities(run: Run): Promise<void> {
  const { db, conn, client, ctx, pageSize, call } = run;
  const org = await call(() => client.accountingApi.getOrganisations(conn.tenantId));
  const organisation = (org.data.Organisations as XeroBatch['organisation'][])[0];
  await withBusiness(db, conn.businessId, (tx) => ingestXero(tx, ctx, { organisation }));
  ctx.baseCurrency = organisation?.BaseCurrency ?? ctx.baseCurrency;

  for (const spec of ENTITIES) {
    const counts: EntityCounts = { calls: 0, pages: 0, records: 0, changed: 0, failed: 0 };
    run.entities[spec.name] = counts;
    run.progress({ entity: spec.name, page: 0, records: 0, written: 0 });
    const cursor = await readCursor(db, conn, spec.name, run.mode);
    // Pages in flight, by number: the next one always, up to PREFETCH once Xero has said how many there are.
    const inflight = new Map<number, ReturnType<typeof call>>();
    const want = (n: number) => {
      if (inflight.has(n)) return;
      counts.calls++;
      const p = call(() => spec.fetch(client, conn.tenantId, cursor.since, n, pageSize));
      p.catch(() => undefined); // a prefetched page may never be awaited if an earlier one fails
      inflight.set(n, p);
    };
    let page = spec.paged ? cursor.page + 1 : 1;
    let pageCount: number | undefined;
    want(page);
    for (;;) {
      const res = await inflight.get(page)!;
      inflight.delete(page);
      const records = (res.data[spec.name] as Record<string, unknown>[] | undefined) ?? [];
      // Xero says which page size it applied; a full page means there may be another.
      // With `pagination.pageCount` it also says whether this was the last.
      const pagination = res.data.pagination as { pageSize?: number; pageCount?: number } | undefined;
      pageCount = pagination?.pageCount ?? pageCount;
      const served = pagination?.pageSize ?? pageSize;
      const last = pageCount !== undefined && page >= pageCount;
      const full = spec.paged && !last && records.length > 0 && records.length >= served;
      // Fetch ahead while this page is written (pages still commit in order, one transaction each).
      if (full) for (let n = page + 1; n <= page + (pageCount ? PREFETCH : 1) && n <= (pageCount ?? n); n++) want(n);
      const pending = cursor.pending ?? pendingFrom(res.data.DateTimeUTC);
      const r = await commitPage(db, conn, ctx, spec, records, {
        runId: run.runId,
        cursor: { since: cursor.since, page: full ? page : 0, done: !full, pending },
      });
      cursor.pending = pending;
      tally(run, counts, records.length, r);
      run.progress({ entity: spec.name, page, records: counts.records, written: counts.changed });
      if (!full) break;
      page++;
    }
  }
}

/** Claim the connection, authorize, run `work`, and record the run whatever happens. */
async function runSync(
  deps: SyncDeps,
  businessId: string,
  connectionId: string,
  mode: SyncMode,
  work: (run: Run) => Promise<void>,
): Promise<SyncResult> {
  const { db } = deps.database;
  const business = await getBusiness(db, businessId);
  const conn = await loadConnection(db, businessId, connectionId);
  const runId = await startRun(db, { ...conn, provider: 'xero' }, mode);
  const started = performance.now();
  const pageSize = Math.min(deps.pageSize ?? XERO_MAX_PAGE_SIZE, XERO_MAX_PAGE_SIZE);
  const log = deps.logger.child({ component: 'xero-sync', businessId, connectionId, runId });
  const stats = { calls: 0, waits: 0, waitedMs: 0, retries: 0 };
  let current = { entity: 'Organisation', page: 0, records: 0, written: 0 };
  const progress = () => deps.onProgress?.({ ...current, waits: stats.waits, waitedMs: stats.waitedMs });
  const { client, hooks, authorize } = await xeroSession(deps, conn, {
    onWait: (ms: number) => {
      stats.waits++;
      stats.waitedMs += ms;
      progress();
    },
    onRetry: (reason: string) => {
      stats.retries++;
      log.warn({ reason }, 'retrying a Xero call');
    },
  });
  const call = (fn: () => ReturnType<Fetch>) => {
    stats.calls++;
    return callXero(client, hooks, fn);
  };
  const ctx = { id: business.id, baseCurrency: business.baseCurrency };

  const run: Run = {
    db,
    runId,
    conn,
    client,
    ctx,
    mode,
    pageSize,
    entities: {},
    changedDates: new Set(),
    log,
    call,
    progress: (p) => {
      current = p;
      progress();
    },
  };
  const { entities, changedDates } = run;

  let error: unknown;
  try {
    await authorize();
    await work(run);
  } catch (err) {
    error = err;
    // A refused refresh already marked the whole grant (tokens.ts); a refused call marks this organisation.
    if (err instanceof ReauthRequiredError && err.details?.scope === 'connection')
      await withBusiness(db, businessId, (tx) =>
        tx
          .update(integrationAccounts)
          .set({ status: 'needs_reauth', statusMessage: err.message.replace(/^Xero: /, ''), updatedAt: new Date() })
          .where(eq(integrationAccounts.id, conn.id)),
      );
  }

  const totals = Object.values(entities).reduce(
    (a, e) => ({ records: a.records + e.records, changed: a.changed + e.changed, failed: a.failed + e.failed }),
    { records: 0, changed: 0, failed: 0 },
  );
  const durationMs = Math.round(performance.now() - started);
  const message = error
    ? error instanceof DomainError
      ? error.message
      : String((error as Error)?.message ?? error)
    : undefined;
  const result: SyncResult = {
    runId,
    connectionId,
    businessId,
    status: error ? 'failed' : 'succeeded',
    ...(message ? { error: message } : {}),
    processed: totals.records,
    succeeded: totals.records - totals.failed,
    failed: totals.failed,
    skipped: totals.records - totals.failed - totals.changed,
    entities,
    ...stats,
    durationMs,
    changedDates: [...changedDates].sort(),
  };
  if (run.reconciliation) result.reconciliation = run.reconciliation;
  await finishRun(db, { businessId, connectionId: conn.id, runId }, result, {
    entities,
    ...(run.reconciliation ? { reconciliation: summarize(run.reconciliation) } : {}),
    calls: stats.calls,
    waits: stats.waits,
    waitedMs: stats.waitedMs,
    retries: stats.retries,
  });
  log.info(
    { status: result.status, records: totals.records, changed: totals.changed, ms: durationMs },
    'xero sync finished',
  );
  if (error) throw error;
  return result;
}

function pendingFrom(serverTime: unknown): string {
  const at = typeof serverTime === 'string' ? parseXeroDate(serverTime) : new Date();
  return new Date(at.getTime() - OVERLAP_MS).toISOString();
}

interface CursorState {
  since: Date | undefined;
  /** The last committed page of the pass in progress (0: none). */
  page: number;
  pending: string | undefined;
}

async function readCursor(db: Db, c: Connection, entity: string, mode: SyncMode): Promise<CursorState> {
  const [row] = await withBusiness(db, c.businessId, (tx) =>
    tx
      .select()
      .from(syncCursors)
      .where(and(eq(syncCursors.integrationAccountId, c.id), eq(syncCursors.entity, entity))),
  );
  // A pass in progress resumes with its own starting point, whatever the mode.
  if (row && row.page > 0)
    return {
      since: row.cursor ? new Date(row.cursor) : undefined,
      page: row.page,
      pending: row.pendingCursor ?? undefined,
    };
  if (mode === 'full' || !row?.cursor) return { since: undefined, page: 0, pending: undefined };
  return { since: new Date(row.cursor), page: 0, pending: undefined };
}

interface PageResult {
  changed: number;
  failed: { id: string; message: string }[];
  dates: string[];
}

/**
 * Write one page and move the cursor, atomically. A page that will not ingest as a whole is retried
 * record by record (each in a savepoint), so one unreadable record is counted as failed, not fatal.
 */
async function commitPage(
  db: Db,
  c: Connection,
  ctx: { id: string; baseCurrency: string },
  spec: EntitySpec,
  records: Record<string, unknown>[],
  at: { runId: string; cursor?: { since: Date | undefined; page: number; done: boolean; pending: string } },
): Promise<PageResult> {
  return withBusiness(db, c.businessId, async (tx) => {
    const written = new Set<string>();
    const failed: PageResult['failed'] = [];
    const ok: Record<string, unknown>[] = [];
    if (records.length) {
      try {
        await tx.transaction(async (sp) => {
          const r = await ingestXero(sp as unknown as Db, ctx, { [spec.batchKey]: records });
          for (const id of r.writtenIds) written.add(id);
        });
        ok.push(...records);
      } catch {
        for (const rec of records) {
          try {
            await tx.transaction(async (sp) => {
              const r = await ingestXero(sp as unknown as Db, ctx, { [spec.batchKey]: [rec] });
              for (const id of r.writtenIds) written.add(id);
            });
            ok.push(rec);
          } catch (err) {
            failed.push({ id: String(rec[spec.idField]), message: err instanceof Error ? err.message : String(err) });
          }
        }
      }
    }
    const { changed, dates } = await maintainMappings(tx, c, spec, ok, written);
    const k = at.cursor;
    if (k) {
      const cursorValues = k.done
        ? { cursor: k.pending, page: 0, pendingCursor: null }
        : { cursor: k.since?.toISOString() ?? null, page: k.page, pendingCursor: k.pending };
      await tx
        .insert(syncCursors)
        .values({ businessId: c.businessId, integrationAccountId: c.id, entity: spec.name, ...cursorValues })
        .onConflictDoUpdate({
          target: [syncCursors.businessId, syncCursors.integrationAccountId, syncCursors.entity],
          set: { ...cursorValues, updatedAt: new Date() },
        });
    }
    await heartbeat(tx, at.runId);
    return { changed, failed, dates };
  });
}

/** Xero id → local row, and which records changed (any of their rows written). */
async function maintainMappings(
  tx: Db,
  c: Connection,
  spec: EntitySpec,
  records: Record<string, unknown>[],
  written: Set<string>,
): Promise<{ changed: number; dates: string[] }> {
  if (records.length === 0) return { changed: 0, dates: [] };
  const keys = records.map((r) => spec.rows(String(r[spec.idField]), r));
  const byTable = new Map<SourceTable, string[]>();
  for (const rows of keys) for (const [table, ext] of rows) byTable.set(table, [...(byTable.get(table) ?? []), ext]);
  const local = new Map<SourceTable, Map<string, string>>();
  for (const [table, exts] of byTable) local.set(table, await resolveIds(tx, table, c.businessId, 'xero', exts));

  let changed = 0;
  const dates = new Set<string>();
  const mappings: (typeof syncMappings.$inferInsert)[] = [];
  records.forEach((rec, i) => {
    const ids = keys[i]!.map(([table, ext]) => local.get(table)?.get(ext));
    if (ids.some((id) => id && written.has(id))) {
      changed++;
      if (typeof rec.Date === 'string') dates.add(xeroDay(rec.Date));
      // A credit note's allocations change what is owed from their own dates on.
      for (const a of (rec.Allocations as { Date?: unknown }[] | undefined) ?? [])
        if (typeof a.Date === 'string') dates.add(xeroDay(a.Date));
    }
    const first = ids[0];
    if (!first) return;
    const updated = rec.UpdatedDateUTC ?? rec.CreatedDateUTC;
    mappings.push({
      businessId: c.businessId,
      integrationAccountId: c.id,
      entityType: spec.name,
      externalId: String(rec[spec.idField]),
      localId: first,
      externalUpdatedAt: typeof updated === 'string' ? parseXeroDate(updated) : null,
    });
  });
  for (let i = 0; i < mappings.length; i += 5_000) {
    await tx
      .insert(syncMappings)
      .values(mappings.slice(i, i + 5_000))
      .onConflictDoUpdate({
        target: [
          syncMappings.businessId,
          syncMappings.integrationAccountId,
          syncMappings.entityType,
          syncMappings.externalId,
        ],
        set: {
          localId: sql`excluded.local_id`,
          externalUpdatedAt: sql`excluded.external_updated_at`,
          updatedAt: sql`now()`,
        },
        setWhere: sql`(${syncMappings.localId}, ${syncMappings.externalUpdatedAt}) is distinct from (excluded.local_id, excluded.external_updated_at)`,
      });
  }
  return { changed, dates: [...dates] };
}
