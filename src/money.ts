/**
 * Exact money. Amounts are decimal.js values (never JS numbers) carried with a currency; the
 * database stores numeric(19,4) and hands them over as strings. Sums are exact; display rounds
 * half-up to the currency's minor unit (2 places for most).
 */
import Decimal from 'decimal.js';
import { InvalidInputError } from './errors';

// A private constructor so global Decimal settings elsewhere cannot change ours.
export const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -30, toExpPos: 40 });
export type Dec = InstanceType<typeof D>;

export interface Money {
  readonly amount: Dec;
  readonly currency: string;
}

const CURRENCY = /^[A-Z]{3}$/;

/**
 * ISO 4217 currencies whose minor unit is not 2 decimal places. Stripe sends amounts in minor units:
 * https://docs.stripe.com/currencies#zero-decimal and #three-decimal.
 */
const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

export function minorUnitDigits(currency: string): number {
  const c = currency.toUpperCase();
  if (ZERO_DECIMAL.has(c)) return 0;
  if (THREE_DECIMAL.has(c)) return 3;
  return 2;
}

export function normalizeCurrency(currency: string): string {
  const c = currency.trim().toUpperCase();
  if (!CURRENCY.test(c)) throw new InvalidInputError(`"${currency}" is not a three-letter ISO 4217 currency code.`);
  return c;
}

/** Build a Money from a decimal string (as the database returns it), a Decimal, or an integer count of minor units via `fromMinor`. */
export function money(amount: string | Dec, currency: string): Money {
  if (typeof amount === 'string' && !/^[+-]?\d+(\.\d+)?$/.test(amount.trim())) {
    throw new InvalidInputError(`"${amount}" is not a decimal amount.`);
  }
  return { amount: new D(amount), currency: normalizeCurrency(currency) };
}

/** Stripe-style integer minor units (cents, yen…) to Money. */
export function fromMinor(minor: number | bigint, currency: string): Money {
  if (typeof minor === 'number' && !Number.isSafeInteger(minor))
    throw new InvalidInputError(`${minor} is not an integer amount of minor units.`);
  const c = normalizeCurrency(currency);
  return { amount: new D(minor.toString()).div(new D(10).pow(minorUnitDigits(c))), currency: c };
}

/**
 * A JSON number from an upstream API (Xero sends amounts such as 46.0 as numbers). JS prints the
 * shortest string that round-trips, which is the literal Xero sent for any amount with ≤ 15
 * significant digits; we go through that string, never through float arithmetic.
 */
export function fromApiNumber(n: number | string, currency: string): Money {
  if (typeof n === 'number' && !Number.isFinite(n)) throw new InvalidInputError(`${n} is not a finite amount.`);
  return money(typeof n === 'number' ? n.toString() : n, currency);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new InvalidInputError(`Cannot combine ${a.currency} and ${b.currency} amounts without conversion.`);
  }
}

export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: a.amount.plus(b.amount), currency: a.currency };
}

export function sub(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return { amount: a.amount.minus(b.amount), currency: a.currency };
}

export function neg(a: Money): Money {
  return { amount: a.amount.neg(), currency: a.currency };
}

export function zero(currency: string): Money {
  return { amount: new D(0), currency: normalizeCurrency(currency) };
}

/** Exact sum; an empty list sums to zero in `currency`. */
export function sum(items: Iterable<Money>, currency: string): Money {
  let total = new D(0);
  const c = normalizeCurrency(currency);
  for (const m of items) {
    if (m.currency !== c)
      throw new InvalidInputError(`Cannot add a ${m.currency} amount to a ${c} total without conversion.`);
    total = total.plus(m.amount);
  }
  return { amount: total, currency: c };
}

/** Convert at an explicit rate (units of `to` per unit of `from`); the rate is exact decimal. */
export function convert(m: Money, rate: string | Dec, to: string): Money {
  return { amount: m.amount.times(new D(rate)), currency: normalizeCurrency(to) };
}

/** The database form: a numeric(19,4) literal. Rounds half-up at 4 places. */
export function toDb(m: Money | Dec): string {
  const d = 'amount' in m ? m.amount : m;
  return d.toDecimalPlaces(4, D.ROUND_HALF_UP).toFixed(4);
}

/** Display form: rounded half-up to the currency's minor unit, e.g. "1234.57". */
export function toFixedMinor(m: Money): string {
  return m.amount.toDecimalPlaces(minorUnitDigits(m.currency), D.ROUND_HALF_UP).toFixed(minorUnitDigits(m.currency));
}

/** Human form with grouping, e.g. "USD 1,234.57" / "-USD 12.00". */
export function format(m: Money): string {
  const fixed = toFixedMinor(m);
  const negative = fixed.startsWith('-');
  const [int, frac] = (negative ? fixed.slice(1) : fixed).split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${m.currency} ${grouped}${frac ? `.${frac}` : ''}`;
}

export function isZero(m: Money): boolean {
  return m.amount.isZero();
}
