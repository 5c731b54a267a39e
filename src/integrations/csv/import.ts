/**
 * Import a bank statement CSV into one bank account, all or nothing: every row must read, or nothing is
 * written. Each line gets a stable fingerprint (account, date, amount, description, and which occurrence of
 * an identical line it is in the file), so re-importing the same file or an overlapping statement adds
 * nothing twice. Writes through the same upsert as every other source, and logs a sync run.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { type Db, queryRows, withBusiness } from '../../db/client';
import { accounts, syncRuns, transactions } from '../../db/schema';
import { resolveIds, upsertBySourceKey } from '../../db/upsert';
import { type CategorizeOptions, type CategorizeResult, categorize } from '../../domain/categorize';
import { linkPayouts } from '../../domain/payouts';
import { addDays } from '../../domain/periods';
import { InvalidInputError } from '../../errors';
import { D } from '../../money';
import { DATE_FORMAT_NAMES, type DateFormat, parseStatement, StatementError, statementOpening } from './parse';

export interface ImportResult {
  account: string;
  lines: number;
  added: number;
  alreadyThere: number;
  dateFormat: DateFormat;
  dateFormatName: string;
  from: string;
  to: string;
  /** The distinct dates of the lines this import added: the periods whose figures it changed. */
  changedDates: string[];
  /** The lines this import added that the statement left without a category: for `categorizeImported`. */
  uncategorizedIds: string[];
  /**
   * What the balance column says about the account before this statement: `set` when this is the account's
   * earliest statement (its opening balance, dated the day before its first line, is now that), `agrees` or
   * `differs` when earlier lines are here already (`expected` is what they add up to), `unreadable` when the
   * balances do not follow from the amounts (`row`: the first that does not). Absent without a balance column.
   */
  balance?:
    | { status: 'set' | 'agrees'; opening: string; date: string }
    | { status: 'differs'; opening: string; expected: string; date: string }
    | { status: 'unreadable'; row: number };
  runId: string;
}

const squash = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

export async function importStatement(
  db: Db,
  business: { id: string; baseCurrency: string },
  input: { account: string; text: string; dateFormat?: DateFormat },
  /** Told when the lines start going in (inside the import's one transaction): for a progress line. */
  onWriting?: (lines: number) => void,
): Promise<ImportResult> {
  const account = input.account.trim();
  if (!account || account.length > 100)
    throw new InvalidInputError('account: give the bank account a name of 1 to 100 characters.');
  let parsed: ReturnType<typeof parseStatement>;
  try {
    parsed = parseStatement(input.text, input.dateFormat ? { dateFormat: input.dateFormat } : {});
  } catch (err) {
    if (err instanceof StatementError) throw new InvalidInputError(err.message, { problems: err.problems });
    throw err;
  }
  // Amounts are booked in the business's currency: lines in another one would be read as if they were.
  const foreign = parsed.currencies.filter((c) => c !== business.baseCurrency);
  if (foreign.length === 1 && parsed.currencies.length === 1)
    throw new InvalidInputError(
      `This statement is in ${foreign[0]} and the business keeps its books in ${business.baseCurrency}, so nothing was imported: import it into a business whose currency is ${foreign[0]} (\`cfo business create NAME --currency ${foreign[0]}\`), or convert the amounts first.`,
    );
  if (foreign.length)
    throw new InvalidInputError(
      `This statement has lines in ${parsed.currencies.join(', ')} and the business keeps its books in ${business.baseCurrency}, so nothing was imported: split it by currency, or convert the amounts first.`,
    );
  const started = Date.now();
  const seen = new Map<string, number>();
  const rows = parsed.lines.map((l) => {
    const key = `${account}|${l.date}|${l.amount}|${squash(l.description)}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return { line: l, externalId: `${createHash('sha256').update(`${key}|${n}`).digest('hex').slice(0, 32)}` };
  });
  const dates = parsed.lines.map((l) => l.date).sort();

  return withBusiness(db, business.id, async (tx) => {
    await upsertBySourceKey(tx, accounts, [
      {
        businessId: business.id,
        source: 'csv',
        externalId: account,
        name: account,
        type: 'BANK',
        class: 'ASSET',
        isBank: true,
        currency: business.baseCurrency,
      },
    ]);
    const accountId = (await resolveIds(tx, accounts, business.id, 'csv', [account])).get(account)!;
    const before = await resolveIds(
      tx,
      transactions,
      business.id,
      'csv',
      rows.map((r) => r.externalId),
    );
    onWriting?.(rows.length);
    await upsertBySourceKey(
      tx,
      transactions,
      rows.map(({ line, externalId }) => ({
        businessId: business.id,
        source: 'csv' as const,
        externalId,
        kind: Number(line.amount) >= 0 ? 'RECEIVE' : 'SPEND',
        status: 'AUTHORISED',
        date: line.date,
        amount: line.amount,
        currency: business.baseCurrency,
        baseAmount: line.amount,
        // With a payee column, the description is the purpose text and the payee the merchant.
        description: line.description || line.payee || null,
        counterparty: line.payee,
        bankAccountId: accountId,
        reconciled: true,
        // A labelled statement brings its categories: they count as upstream ones.
        ...(line.category
          ? { category: line.category, categorySource: 'upstream' as const, categoryConfidence: 1 }
          : {}),
        metadata: {
          row: line.row,
          ...(line.balance ? { balance: line.balance } : {}),
          ...(line.mcc ? { mcc: line.mcc } : {}),
        },
      })),
    );
    const addedRows = rows.filter((r) => !before.has(r.externalId));
    const added = addedRows.length;
    const ids = await resolveIds(
      tx,
      transactions,
      business.id,
      'csv',
      addedRows.filter((r) => !r.line.category).map((r) => r.externalId),
    );
    if (added) await linkPayouts(tx, business.id);
    const balance = await recordOpening(tx, business, accountId, account, parsed.lines, dates[0]!);
    const changed = new Set(addedRows.map((r) => r.line.date));
    if (balance?.status === 'set') changed.add(balance.date);
    const [run] = await tx
      .insert(syncRuns)
      .values({
        businessId: business.id,
        provider: 'csv',
        mode: 'import',
        status: 'succeeded',
        finishedAt: new Date(),
        durationMs: Date.now() - started,
        processed: rows.length,
        succeeded: added,
        skipped: rows.length - added,
        details: { account, dateFormat: parsed.dateFormat, delimiter: parsed.delimiter, columns: parsed.columns },
      })
      .returning({ id: syncRuns.id });
    return {
      account,
      lines: rows.length,
      added,
      alreadyThere: rows.length - added,
      dateFormat: parsed.dateFormat,
      dateFormatName: DATE_FORMAT_NAMES[parsed.dateFormat],
      from: dates[0]!,
      to: dates[dates.length - 1]!,
      changedDates: [...changed].sort(),
      uncategorizedIds: [...ids.values()],
      ...(balance ? { balance } : {}),
      runId: run!.id,
    };
  });
}

/**
 * The account's opening balance from the statement's balance column. The account's earliest statement sets it
 * (one OPENING line per account, replaced when an earlier statement arrives): cash that was there, counted in
 * balances and never as money in or out. When the lines before this statement came without balances, the
 * opening is set so that they end where this statement starts. Once an opening is set, a later statement is
 * checked against the lines already here instead.
 */
async function recordOpening(
  tx: Db,
  business: { id: string; baseCurrency: string },
  accountId: string,
  account: string,
  lines: Parameters<typeof statementOpening>[0],
  first: string,
): Promise<ImportResult['balance']> {
  const read = statementOpening(lines);
  if (!read) return undefined;
  if ('mismatchRow' in read) return { status: 'unreadable', row: read.mismatchRow };
  const date = addDays(first, -1);
  const [before] = await queryRows<{ n: number; s: string; earliest: string | null; opening: number }>(
    tx,
    sql`select count(*) filter (where kind <> 'OPENING')::int as n, coalesce(sum(base_amount), 0)::text as s,
          min(date) filter (where kind <> 'OPENING')::text as earliest,
          (select count(*)::int from transactions where business_id = ${business.id} and bank_account_id = ${accountId}
             and kind = 'OPENING' and deleted_at is null) as opening
        from transactions
        where business_id = ${business.id} and bank_account_id = ${accountId} and deleted_at is null and date < ${first}::date`,
  );
  let opening = read.amount;
  let openingDate = date;
  if (before!.n > 0) {
    const expected = new D(before!.s).toFixed(2);
    if (before!.opening > 0)
      return expected === read.amount
        ? { status: 'agrees', opening: read.amount, date }
        : { status: 'differs', opening: read.amount, expected, date };
    // Earlier statements without a balance column: the opening is what makes them end where this one starts.
    opening = new D(read.amount).minus(before!.s).toFixed(2);
    openingDate = addDays(before!.earliest!, -1);
  }
  await upsertBySourceKey(tx, transactions, [
    {
      businessId: business.id,
      source: 'csv' as const,
      externalId: `opening|${account}`,
      kind: 'OPENING',
      status: 'AUTHORISED',
      date: openingDate,
      amount: opening,
      currency: business.baseCurrency,
      baseAmount: opening,
      description: 'Opening balance (from the statement)',
      counterparty: null,
      bankAccountId: accountId,
      reconciled: true,
      metadata: { from: 'balance column' },
    },
  ]);
  return { status: 'set', opening, date: openingDate };
}

/**
 * After an import, its new lines are categorized as `categorize_transactions` with `apply: true` would:
 * proposals at or above the threshold are written, the rest go to the review queue with their proposal and
 * reason. Lines the statement labelled itself, and lines that are no longer spend or receive lines (a deposit
 * linked to a payout), are left as they are. Batches of 5,000, each in its own transaction.
 */
/** The balance check in a sentence, for the CLI and the dashboard. */
export function balanceLine(b: NonNullable<ImportResult['balance']>, currency: string): string {
  const m = (x: string) => `${currency} ${new D(x).toFixed(2)}`;
  switch (b.status) {
    case 'set':
      return `Opening balance ${m(b.opening)} on ${b.date}, from the balance column.`;
    case 'agrees':
      return `The balance column agrees with the lines already imported (${m(b.opening)} on ${b.date}).`;
    case 'differs':
      return `The balance column says ${m(b.opening)} on ${b.date} but the lines already imported come to ${m(b.expected)}: a statement between them is missing or was imported twice.`;
    case 'unreadable':
      return `The balance column does not follow from the amounts from row ${b.row} on, so no opening balance was taken from it.`;
  }
}

export async function categorizeImported(
  db: Db,
  business: { id: string },
  imported: Pick<ImportResult, 'uncategorizedIds'>,
  opts: Pick<CategorizeOptions, 'embedder' | 'model' | 'logger' | 'actor'> = {},
): Promise<CategorizeResult['counts']> {
  const counts = { considered: 0, apply: 0, review: 0, none: 0 };
  const all = imported.uncategorizedIds;
  for (let i = 0; i < all.length; i += 5000) {
    const ids = all.slice(i, i + 5000);
    const r = await withBusiness(db, business.id, (tx) =>
      categorize(tx, business, {
        ...opts,
        transactionIds: ids,
        onlyUncategorized: true,
        limit: ids.length,
        apply: true,
      }),
    );
    for (const k of ['considered', 'apply', 'review', 'none'] as const) counts[k] += r.counts[k];
  }
  return counts;
}
