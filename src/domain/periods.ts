/** Calendar periods as ISO dates (YYYY-MM-DD), in UTC. Pure. */
import { InvalidInputError } from '../errors';

export type PeriodType = 'week' | 'month' | 'quarter' | 'year';

export interface Period {
  type: PeriodType;
  start: string;
  end: string;
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (d: string) => {
  const t = Date.parse(`${d}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(t))
    throw new InvalidInputError(`"${d}" is not a date (YYYY-MM-DD).`);
  return t;
};

export function addDays(d: string, n: number): string {
  return iso(ms(d) + n * DAY);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((ms(to) - ms(from)) / DAY);
}

/** Inclusive day count of a period. */
export function periodDays(p: Pick<Period, 'start' | 'end'>): number {
  return daysBetween(p.start, p.end) + 1;
}

/** The period of a type that contains a date. Weeks start on Monday (ISO 8601). */
export function periodOf(type: PeriodType, date: string): Period {
  const t = ms(date);
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (type) {
    case 'week': {
      const start = t - ((d.getUTCDay() + 6) % 7) * DAY;
      return { type, start: iso(start), end: iso(start + 6 * DAY) };
    }
    case 'month':
      return { type, start: iso(Date.UTC(y, m, 1)), end: iso(Date.UTC(y, m + 1, 0)) };
    case 'quarter': {
      const q = Math.floor(m / 3) * 3;
      return { type, start: iso(Date.UTC(y, q, 1)), end: iso(Date.UTC(y, q + 3, 0)) };
    }
    case 'year':
      return { type, start: iso(Date.UTC(y, 0, 1)), end: iso(Date.UTC(y, 12, 0)) };
  }
}

/** Every period of a type overlapping [from, to], oldest first. */
export function periodsBetween(type: PeriodType, from: string, to: string): Period[] {
  if (ms(from) > ms(to)) return [];
  const out: Period[] = [];
  let p = periodOf(type, from);
  while (ms(p.start) <= ms(to)) {
    out.push(p);
    p = periodOf(type, addDays(p.end, 1));
  }
  return out;
}

/** Months (as periods) that make up a quarter or year; a month is its own. */
export function monthsOf(p: Period): Period[] {
  return periodsBetween('month', p.start, p.end);
}

/** The same calendar day a year earlier (29 February becomes the 28th). */
export function yearBefore(d: string): string {
  const y = Number(d.slice(0, 4)) - 1;
  const md = d.slice(5) === '02-29' ? '02-28' : d.slice(5);
  return `${y}-${md}`;
}

/**
 * The range a breakdown of [from, to] is compared with. `previous`: when the range starts a month, quarter or
 * year, the smallest of them that holds it decides — a whole one is compared with the whole one before it, a
 * part-way one with that one's same first days, as compare_periods does; any other range, the same number of
 * days just before it. `year_ago`: the same dates a year earlier, a month's end kept a month's end.
 */
export function comparedRange(
  from: string,
  to: string,
  against: 'previous' | 'year_ago',
): { from: string; to: string } {
  if (against === 'year_ago') {
    const monthEnd = periodOf('month', to).end === to;
    const end = yearBefore(to);
    return { from: yearBefore(from), to: monthEnd ? periodOf('month', end).end : end };
  }
  for (const type of ['month', 'quarter', 'year'] as const) {
    const p = periodOf(type, from);
    if (p.start !== from || to > p.end) continue;
    const before = periodOf(type, addDays(from, -1));
    if (to === p.end) return { from: before.start, to: before.end };
    const sameDays = addDays(before.start, daysBetween(from, to));
    return { from: before.start, to: sameDays < before.end ? sameDays : before.end };
  }
  const n = daysBetween(from, to) + 1;
  return { from: addDays(from, -n), to: addDays(from, -1) };
}
