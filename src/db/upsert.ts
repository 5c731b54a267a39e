/**
 * The one write path for records that come from upstream (Xero, Stripe, CSV, and the demo company,
 * which goes through the same mappers). Every such table has the natural key
 * (business_id, source, external_id): a re-run inserts nothing new, a changed record is updated in
 * place, and an unchanged one is not written at all.
 */
import { and, eq, getTableColumns, getTableName, inArray, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type Db, queryRows } from './client';
import { type accounts, type contacts, type invoices, type subscriptions, transactions } from './schema';

export type SourceTable =
  | typeof accounts
  | typeof contacts
  | typeof invoices
  | typeof subscriptions
  | typeof transactions;

/** Columns a person (or the categorizer) owns once set; upstream values only fill them when empty or upstream-set. */
const CATEGORY_COLUMNS = ['category', 'accountCode', 'categorySource', 'categoryConfidence'] as const;
/** Keys of `transactions.metadata` this service writes (not upstream): a sync keeps them. */
const LOCAL_METADATA_KEYS = ['pushedAccountCode'] as const;
const NEVER_UPDATED = new Set(['id', 'businessId', 'source', 'externalId', 'createdAt', 'updatedAt', 'embedding']);

export interface UpsertResult {
  /** Rows inserted or changed. */
  written: number;
  /** Their ids. */
  ids: string[];
  /** The same rows with their upstream ids, and whether each is new (inserted) rather than changed. */
  rows: { id: string; externalId: string; inserted: boolean }[];
}

export async function upsertBySourceKey<T extends SourceTable>(
  tx: Db,
  table: T,
  rows: T['$inferInsert'][],
): Promise<UpsertResult> {
  if (rows.length === 0) return { written: 0, ids: [], rows: [] };
  const columns = getTableColumns(table) as unknown as Record<string, PgColumn>;
  const keys = Object.keys(rows[0]!).filter((k) => !NEVER_UPDATED.has(k) && columns[k]);
  const tableName = sql.raw(`"${getTableName(table)}"`);
  const excluded = (k: string) => sql.raw(`excluded."${columns[k]!.name}"`);
  const current = (k: string) => sql`${tableName}.${sql.raw(`"${columns[k]!.name}"`)}`;

  const set: Record<string, SQL> = {};
  for (const k of keys) {
    if (table === transactions && (CATEGORY_COLUMNS as readonly string[]).includes(k)) {
      set[k] =
        sql`case when ${tableName}."category_source" is null or ${tableName}."category_source" = 'upstream' then ${excluded(k)} else ${current(k)} end`;
    } else if (table === transactions && k === 'metadata') {
      // Upstream's metadata, plus the keys this service keeps there itself.
      set[k] = sql`${excluded(k)} || (select coalesce(jsonb_object_agg(m.key, m.value), '{}'::jsonb)
        from jsonb_each(${current(k)}) m where m.key in (${sql.raw(LOCAL_METADATA_KEYS.map((x) => `'${x}'`).join(', '))}))`;
    } else {
      set[k] = excluded(k);
    }
  }
  // Compare with what would be written, so an unchanged record is not rewritten.
  const changed = sql`(${sql.join(
    keys.map((k) => current(k)),
    sql`, `,
  )}) is distinct from (${sql.join(
    keys.map((k) => set[k]!),
    sql`, `,
  )})`;
  set.updatedAt = sql`now()`;

  const ids: string[] = [];
  const written: UpsertResult['rows'] = [];
  const assignments = sql.join(
    Object.entries(set).map(([k, v]) => sql`${sql.raw(`"${columns[k]!.name}"`)} = ${v}`),
    sql`, `,
  );
  // One parameter per statement: the rows as JSON, turned back into the table's row type by Postgres.
  // Binding every value separately costs more than the insert itself (drizzle and the driver each touch
  // every value), and JSON carries decimals as the exact strings they are. Rows are grouped by the
  // columns they set, so a column a row leaves out keeps its default, as in an ordinary insert.
  for (const [setKeys, group] of byColumnsSet(rows as Record<string, unknown>[], columns)) {
    const cols = sql.raw(setKeys.map((k) => `"${columns[k]!.name}"`).join(', '));
    for (let i = 0; i < group.length; i += JSON_ROWS_PER_STATEMENT) {
      const json = JSON.stringify(
        group.slice(i, i + JSON_ROWS_PER_STATEMENT).map((r) => driverRow(r, setKeys, columns)),
      );
      const result = await queryRows<{ id: string; external_id: string; inserted: boolean }>(
        tx,
        sql`insert into ${tableName} (${cols})
            select ${cols} from jsonb_populate_recordset(null::${tableName}, ${json}::jsonb)
            on conflict ("business_id", "source", "external_id") do update set ${assignments} where ${changed}
            returning id, external_id, (xmax = 0) as inserted`,
      );
      for (const r of result) {
        ids.push(r.id);
        written.push({ id: r.id, externalId: r.external_id, inserted: r.inserted });
      }
    }
  }
  return { written: ids.length, ids, rows: written };
}

const JSON_ROWS_PER_STATEMENT = 5_000;

/** Rows grouped by the columns they set (undefined counts as unset), in first-seen order. */
function byColumnsSet(
  rows: Record<string, unknown>[],
  columns: Record<string, PgColumn>,
): Map<string[], Record<string, unknown>[]> {
  const groups = new Map<string, { keys: string[]; rows: Record<string, unknown>[] }>();
  for (const r of rows) {
    const keys = Object.keys(r).filter((k) => r[k] !== undefined && columns[k]);
    const signature = keys.join('\0');
    const g = groups.get(signature) ?? { keys, rows: [] };
    groups.set(signature, g);
    g.rows.push(r);
  }
  return new Map([...groups.values()].map((g) => [g.keys, g.rows]));
}

/** A row as JSON that `jsonb_populate_recordset` reads back exactly: snake_case names, driver values. */
function driverRow(row: Record<string, unknown>, keys: string[], columns: Record<string, PgColumn>) {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const column = columns[k]!;
    const v = row[k];
    if (v === null) out[column.name] = null;
    // JSON and array columns travel as JSON values; the driver's own text forms would arrive as strings.
    else if (column.columnType === 'PgJsonb' || column.columnType === 'PgJson' || column.columnType === 'PgArray')
      out[column.name] = v;
    else if (v instanceof Date) out[column.name] = v.toISOString();
    else out[column.name] = column.mapToDriverValue(v);
  }
  return out;
}

/** external id → local id for one source's records of a business. */
export async function resolveIds(
  tx: Db,
  table: SourceTable,
  businessId: string,
  source: string,
  externalIds: Iterable<string>,
): Promise<Map<string, string>> {
  const unique = [...new Set(externalIds)];
  const out = new Map<string, string>();
  const t = table as unknown as { id: PgColumn; businessId: PgColumn; source: PgColumn; externalId: PgColumn };
  for (let i = 0; i < unique.length; i += 5_000) {
    const chunk = unique.slice(i, i + 5_000);
    const rows = await tx
      .select({ id: t.id, externalId: t.externalId })
      .from(table as PgTable)
      .where(and(eq(t.businessId, businessId), eq(t.source, source), inArray(t.externalId, chunk)));
    for (const r of rows as { id: string; externalId: string }[]) out.set(r.externalId, r.id);
  }
  return out;
}
