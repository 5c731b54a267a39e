/** How the offline model writes figures: exact decimal strings in, no float arithmetic on money. */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

const formatters = new Map<string, Intl.NumberFormat>();

/** "-7129.2200" in USD → "-$7,129.22". Intl formats the decimal string itself, so nothing passes through a float. */
export function money(amount: string | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return 'not available';
  let f = formatters.get(currency);
  if (!f) {
    f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
    formatters.set(currency, f);
  }
  return f.format(amount as `${number}`);
}

/** The same without the sign, for "down $7,129.22". */
export const moneyAbs = (amount: string, currency: string) => money(amount.replace(/^-/, ''), currency);

export const isNegative = (amount: string | null | undefined) => Boolean(amount?.startsWith('-'));

/** A ratio (0.023041) as a percentage ("2.3%"); small ones keep two decimals. */
export function pct(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return 'not available';
  const p = ratio * 100;
  return `${Math.abs(p) < 1 && p !== 0 ? p.toFixed(2) : p.toFixed(1)}%`;
}

export const count = (n: number) => n.toLocaleString('en-US');

/** "2026-10-31" → "31 October 2026". */
export function day(iso: string | null | undefined): string {
  if (!iso) return 'an unknown date';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${Number(d)} ${MONTHS[Number(m) - 1]} ${y}`;
}

/** "2026-10-01" → "October 2026". */
export const month = (iso: string) => `${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;

/** How a snapshot's period is named. */
export function periodName(p: { periodType: string; start: string; end: string; partial: boolean }): string {
  const base =
    p.periodType === 'month'
      ? month(p.start)
      : p.periodType === 'quarter'
        ? `Q${Math.floor((Number(p.start.slice(5, 7)) - 1) / 3) + 1} ${p.start.slice(0, 4)}`
        : p.periodType === 'year'
          ? p.start.slice(0, 4)
          : `the week of ${day(p.start)}`;
  return p.partial ? `${base} (to date)` : base;
}

export const list = (items: string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

export const humanize = (s: string) => s.replace(/_/g, ' ');

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  eighteen: 18,
  twenty: 20,
  'twenty-four': 24,
  thirty: 30,
  sixty: 60,
  ninety: 90,
};

/** A count as people write it in a question: digits or a word (regex source, one capture group). */
export const COUNT = `(\\d{1,3}|${Object.keys(NUMBER_WORDS).join('|')})`;

/** "6" or "six" → 6; anything else → 0. */
export const countOf = (w: string): number => (/^\d+$/.test(w) ? Number(w) : (NUMBER_WORDS[w.toLowerCase()] ?? 0));
