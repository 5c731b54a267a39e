/**
 * Xero API records → local rows, and `ingestXero`, which writes a batch of them. The demo company
 * and the real sync both call `ingestXero`; there is no other way Xero data gets in.
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { accounts, businesses, contacts, invoices, transactions } from '../../db/schema';
import { resolveIds, upsertBySourceKey } from '../../db/upsert';
import { type LedgerLine, writeLedgerLines } from '../../domain/ledger';
import { linkPayouts } from '../../domain/payouts';
import { InvalidInputError } from '../../errors';
import { D, type Dec, fromApiNumber, minorUnitDigits, toDb } from '../../money';
import type {
  XeroAccount,
  XeroAllocation,
  XeroBankTransaction,
  XeroBankTransfer,
  XeroBatch,
  XeroContact,
  XeroCreditNote,
  XeroDate,
  XeroInvoice,
  XeroLineAmountTypes,
  XeroLineItem,
  XeroPayment,
} from './types';

type TxRow = typeof transactions.$inferInsert;
type InvoiceRow = typeof invoices.$inferInsert;

export interface BusinessContext {
  id: string;
  baseCurrency: string;
}

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

/** Parse Xero's `/Date(1476316800000+0000)/` or an ISO string. */
export function parseXeroDate(value: XeroDate): Date {
  const m = MS_DATE.exec(value);
  const d = m ? new Date(Number(m[1])) : new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  if (Number.isNaN(d.getTime())) throw new InvalidInputError(`Unreadable Xero date "${value}".`);
  return d;
}

/** A Xero date as YYYY-MM-DD (Xero's date-only fields are midnight UTC). */
export function xeroDay(value: XeroDate): string {
  return parseXeroDate(value).toISOString().slice(0, 10);
}

const optDay = (v: XeroDate | undefined) => (v ? xeroDay(v) : null);
const optTime = (v: XeroDate | undefined) => (v ? parseXeroDate(v) : null);

/**
 * Amount in base currency. Xero's CurrencyRate is units of the document's currency per one unit
 * of base currency (https://developer.xero.com/documentation/api/accounting/invoices, CurrencyRate),
 * so base = amount / rate, rounded to the base currency's minor unit as the ledger keeps it.
 */
function toBase(
  amount: string,
  currency: string,
  rate: number | string | undefined,
  base: string,
): { value: string; fxMissing: boolean } {
  if (currency === base) return { value: amount, fxMissing: false };
  if (rate === undefined || new D(String(rate)).isZero()) return { value: amount, fxMissing: true };
  return { value: toDb(convertToBase(new D(amount), rate, base)), fxMissing: false };
}

function convertToBase(amount: Dec, rate: number | string, base: string): Dec {
  return amount.div(new D(String(rate))).toDecimalPlaces(minorUnitDigits(base), D.ROUND_HALF_UP);
}

/**
 * A document's profit-and-loss lines: each line booked to its own account, net of tax. Xero's
 * `LineAmountTypes` says whether `LineAmount` includes the line's tax (Inclusive) or not (Exclusive, NoTax);
 * when a record leaves it out, the totals tell (lines adding up to the subtotal are exclusive). A document
 * without lines (a summary record) is one line of its subtotal with no account. `sign` is the document's
 * effect on profit: +1 for sales and money received, −1 for purchases and money spent; `sales` says where a
 * line with no account goes (income for a sale, operating expenses for a purchase).
 */
export function ledgerLinesOf(
  b: BusinessContext,
  doc: {
    date: XeroDate;
    lines: XeroLineItem[] | undefined;
    lineAmountTypes: XeroLineAmountTypes | undefined;
    subtotal: number | undefined;
    tax: number | undefined;
    total: number;
    currency: string;
    rate: number | string | undefined;
  },
  sign: 1 | -1,
  sales: boolean,
): LedgerLine[] {
  const c = doc.currency;
  const amount = (v: number | undefined) => fromApiNumber(v ?? 0, c).amount;
  const lines = (doc.lines ?? []).filter((l) => l.LineAmount !== undefined || l.AccountCode);
  const gross = lines.reduce((a, l) => a.plus(amount(l.LineAmount)), new D(0));
  const inclusive =
    doc.lineAmountTypes === 'Inclusive' ||
    (doc.lineAmountTypes === undefined &&
      !gross.eq(amount(doc.subtotal ?? doc.total)) &&
      gross.eq(amount(doc.total)) &&
      !amount(doc.tax).isZero());
  const drafts =
    lines.length > 0
      ? lines.map((l) => {
          const tax = doc.lineAmountTypes === 'NoTax' ? new D(0) : amount(l.TaxAmount);
          return {
            code: l.AccountCode ?? null,
            net: inclusive ? amount(l.LineAmount).minus(tax) : amount(l.LineAmount),
            tax,
          };
        })
      : [{ code: null, net: amount(doc.subtotal ?? doc.total), tax: amount(doc.tax) }];
  const base = (d: Dec) =>
    c === b.baseCurrency || doc.rate === undefined || new D(String(doc.rate)).isZero()
      ? d
      : convertToBase(d, doc.rate, b.baseCurrency);
  const date = xeroDay(doc.date);
  return drafts.map((d, i) => ({
    lineNo: i,
    date,
    accountCode: d.code,
    amount: toDb(base(d.net).times(sign)),
    tax: toDb(base(d.tax).times(sign)),
    sales,
  }));
}

export function mapAccount(b: BusinessContext, a: XeroAccount): typeof accounts.$inferInsert {
  return {
    businessId: b.id,
    source: 'xero',
    externalId: a.AccountID,
    code: a.Code ?? null,
    name: a.Name,
    type: a.Type,
    class: a.Class ?? null,
    status: a.Status ?? 'ACTIVE',
    isBank: a.Type === 'BANK',
    bankAccountNumber: a.BankAccountNumber ?? null,
    currency: a.CurrencyCode ?? (a.Type === 'BANK' ? b.baseCurrency : null),
    externalUpdatedAt: optTime(a.UpdatedDateUTC),
  };
}

export function mapContact(b: BusinessContext, c: XeroContact): typeof contacts.$inferInsert {
  return {
    businessId: b.id,
    source: 'xero',
    externalId: c.ContactID,
    name: c.Name,
    email: c.EmailAddress ?? null,
    isCustomer: c.IsCustomer ?? false,
    isSupplier: c.IsSupplier ?? false,
    status: c.ContactStatus ?? 'ACTIVE',
    defaultCurrency: c.DefaultCurrency ?? null,
    externalUpdatedAt: optTime(c.UpdatedDateUTC),
  };
}

/** Lookups a batch needs, resolved once per batch. */
export interface Refs {
  contactIds: Map<string, string>;
  accountIds: Map<string, string>;
  invoiceIds: Map<string, string>;
  /** Account code → account name, for upstream categories. */
  accountNames: Map<string, string>;
}

/** Voided and deleted documents stay as history but are marked, so metrics leave them out. */
function removedAt(status: string, updated: XeroDate | undefined): Date | null {
  return status === 'VOIDED' || status === 'DELETED' ? (optTime(updated) ?? new Date(0)) : null;
}

function money(amount: number | string | undefined, currency: string): string {
  return toDb(fromApiNumber(amount ?? 0, currency));
}

function categoryOf(
  lines: { AccountCode?: string }[] | undefined,
  refs: Refs,
): Pick<TxRow, 'category' | 'accountCode' | 'categorySource' | 'categoryConfidence'> {
  const code = lines?.find((l) => l.AccountCode)?.AccountCode;
  if (!code) return { category: null, accountCode: null, categorySource: null, categoryConfidence: null };
  return {
    category: refs.accountNames.get(code) ?? code,
    accountCode: code,
    categorySource: 'upstream',
    categoryConfidence: 1,
  };
}

/** What invoices, bills and credit notes have in common, in Xero's units. */
interface XeroDocument {
  id: string;
  type: InvoiceRow['type'];
  number: string | undefined;
  reference: string | undefined;
  contact: XeroInvoice['Contact'];
  date: XeroDate;
  due: XeroDate | undefined;
  paid: XeroDate | undefined;
  status: string;
  lineAmountTypes: XeroLineAmountTypes | undefined;
  lines: XeroInvoice['LineItems'];
  subtotal: number;
  tax: number | undefined;
  total: number;
  currency: string | undefined;
  rate: number | undefined;
  updated: XeroDate | undefined;
  /** Decimal strings: what is still open, paid and credited. */
  amountDue: string;
  amountPaid: string;
  amountCredited: string;
  allocations: XeroAllocation[] | undefined;
}

/** Documents in the ledger: authorised or paid (drafts, submitted, voided and deleted ones are not). */
const POSTED = new Set(['AUTHORISED', 'PAID']);

/** A document's rows: `invoices`, its movement in `transactions` (signed: money in > 0), and its P&L lines. */
export interface DocumentRows {
  invoice: InvoiceRow;
  transaction: TxRow;
  lines: LedgerLine[];
}

function documentRows(
  b: BusinessContext,
  d: XeroDocument,
  refs: Refs,
  txn: {
    externalId: string;
    kind: TxRow['kind'];
    moneyIn: boolean;
    /** +1 when the document adds to profit (sales, a supplier's credit), −1 when it costs. */
    profitSign: 1 | -1;
    metadata: Record<string, unknown>;
  },
): DocumentRows {
  const currency = d.currency ?? b.baseCurrency;
  const total = money(d.total, currency);
  const base = toBase(total, currency, d.rate, b.baseCurrency);
  const contactId = d.contact?.ContactID ? (refs.contactIds.get(d.contact.ContactID) ?? null) : null;
  const invoice: InvoiceRow = {
    businessId: b.id,
    source: 'xero',
    externalId: d.id,
    type: d.type,
    number: d.number ?? null,
    reference: d.reference ?? null,
    contactId,
    status: d.status,
    issueDate: xeroDay(d.date),
    dueDate: optDay(d.due),
    paidDate: optDay(d.paid),
    currency,
    currencyRate: String(d.rate ?? 1),
    subtotal: money(d.subtotal, currency),
    totalTax: money(d.tax, currency),
    total,
    amountDue: d.amountDue,
    amountPaid: d.amountPaid,
    amountCredited: d.amountCredited,
    baseTotal: base.value,
    lineItems: d.lines ?? [],
    allocations: (d.allocations ?? [])
      .filter((a) => !a.IsDeleted)
      .map((a) => ({ invoiceId: a.Invoice.InvoiceID, amount: money(a.Amount, currency), date: xeroDay(a.Date) })),
    externalUpdatedAt: optTime(d.updated),
  };
  const signed = (v: string) => (txn.moneyIn ? v : toDb(new D(v).neg()));
  const transaction: TxRow = {
    businessId: b.id,
    source: 'xero',
    externalId: txn.externalId,
    kind: txn.kind,
    status: d.status,
    date: xeroDay(d.date),
    amount: signed(total),
    currency,
    baseAmount: signed(base.value),
    counterparty: d.contact?.Name ?? null,
    contactId,
    description: [d.number, d.reference].filter(Boolean).join(' ') || null,
    ...categoryOf(d.lines, refs),
    metadata: { ...txn.metadata, ...(base.fxMissing ? { fxRateMissing: true } : {}) },
    externalUpdatedAt: optTime(d.updated),
    deletedAt: removedAt(d.status, d.updated),
  };
  const lines = POSTED.has(d.status)
    ? ledgerLinesOf(
        b,
        {
          date: d.date,
          lines: d.lines,
          lineAmountTypes: d.lineAmountTypes,
          subtotal: d.subtotal,
          tax: d.tax,
          total: d.total,
          currency,
          rate: d.rate,
        },
        txn.profitSign,
        d.type === 'ACCREC' || d.type === 'ACCRECCREDIT',
      )
    : [];
  return { invoice, transaction, lines };
}

export function mapInvoice(b: BusinessContext, inv: XeroInvoice, refs: Refs): DocumentRows {
  const currency = inv.CurrencyCode ?? b.baseCurrency;
  const sales = inv.Type === 'ACCREC';
  return documentRows(
    b,
    {
      id: inv.InvoiceID,
      type: inv.Type,
      number: inv.InvoiceNumber,
      reference: inv.Reference,
      contact: inv.Contact,
      date: inv.Date,
      due: inv.DueDate,
      paid: inv.FullyPaidOnDate,
      status: inv.Status,
      lineAmountTypes: inv.LineAmountTypes,
      lines: inv.LineItems,
      subtotal: inv.SubTotal,
      tax: inv.TotalTax,
      total: inv.Total,
      currency: inv.CurrencyCode,
      rate: inv.CurrencyRate,
      updated: inv.UpdatedDateUTC,
      amountDue: money(inv.AmountDue, currency),
      amountPaid: money(inv.AmountPaid, currency),
      amountCredited: money(inv.AmountCredited, currency),
      allocations: undefined,
    },
    refs,
    {
      externalId: `invoice:${inv.InvoiceID}`,
      kind: sales ? 'INVOICE' : 'BILL',
      moneyIn: sales,
      profitSign: sales ? 1 : -1,
      metadata: {},
    },
  );
}

export function mapCreditNote(b: BusinessContext, cn: XeroCreditNote, refs: Refs): DocumentRows {
  const currency = cn.CurrencyCode ?? b.baseCurrency;
  const remaining = money(cn.RemainingCredit, currency);
  return documentRows(
    b,
    {
      id: cn.CreditNoteID,
      type: cn.Type,
      number: cn.CreditNoteNumber,
      reference: cn.Reference,
      contact: cn.Contact,
      date: cn.Date,
      due: undefined,
      paid: cn.FullyPaidOnDate,
      status: cn.Status,
      lineAmountTypes: cn.LineAmountTypes,
      lines: cn.LineItems,
      subtotal: cn.SubTotal,
      tax: cn.TotalTax,
      total: cn.Total,
      currency: cn.CurrencyCode,
      rate: cn.CurrencyRate,
      updated: cn.UpdatedDateUTC,
      amountDue: remaining,
      amountPaid: toDb(new D(money(cn.Total, currency)).minus(remaining)),
      amountCredited: '0',
      allocations: cn.Allocations,
    },
    refs,
    // A sales credit note gives money back (negative); a supplier's credit note is money to us.
    {
      externalId: `creditnote:${cn.CreditNoteID}`,
      kind: 'CREDIT_NOTE',
      moneyIn: cn.Type === 'ACCPAYCREDIT',
      profitSign: cn.Type === 'ACCPAYCREDIT' ? 1 : -1,
      metadata: { creditNoteType: cn.Type },
    },
  );
}

/** Payments in: receivable payments and supplier refunds; out: payable payments and customer refunds. */
const PAYMENT_IN = new Set(['ACCRECPAYMENT', 'APCREDITPAYMENT', 'APOVERPAYMENTPAYMENT', 'APPREPAYMENTPAYMENT']);

/**
 * A payment's amount in the base currency. Xero reports what reached the bank (`BankAmount`, in the bank
 * account's currency): for a foreign-currency document paid from a base-currency account that is the base
 * amount, and the difference from the document's own rate is a realised currency gain or loss. When the bank
 * account is in the document's currency (BankAmount = Amount) the payment's rate converts it.
 */
function paymentBase(b: BusinessContext, p: XeroPayment, currency: string, amount: string) {
  if (currency === b.baseCurrency) return { value: amount, fxMissing: false };
  if (p.BankAmount !== undefined && !new D(String(p.BankAmount)).eq(new D(String(p.Amount))))
    return { value: money(p.BankAmount, b.baseCurrency), fxMissing: false };
  return toBase(amount, currency, p.CurrencyRate, b.baseCurrency);
}

export function mapPayment(b: BusinessContext, p: XeroPayment, refs: Refs): TxRow {
  const currency = p.Invoice?.CurrencyCode ?? p.CreditNote?.CurrencyCode ?? b.baseCurrency;
  const amount = money(p.Amount, currency);
  const base = paymentBase(b, p, currency, amount);
  const type = p.PaymentType ?? (p.Invoice?.Type === 'ACCPAY' ? 'ACCPAYPAYMENT' : 'ACCRECPAYMENT');
  const inbound = PAYMENT_IN.has(type);
  const contact = p.Invoice?.Contact ?? p.CreditNote?.Contact;
  return {
    businessId: b.id,
    source: 'xero',
    externalId: `payment:${p.PaymentID}`,
    kind: 'PAYMENT',
    status: p.Status ?? 'AUTHORISED',
    date: xeroDay(p.Date),
    amount: inbound ? amount : toDb(new D(amount).neg()),
    currency,
    baseAmount: inbound ? base.value : toDb(new D(base.value).neg()),
    counterparty: contact?.Name ?? null,
    contactId: contact?.ContactID ? (refs.contactIds.get(contact.ContactID) ?? null) : null,
    description: p.Reference ?? (p.Invoice?.InvoiceNumber ? `Payment ${p.Invoice.InvoiceNumber}` : null),
    bankAccountId: p.Account ? (refs.accountIds.get(p.Account.AccountID) ?? null) : null,
    invoiceId: p.Invoice
      ? (refs.invoiceIds.get(p.Invoice.InvoiceID) ?? null)
      : p.CreditNote
        ? (refs.invoiceIds.get(p.CreditNote.CreditNoteID) ?? null)
        : null,
    reconciled: p.IsReconciled ?? false,
    metadata: { paymentType: type, ...(base.fxMissing ? { fxRateMissing: true } : {}) },
    externalUpdatedAt: optTime(p.UpdatedDateUTC),
    deletedAt: p.Status === 'DELETED' ? (optTime(p.UpdatedDateUTC) ?? new Date(0)) : null,
  };
}

/**
 * Spend and receive money, and the two sides of a transfer as Xero keeps them (SPEND-TRANSFER, RECEIVE-TRANSFER).
 * Overpayments and prepayments are money on a contact's account until allocated: they move cash but add no
 * P&L lines (the documents they are allocated to do).
 */
export function mapBankTransaction(
  b: BusinessContext,
  t: XeroBankTransaction,
  refs: Refs,
): { transaction: TxRow; lines: LedgerLine[] } {
  const currency = t.CurrencyCode ?? b.baseCurrency;
  const total = money(t.Total, currency);
  const base = toBase(total, currency, t.CurrencyRate, b.baseCurrency);
  // RECEIVE, RECEIVE-OVERPAYMENT, RECEIVE-PREPAYMENT, RECEIVE-TRANSFER are money in; SPEND-* out.
  const inbound = t.Type.startsWith('RECEIVE');
  const transfer = t.Type.endsWith('-TRANSFER');
  const removed = t.Status === 'DELETED' || t.Status === 'VOIDED';
  const transaction: TxRow = {
    businessId: b.id,
    source: 'xero',
    externalId: `banktxn:${t.BankTransactionID}`,
    kind: transfer ? 'TRANSFER' : inbound ? 'RECEIVE' : 'SPEND',
    status: t.Status ?? 'AUTHORISED',
    date: xeroDay(t.Date),
    amount: inbound ? total : toDb(new D(total).neg()),
    currency,
    baseAmount: inbound ? base.value : toDb(new D(base.value).neg()),
    counterparty: t.Contact?.Name ?? null,
    contactId: t.Contact?.ContactID ? (refs.contactIds.get(t.Contact.ContactID) ?? null) : null,
    description: t.Reference ?? t.LineItems?.find((l) => l.Description)?.Description ?? null,
    bankAccountId: refs.accountIds.get(t.BankAccount.AccountID) ?? null,
    reconciled: t.IsReconciled ?? false,
    ...(transfer
      ? { category: TRANSFER_CATEGORY, accountCode: null, categorySource: 'upstream' as const, categoryConfidence: 1 }
      : categoryOf(t.LineItems, refs)),
    metadata: { bankTransactionType: t.Type, ...(base.fxMissing ? { fxRateMissing: true } : {}) },
    externalUpdatedAt: optTime(t.UpdatedDateUTC),
    deletedAt: removed ? (optTime(t.UpdatedDateUTC) ?? new Date(0)) : null,
  };
  const inLedger = (t.Type === 'SPEND' || t.Type === 'RECEIVE') && !removed;
  const lines = inLedger
    ? ledgerLinesOf(
        b,
        {
          date: t.Date,
          lines: t.LineItems,
          lineAmountTypes: t.LineAmountTypes,
          subtotal: t.SubTotal,
          tax: t.TotalTax,
          total: t.Total,
          currency,
          rate: t.CurrencyRate,
        },
        inbound ? 1 : -1,
        inbound,
      )
    : [];
  return { transaction, lines };
}

const TRANSFER_CATEGORY = 'Transfer between own accounts';

/** A short fingerprint of a document's P&L lines: it changes whenever a line does. */
function ledgerFingerprint(lines: LedgerLine[]): string {
  return createHash('sha1')
    .update(JSON.stringify(lines.map((l) => [l.accountCode, l.amount, l.tax, l.date])))
    .digest('base64url')
    .slice(0, 12);
}

/**
 * A transfer between two of the business's own accounts: one row per side, so each account balances. Xero
 * also lists the two sides as bank transactions (SPEND-TRANSFER, RECEIVE-TRANSFER) and names them here; the
 * rows take those bank transactions' keys, so whichever of the two lists arrives first, each side is one row.
 */
export function mapBankTransfer(b: BusinessContext, t: XeroBankTransfer, refs: Refs): [TxRow, TxRow] {
  const amount = money(t.Amount, b.baseCurrency);
  const removed = t.Status === 'DELETED' || t.Status === 'VOIDED';
  const common = {
    businessId: b.id,
    source: 'xero' as const,
    kind: 'TRANSFER' as const,
    status: t.Status ?? 'AUTHORISED',
    date: xeroDay(t.Date),
    currency: b.baseCurrency,
    counterparty: null,
    description: t.Reference ?? `Transfer ${t.FromBankAccount.Name ?? ''} → ${t.ToBankAccount.Name ?? ''}`.trim(),
    category: TRANSFER_CATEGORY,
    accountCode: null,
    categorySource: 'upstream' as const,
    categoryConfidence: 1,
    metadata: { bankTransferId: t.BankTransferID },
    externalUpdatedAt: optTime(t.CreatedDateUTC),
    deletedAt: removed ? (optTime(t.CreatedDateUTC) ?? new Date(0)) : null,
  };
  return [
    {
      ...common,
      externalId: t.FromBankTransactionID ? `banktxn:${t.FromBankTransactionID}` : `transfer:${t.BankTransferID}:from`,
      amount: toDb(new D(amount).neg()),
      baseAmount: toDb(new D(amount).neg()),
      bankAccountId: refs.accountIds.get(t.FromBankAccount.AccountID) ?? null,
      reconciled: t.FromIsReconciled ?? false,
    },
    {
      ...common,
      externalId: t.ToBankTransactionID ? `banktxn:${t.ToBankTransactionID}` : `transfer:${t.BankTransferID}:to`,
      amount,
      baseAmount: amount,
      bankAccountId: refs.accountIds.get(t.ToBankAccount.AccountID) ?? null,
      reconciled: t.ToIsReconciled ?? false,
    },
  ];
}

export interface IngestCounts {
  accounts: number;
  contacts: number;
  invoices: number;
  transactions: number;
  /** Rows actually inserted or changed. */
  written: number;
  /** Their local ids. */
  writtenIds: string[];
}

/**
 * Write one batch of Xero records for a business, in dependency order (accounts and contacts
 * before the documents that point at them). Run it inside `withBusiness`.
 */
export async function ingestXero(tx: Db, business: BusinessContext, batch: XeroBatch): Promise<IngestCounts> {
  const writtenIds: string[] = [];
  const keep = (r: { ids: string[] }) => {
    writtenIds.push(...r.ids);
  };
  if (batch.organisation) {
    const o = batch.organisation;
    const next = {
      baseCurrency: o.BaseCurrency,
      fyEndMonth: o.FinancialYearEndMonth ?? null,
      fyEndDay: o.FinancialYearEndDay ?? null,
    };
    // Only when something changed: a sync with nothing new upstream writes nothing.
    await tx
      .update(businesses)
      .set({
        baseCurrency: next.baseCurrency,
        ...(next.fyEndMonth ? { fyEndMonth: next.fyEndMonth } : {}),
        ...(next.fyEndDay ? { fyEndDay: next.fyEndDay } : {}),
        updatedAt: new Date(),
      })
      .where(
        and(
          eq(businesses.id, business.id),
          sql`(${businesses.baseCurrency}, ${businesses.fyEndMonth}, ${businesses.fyEndDay}) is distinct from (${next.baseCurrency}::char(3), coalesce(${next.fyEndMonth}::int, ${businesses.fyEndMonth}), coalesce(${next.fyEndDay}::int, ${businesses.fyEndDay}))`,
        ),
      );
  }
  const acc = batch.accounts ?? [];
  const con = batch.contacts ?? [];
  keep(
    await upsertBySourceKey(
      tx,
      accounts,
      acc.map((a) => mapAccount(business, a)),
    ),
  );
  keep(
    await upsertBySourceKey(
      tx,
      contacts,
      con.map((c) => mapContact(business, c)),
    ),
  );

  const inv = batch.invoices ?? [];
  const cns = batch.creditNotes ?? [];
  const pays = batch.payments ?? [];
  const bts = batch.bankTransactions ?? [];
  const tfs = batch.bankTransfers ?? [];
  if (inv.length + cns.length + pays.length + bts.length + tfs.length === 0) {
    return {
      accounts: acc.length,
      contacts: con.length,
      invoices: 0,
      transactions: 0,
      written: writtenIds.length,
      writtenIds,
    };
  }

  const contactRefs = [
    ...inv.map((i) => i.Contact?.ContactID),
    ...cns.map((c) => c.Contact?.ContactID),
    ...pays.map((p) => p.Invoice?.Contact?.ContactID ?? p.CreditNote?.Contact?.ContactID),
    ...bts.map((t) => t.Contact?.ContactID),
  ].filter((x): x is string => Boolean(x));
  const accountRefs = [
    ...pays.map((p) => p.Account?.AccountID),
    ...bts.map((t) => t.BankAccount.AccountID),
    ...tfs.flatMap((t) => [t.FromBankAccount.AccountID, t.ToBankAccount.AccountID]),
  ].filter((x): x is string => Boolean(x));
  const refs: Refs = {
    contactIds: await resolveIds(tx, contacts, business.id, 'xero', contactRefs),
    accountIds: await resolveIds(tx, accounts, business.id, 'xero', accountRefs),
    invoiceIds: new Map(),
    accountNames: await accountNamesByCode(tx, business.id),
  };

  const docs = [...inv.map((i) => mapInvoice(business, i, refs)), ...cns.map((c) => mapCreditNote(business, c, refs))];
  keep(
    await upsertBySourceKey(
      tx,
      invoices,
      docs.map((d) => d.invoice),
    ),
  );
  refs.invoiceIds = await resolveIds(tx, invoices, business.id, 'xero', [
    ...docs.map((d) => d.invoice.externalId),
    ...pays.map((p) => p.Invoice?.InvoiceID ?? p.CreditNote?.CreditNoteID).filter((x): x is string => Boolean(x)),
  ]);
  const txRows: TxRow[] = docs.map((d) => ({
    ...d.transaction,
    invoiceId: refs.invoiceIds.get(d.invoice.externalId) ?? null,
  }));
  const linesByKey = new Map<string, LedgerLine[]>(docs.map((d) => [d.transaction.externalId, d.lines]));
  for (const p of pays) txRows.push(mapPayment(business, p, refs));
  const bankRows = bts.map((t) => mapBankTransaction(business, t, refs));
  // A transfer's two sides come as bank transactions and as the transfer itself (same keys): the transfer's
  // rows say more (both accounts), so a live transfer-typed bank transaction only fills a side not yet here.
  const transferSides = bankRows.filter((r) => r.transaction.kind === 'TRANSFER' && !r.transaction.deletedAt);
  const present = transferSides.length
    ? await resolveIds(
        tx,
        transactions,
        business.id,
        'xero',
        transferSides.map((r) => r.transaction.externalId),
      )
    : new Map<string, string>();
  for (const r of bankRows) {
    if (r.transaction.kind === 'TRANSFER' && !r.transaction.deletedAt && present.has(r.transaction.externalId))
      continue;
    txRows.push(r.transaction);
    // A transfer's side is in no P&L (and its row is the transfer's too: no fingerprint of lines on it).
    if (r.transaction.kind !== 'TRANSFER') linesByKey.set(r.transaction.externalId, r.lines);
  }
  for (const t of tfs) txRows.push(...mapBankTransfer(business, t, refs));
  // A document's lines are part of its row (`metadata.ledger`, their fingerprint), so a change to any line
  // rewrites the row, and the rows written are exactly the documents whose lines need writing.
  for (const r of txRows) {
    const lines = linesByKey.get(r.externalId);
    if (lines) r.metadata = { ...(r.metadata as Record<string, unknown>), ledger: ledgerFingerprint(lines) };
  }
  const upserted = await upsertBySourceKey(tx, transactions, txRows);
  keep(upserted);
  const contactOf = new Map(txRows.map((r) => [r.externalId, r.contactId ?? null]));
  await writeLedgerLines(
    tx,
    business.id,
    upserted.rows
      .filter((r) => linesByKey.has(r.externalId))
      .map((r) => ({
        transactionId: r.id,
        contactId: contactOf.get(r.externalId) ?? null,
        lines: linesByKey.get(r.externalId)!,
        fresh: r.inserted,
      })),
  );
  // A Stripe payout and its bank deposit are one movement: link them as soon as both are here.
  if (bts.length) await linkPayouts(tx, business.id);
  return {
    accounts: acc.length,
    contacts: con.length,
    invoices: docs.length,
    transactions: txRows.length,
    written: writtenIds.length,
    writtenIds,
  };
}

async function accountNamesByCode(tx: Db, businessId: string): Promise<Map<string, string>> {
  const rows = await tx
    .select({ code: accounts.code, name: accounts.name })
    .from(accounts)
    .where(eq(accounts.businessId, businessId));
  return new Map(rows.filter((r) => r.code).map((r) => [r.code!, r.name]));
}
