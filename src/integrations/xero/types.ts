/**
 * The parts of Xero's Accounting API JSON (PascalCase, as the API sends it and as
 * shared/fixtures/xero shows) that the mappers read. Dates arrive as `/Date(ms+0000)/` or ISO.
 */
export type XeroDate = string;

export interface XeroRef {
  ContactID?: string;
  Name?: string;
}

export interface XeroOrganisation {
  OrganisationID: string;
  Name: string;
  LegalName?: string;
  BaseCurrency: string;
  CountryCode?: string;
  Timezone?: string;
  FinancialYearEndDay?: number;
  FinancialYearEndMonth?: number;
}

export interface XeroAccount {
  AccountID: string;
  Code?: string;
  Name: string;
  Type: string;
  Class?: string;
  Status?: string;
  BankAccountNumber?: string;
  CurrencyCode?: string;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroContact {
  ContactID: string;
  Name: string;
  EmailAddress?: string;
  ContactStatus?: string;
  IsSupplier?: boolean;
  IsCustomer?: boolean;
  DefaultCurrency?: string;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroLineItem {
  LineItemID?: string;
  Description?: string;
  Quantity?: number;
  UnitAmount?: number;
  AccountCode?: string;
  TaxAmount?: number;
  LineAmount?: number;
}

/** Whether line amounts include tax (https://developer.xero.com/documentation/api/accounting/types#line-amount-types). */
export type XeroLineAmountTypes = 'Exclusive' | 'Inclusive' | 'NoTax';

export interface XeroInvoice {
  InvoiceID: string;
  Type: 'ACCREC' | 'ACCPAY';
  InvoiceNumber?: string;
  Reference?: string;
  Contact?: XeroRef;
  Date: XeroDate;
  DueDate?: XeroDate;
  FullyPaidOnDate?: XeroDate;
  Status: string;
  LineAmountTypes?: XeroLineAmountTypes;
  LineItems?: XeroLineItem[];
  SubTotal: number;
  TotalTax?: number;
  Total: number;
  AmountDue?: number;
  AmountPaid?: number;
  AmountCredited?: number;
  CurrencyCode?: string;
  CurrencyRate?: number;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroCreditNote {
  CreditNoteID: string;
  Type: 'ACCRECCREDIT' | 'ACCPAYCREDIT';
  CreditNoteNumber?: string;
  Reference?: string;
  Contact?: XeroRef;
  Date: XeroDate;
  FullyPaidOnDate?: XeroDate;
  Status: string;
  LineAmountTypes?: XeroLineAmountTypes;
  LineItems?: XeroLineItem[];
  SubTotal: number;
  TotalTax?: number;
  Total: number;
  RemainingCredit?: number;
  /** Where the credit went: amounts in the credit note's currency, each with its date and document. */
  Allocations?: XeroAllocation[];
  CurrencyCode?: string;
  CurrencyRate?: number;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroAllocation {
  AllocationID?: string;
  Amount: number;
  Date: XeroDate;
  Invoice: { InvoiceID: string; InvoiceNumber?: string };
  IsDeleted?: boolean;
}

export interface XeroPayment {
  PaymentID: string;
  Date: XeroDate;
  /** In the document's currency. */
  Amount: number;
  /** In the bank account's currency: what reached or left the bank. */
  BankAmount?: number;
  CurrencyRate?: number;
  PaymentType?: string;
  Status?: string;
  Reference?: string;
  IsReconciled?: boolean;
  Account?: { AccountID: string; Code?: string };
  Invoice?: { InvoiceID: string; Type?: string; InvoiceNumber?: string; Contact?: XeroRef; CurrencyCode?: string };
  CreditNote?: { CreditNoteID: string; Type?: string; Contact?: XeroRef; CurrencyCode?: string };
  UpdatedDateUTC?: XeroDate;
}

export interface XeroBankTransaction {
  BankTransactionID: string;
  Type: string;
  Contact?: XeroRef;
  BankAccount: { AccountID: string; Code?: string; Name?: string };
  Date: XeroDate;
  Reference?: string;
  Status?: string;
  IsReconciled?: boolean;
  LineAmountTypes?: XeroLineAmountTypes;
  LineItems?: XeroLineItem[];
  SubTotal?: number;
  TotalTax?: number;
  Total: number;
  CurrencyCode?: string;
  CurrencyRate?: number;
  UpdatedDateUTC?: XeroDate;
}

export interface XeroBankTransfer {
  BankTransferID: string;
  FromBankAccount: { AccountID: string; Code?: string; Name?: string };
  ToBankAccount: { AccountID: string; Code?: string; Name?: string };
  Amount: number | string;
  Date: XeroDate;
  Status?: string;
  /** The two bank transactions (SPEND-TRANSFER, RECEIVE-TRANSFER) Xero keeps for this transfer. */
  FromBankTransactionID?: string;
  ToBankTransactionID?: string;
  CurrencyRate?: number | string;
  FromIsReconciled?: boolean;
  ToIsReconciled?: boolean;
  Reference?: string;
  CreatedDateUTC?: XeroDate;
}

/** Everything one sync page (or the demo) can hand to `ingestXero`. */
export interface XeroBatch {
  organisation?: XeroOrganisation;
  accounts?: XeroAccount[];
  contacts?: XeroContact[];
  invoices?: XeroInvoice[];
  creditNotes?: XeroCreditNote[];
  payments?: XeroPayment[];
  bankTransactions?: XeroBankTransaction[];
  bankTransfers?: XeroBankTransfer[];
}
