/**
 * One client factory for both databases. `DATABASE_URL` → PostgreSQL through postgres.js;
 * otherwise embedded PGlite (with pgvector) persisted in `DATA_DIR`, or in memory for tests.
 *
 * Migrations run with the connecting (privileged) role; every query after that runs as a role
 * that row-level security applies to: `cfo_app` when the login role is a superuser or has
 * BYPASSRLS, otherwise the login role itself (the policies are FORCEd, so owners are bound too).
 */
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { type SQL, sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type PgDatabase, type PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { ConfigError, InvalidInputError } from '../errors';
import { isFreshDataDir, readTemplate, templatePath, writeTemplate } from './pglite-template';
import * as schema from './schema';

export type Schema = typeof schema;
/** A database or a transaction on it; both drivers share this type. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const RUNTIME_ROLE = 'cfo_app';
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  /** Refresh planner statistics after a bulk load (needs the table owner, so it runs privileged). */
  analyze(): Promise<void>;
  readonly db: Db;
  /** The role queries run as, for diagnostics. */
  readonly role: string;
  /** The embedded instance (PGlite only): pg-boss and backups need it. */
  readonly pglite?: PGlite;
  /** The pool (PostgreSQL only). */
  readonly sql?: postgres.Sql;
  /** The connection URL (PostgreSQL only), for pg-boss's own pool. */
  readonly url?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** PGlite data directory; omitted → in memory. */
  dataDir?: string | undefined;
  /** PGlite only: start from a `dumpDataDir()` tarball (fast fresh databases for tests). */
  loadDataDir?: Blob | File | undefined;
  /** Apply pending migrations first (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts) : openPglite(opts);
}

async function openPglite(opts: OpenOptions): Promise<Database> {
  // A new database starts from the migrated template when there is one, and leaves one when there is not.
  const template =
    !opts.loadDataDir && opts.migrate !== false && isFreshDataDir(opts.dataDir)
      ? templatePath(MIGRATIONS_FOLDER)
      : undefined;
  const load = opts.loadDataDir ?? (template ? readTemplate(template) : undefined);
  const pg = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(load ? { loadDataDir: load } : {}),
    extensions: { vector },
  });
  try {
    const db = drizzlePglite(pg, { schema }) as unknown as Db;
    // PGlite's only user is a superuser, which RLS ignores: migrate as it, then drop to cfo_app
    // for the rest of the session (PGlite is a single connection, so SET ROLE holds).
    await pg.exec('RESET ROLE');
    if (opts.migrate !== false)
      await migratePglite(drizzlePglite(pg, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    if (template && !load) writeTemplate(template, await (await pg.dumpDataDir('gzip')).arrayBuffer());
    // Embedded mode is one process on one machine: let the runtime role create pg-boss's schema.
    await pg.exec(
      `DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO ${RUNTIME_ROLE}', current_database()); END $$;`,
    );
    await pg.exec(`SET ROLE ${RUNTIME_ROLE}`);
    const analyze = async () => {
      await pg.exec(`RESET ROLE; ANALYZE; SET ROLE ${RUNTIME_ROLE}`);
    };
    return { kind: 'pglite', db, role: RUNTIME_ROLE, pglite: pg, analyze, close: () => pg.close() };
  } catch (err) {
    await pg.close();
    throw err;
  }
}

/** Statements with more parameters than this (bulk inserts, whose shape varies by row count) stay unprepared. */
const PREPARE_MAX_PARAMETERS = 100;

/**
 * Drizzle runs every query unprepared, and postgres.js sends an unprepared query that has parameters in two
 * round trips (Parse/Describe, wait for the parameter types, then Bind/Execute) that cannot be pipelined. On a
 * tool call that is most of its statements, and each socket write costs the service CPU (measured: a third
 * of it under MCP load). Prepared, a statement is described once per connection and then runs in one round
 * trip. So the pool drizzle gets prepares queries of ordinary size, inside transactions and savepoints too.
 * `?prepare=false` in DATABASE_URL (e.g. behind PgBouncer in transaction mode) turns it off.
 */
function preparing(sql: postgres.Sql): postgres.Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'unsafe')
        return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) =>
          target.unsafe(
            query,
            params as postgres.ParameterOrJSON<never>[],
            params && params.length > 0 && params.length <= PREPARE_MAX_PARAMETERS
              ? { ...options, prepare: true }
              : options,
          );
      if (prop === 'begin' || prop === 'savepoint')
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.Sql) => unknown;
          const scoped = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
          return scoped(...args, (tx: postgres.Sql) => fn(preparing(tx)));
        };
      return Reflect.get(target, prop, receiver);
    },
  });
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Database> {
  const admin = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
  let bypasses: boolean;
  try {
    if (opts.migrate !== false) await migratePostgres(drizzlePostgres(admin), { migrationsFolder: MIGRATIONS_FOLDER });
    const [me] = await admin<{ bypasses: boolean; runtimeRoleExists: boolean }[]>`
      select (rolsuper or rolbypassrls) as bypasses,
             exists (select 1 from pg_roles where rolname = ${RUNTIME_ROLE}) as "runtimeRoleExists"
      from pg_roles where rolname = current_user`;
    bypasses = me!.bypasses;
    if (bypasses && !me!.runtimeRoleExists) {
      throw new ConfigError(
        'DATABASE_URL',
        `DATABASE_URL: this role bypasses row-level security and the role ${RUNTIME_ROLE} does not exist; run the migrations as a role with CREATEROLE or connect as a non-superuser (README, "PostgreSQL").`,
      );
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const pool = postgres(url, {
    max: opts.poolSize ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    // While the server is away, try again at least every second (postgres.js's default grows to 20 s
    // between attempts, and requests queue behind it): a request then fails within about a second with
    // 503, and the first one after a restart gets through.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    // Startup parameters, so every pooled connection (including reconnects) has them: run as cfo_app;
    // and no JIT, whose compile time (~0.5 s measured) dwarfs these short, indexed analytic queries.
    // plan_cache_mode: prepared statements (below) are still planned for each call's values, as unprepared
    // ones are, so a date range or a business never gets a generic plan made for another.
    connection: { ...(bypasses ? { role: RUNTIME_ROLE } : {}), jit: 'off', plan_cache_mode: 'force_custom_plan' },
  });
  const db = drizzlePostgres(pool.options.prepare ? preparing(pool) : pool, { schema }) as unknown as Db;
  const role = bypasses ? RUNTIME_ROLE : (await pool<{ u: string }[]>`select current_user as u`)[0]!.u;
  const analyze = async () => {
    const maintenance = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 10 });
    try {
      await maintenance`analyze`;
    } finally {
      await maintenance.end({ timeout: 5 });
    }
  };
  return { kind: 'postgres', db, role, sql: pool, url, analyze, close: () => pool.end({ timeout: 5 }) };
}

/**
 * `true` when this transaction takes the lock named `name` (held until it ends), `false` at once when another
 * transaction holds it: for work that one transaction doing is enough, which must neither wait nor deadlock.
 */
export const tryTransactionLock = (name: string): SQL => sql`pg_try_advisory_xact_lock(hashtextextended(${name}, 0))`;

/** Waits for the lock named `name` and holds it until this transaction ends: one at a time, in any process. */
export const transactionLock = (name: string): SQL => sql`select pg_advisory_xact_lock(hashtextextended(${name}, 0))`;

/** Rows of a raw query, whichever driver ran it. */
export async function queryRows<T extends Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/**
 * A JS array as one SQL parameter (drizzle would otherwise spread it into a list): a PostgreSQL array
 * literal, each element quoted. Use with a cast: sql`id = any(${pgArray(ids)}::uuid[])`.
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/**
 * Run `fn` in a transaction that row-level security confines to one business. Every read and
 * write for a business goes through here (the application's own `business_id` filters stay too).
 *
 * Nested inside a transaction it becomes a savepoint of it, and it never moves that transaction's
 * confinement: a transaction confined to one business refuses to switch to another, or to the system
 * bypass (`set_config(…, true)` inside a savepoint would otherwise hold for the rest of the transaction, so
 * a helper called with the wrong id could widen what a tool's transaction sees).
 */
export async function withBusiness<T>(db: Db, businessId: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (!isUuid(businessId)) throw new InvalidInputError(`"${businessId}" is not a business id.`);
  await keepConfinement(db, businessId);
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.business_id', ${businessId}, true)`);
    return fn(tx as unknown as Db);
  });
}

/**
 * Run `fn` across businesses: creating or listing businesses, resolving an API key or a webhook's
 * tenant before the business is known. Keep its callers few and obvious; never inside a business's
 * transaction (refused).
 */
export async function withSystem<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  await keepConfinement(db, 'system');
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.rls_bypass', 'on', true)`);
    return fn(tx as unknown as Db);
  });
}

/** Inside a transaction already confined to a business, only that business may follow. */
async function keepConfinement(db: Db, next: string): Promise<void> {
  if (!((db as unknown) instanceof PgTransaction)) return;
  const [current] = await queryRows<{ business: string | null }>(
    db,
    sql`select nullif(current_setting('app.business_id', true), '') as business`,
  );
  if (current?.business && current.business !== next)
    throw new Error(
      `A transaction confined to business ${current.business} may not switch to ${next === 'system' ? 'the system bypass' : `business ${next}`}.`,
    );
}

let expectedMigrations: number | undefined;

/** For /readyz: the database answers and every migration in drizzle/ has been applied. */
export async function migrationStatus(db: Db): Promise<{ applied: number; expected: number }> {
  expectedMigrations ??= readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).length;
  const expected = expectedMigrations;
  const rows = await queryRows<{ n: number | string }>(
    db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return { applied: Number(rows[0]?.n ?? 0), expected };
}

/**
 * Create a business and fill it in one transaction: the insert needs the system bypass (the
 * business does not exist yet), everything after it runs confined to the new business.
 */
export async function withNewBusiness<T>(
  db: Db,
  values: typeof schema.businesses.$inferInsert,
  fn: (tx: Db, business: typeof schema.businesses.$inferSelect) => Promise<T>,
): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.rls_bypass', 'on', true)`);
    const [business] = await tx.insert(schema.businesses).values(values).returning();
    await tx.execute(sql`select set_config('app.rls_bypass', 'off', true)`);
    await tx.execute(sql`select set_config('app.business_id', ${business!.id}, true)`);
    return fn(tx as unknown as Db, business!);
  });
}

export interface PgErrorInfo {
  /** SQLSTATE, e.g. 23505 unique_violation, 23514 check_violation, 42501 insufficient_privilege (RLS). */
  code: string | undefined;
  constraint: string | undefined;
  message: string;
}

/** The PostgreSQL error under drizzle's wrapper, from either driver. */
export function pgError(err: unknown): PgErrorInfo | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const o = e as {
      code?: unknown;
      constraint?: unknown;
      constraint_name?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (typeof o.code === 'string' && /^[0-9A-Z]{5}$/.test(o.code)) {
      const constraint = (o.constraint ?? o.constraint_name) as string | undefined;
      return { code: o.code, constraint, message: String(o.message ?? '') };
    }
    e = o.cause;
  }
  return undefined;
}

/** Connection-level failures: the server is down, restarting, or unreachable (as opposed to a bad query). */
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123])/;
const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);

/** True when `err` says the database could not be reached, so the caller should try again shortly. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e; depth++) {
    const o = e as { code?: unknown; cause?: unknown };
    if (typeof o.code === 'string' && (UNAVAILABLE_SQLSTATE.test(o.code) || UNAVAILABLE_ERRNO.has(o.code))) return true;
    e = o.cause;
  }
  return false;
}
