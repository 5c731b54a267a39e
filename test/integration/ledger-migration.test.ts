/**
 * drizzle/0012 on books stored by an earlier version: every posted document gets its P&L lines from the line
 * items it kept (net of tax, each on its account), spend and receive money one line each; a transfer kept twice
 * loses its transfer-keyed copy where a Xero connection will re-read it; the Xero cursors start over so the
 * next sync writes exact lines; and figures computed under the old definitions are found for recomputing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { MIGRATIONS_FOLDER, queryRows, withBusiness, withSystem } from '../../src/db/client';
import { refreshAfterChange } from '../../src/domain/insights';
import { businessesWithOutdatedFigures, FIGURES_VERSION } from '../../src/domain/metrics/snapshots';
import { ingestXero } from '../../src/integrations/xero/mappers';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();

const doc = (id: string, type: 'ACCREC' | 'ACCPAY', kind: 'Exclusive' | 'Inclusive', line: number, tax: number) => ({
  InvoiceID: id,
  Type: type,
  Contact: { ContactID: 'c1', Name: 'Customer' },
  Date: '2026-03-10T00:00:00',
  DueDate: '2026-04-10T00:00:00',
  Status: 'AUTHORISED',
  LineAmountTypes: kind,
  LineItems: [
    { AccountCode: type === 'ACCREC' ? '200' : '469', LineAmount: line, TaxAmount: tax },
    { AccountCode: '310', LineAmount: 100, TaxAmount: 0 },
  ],
  SubTotal: kind === 'Inclusive' ? line + 100 - tax : line + 100,
  TotalTax: tax,
  Total: kind === 'Inclusive' ? line + 100 : line + 100 + tax,
  CurrencyCode: 'USD',
  CurrencyRate: 1,
});

describe('drizzle/0012 on earlier books', () => {
  it('backfills P&L lines, drops transfer copies where a sync will re-read them, and restarts Xero cursors', async () => {
    const biz = await createBusiness(t.db, { name: 'Before Ledger Ltd' });
    const ctx = { id: biz.id, baseCurrency: 'USD' };
    await withBusiness(t.db, biz.id, async (tx) => {
      await ingestXero(tx, ctx, {
        accounts: [
          { AccountID: 'a-bank', Code: '090', Name: 'Bank', Type: 'BANK' },
          { AccountID: 'a-200', Code: '200', Name: 'Sales', Type: 'REVENUE' },
          { AccountID: 'a-310', Code: '310', Name: 'COGS', Type: 'DIRECTCOSTS' },
          { AccountID: 'a-469', Code: '469', Name: 'Rent', Type: 'EXPENSE' },
        ],
        contacts: [{ ContactID: 'c1', Name: 'Customer' }],
        invoices: [doc('inv-ex', 'ACCREC', 'Exclusive', 1000, 200), doc('bill-in', 'ACCPAY', 'Inclusive', 1200, 200)],
        bankTransactions: [
          {
            BankTransactionID: 'bt-1',
            Type: 'SPEND',
            BankAccount: { AccountID: 'a-bank' },
            Date: '2026-03-12T00:00:00',
            Status: 'AUTHORISED',
            LineItems: [{ AccountCode: '469', LineAmount: 50 }],
            Total: 50,
          },
        ],
      });
      const [bank] = await queryRows<{ id: string }>(tx, sql`select id::text from accounts where code = '090'`);
      // What an earlier version kept for a transfer besides its bank transactions.
      await tx.execute(sql`insert into transactions (business_id, source, external_id, kind, status, date, amount, currency, base_amount, bank_account_id)
        values (${biz.id}, 'xero', 'transfer:tr-1:from', 'TRANSFER', 'AUTHORISED', '2026-03-15', -500, 'USD', -500, ${bank!.id})`);
      await tx.execute(
        sql`insert into integration_accounts (business_id, provider, external_id, name) values (${biz.id}, 'xero', 'tenant-x', 'Before Ledger Ltd')`,
      );
      await tx.execute(sql`insert into sync_cursors (business_id, integration_account_id, entity, cursor)
        select ${biz.id}, id, 'BankTransactions', '2026-03-20T00:00:00Z' from integration_accounts where external_id = 'tenant-x'`);
      await tx.execute(sql`insert into metric_snapshots (business_id, period_type, period_start, period_end, currency, revenue_source, metrics, data_quality)
        values (${biz.id}, 'month', '2026-03-01', '2026-03-31', 'USD', 'xero', '{}', '{}')`);
    });
    const linesOf = () =>
      withBusiness(t.db, biz.id, (tx) =>
        queryRows<{ key: string; line_no: number; account_code: string; amount: string; tax: string }>(
          tx,
          sql`select t.external_id as key, l.line_no, l.account_code, l.amount::text, l.tax::text
              from ledger_lines l join transactions t on t.id = l.transaction_id order by 1, 2`,
        ),
      );
    const written = await linesOf();
    // As before the migration: no lines.
    await withSystem(t.db, (tx) => tx.execute(sql`delete from ledger_lines`));
    const data = readFileSync(join(MIGRATIONS_FOLDER, '0012_ledger.sql'), 'utf8')
      .split('--> statement-breakpoint')
      .filter((s) => /INSERT INTO "ledger_lines"|DELETE FROM "transactions"|UPDATE "sync_cursors"|set_config/.test(s));
    expect(data.length).toBeGreaterThanOrEqual(6);
    await t.db.transaction(async (tx) => {
      for (const statement of data) await tx.execute(sql.raw(statement));
    });

    // The same lines an ingest writes: sales 1,000 (tax 200 apart) and 100 on COGS; the inclusive bill's
    // 1,200 less its 200 tax = 1,000 of rent and 100 of COGS, both costs; the spend's one line.
    expect(await linesOf()).toEqual(written);
    expect(written).toEqual([
      { key: 'banktxn:bt-1', line_no: 0, account_code: '469', amount: '-50.0000', tax: '0.0000' },
      { key: 'invoice:bill-in', line_no: 0, account_code: '469', amount: '-1000.0000', tax: '-200.0000' },
      { key: 'invoice:bill-in', line_no: 1, account_code: '310', amount: '-100.0000', tax: '0.0000' },
      { key: 'invoice:inv-ex', line_no: 0, account_code: '200', amount: '1000.0000', tax: '200.0000' },
      { key: 'invoice:inv-ex', line_no: 1, account_code: '310', amount: '100.0000', tax: '0.0000' },
    ]);
    const after = await withBusiness(t.db, biz.id, async (tx) => ({
      transfers: await queryRows(tx, sql`select 1 from transactions where external_id like 'transfer:%'`),
      cursors: await queryRows<{ cursor: string | null; page: number }>(tx, sql`select cursor, page from sync_cursors`),
    }));
    expect(after.transfers).toEqual([]);
    expect(after.cursors).toEqual([{ cursor: null, page: 0 }]);
    // The migration's bypass is off again.
    expect(await queryRows(t.db, sql`select 1 from ledger_lines`)).toEqual([]);

    // Snapshots from the old definitions are found, and a refresh recomputes them under the current ones.
    expect(await withSystem(t.db, (tx) => businessesWithOutdatedFigures(tx))).toContain(biz.id);
    await withBusiness(t.db, biz.id, (tx) =>
      refreshAfterChange(tx, ctx, { dates: ['2026-03-10'] }, { asOf: '2026-04-15' }),
    );
    expect(await withSystem(t.db, (tx) => businessesWithOutdatedFigures(tx))).not.toContain(biz.id);
    const [march] = await withBusiness(t.db, biz.id, (tx) =>
      queryRows<{ revenue: string; version: number }>(
        tx,
        sql`select revenue::text, (metrics->>'figuresVersion')::int as version from metric_snapshots
            where period_type = 'month' and period_start = '2026-03-01'`,
      ),
    );
    expect(march).toEqual({ revenue: '1000.0000', version: FIGURES_VERSION });

    // A transaction deleted outright takes its lines with it (the lines carry no foreign key).
    await withBusiness(t.db, biz.id, (tx) =>
      tx.execute(sql`delete from transactions where external_id = 'invoice:inv-ex'`),
    );
    expect((await linesOf()).map((l) => l.key)).toEqual(['banktxn:bt-1', 'invoice:bill-in', 'invoice:bill-in']);
  });
});
