/**
 * Finds the period a question is about. Finance phrases first ("last quarter", "YTD", "FY25", "past 6
 * months", "Q3 2025", "vs last year"), then chrono-node for month names and dates. Everything resolves
 * against the business's "today", so answers never depend on the server clock.
 */
import * as chrono from 'chrono-node/en';
import { addDays, type PeriodType, periodOf } from '../../domain/periods';
import { countOf, month } from './format';

export interface PeriodRef {
  type: Exclude<PeriodType, 'week'>;
  /** Any day inside the (first) period. */
  date: string;
  /** With a range: any day inside the last period. */
  to?: string;
  /** First and last day covered, for tools that take a date range. */
  from: string;
  until: string;
  /** How the answer names it: "October 2026", "Q3 2026", "the year to date". */
  label: string;
  /** True when the period is still running (this month, YTD…). */
  partial: boolean;
}

export interface ParsedPeriods {
  period: PeriodRef | null;
  /** A comparison the question asks for ("vs last year", "month over month"). */
  compare: 'previous' | 'year_ago' | null;
  /** A single day named in the question ("on 1 October"), for point-in-time tools. */
  day: string | null;
  /** The question with the date phrases removed, for intent matching. */
  rest: string;
}

const monthLabel = month;
const quarterLabel = (date: string) => `Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1} ${date.slice(0, 4)}`;

export function labelOf(type: PeriodRef['type'], date: string): string {
  return type === 'month' ? monthLabel(date) : type === 'quarter' ? quarterLabel(date) : date.slice(0, 4);
}

function ref(type: PeriodRef['type'], date: string, today: string, label?: string): PeriodRef {
  const p = periodOf(type, date);
  const partial = p.end >= today;
  return {
    type,
    date: p.start,
    from: p.start,
    until: partial ? today : p.end,
    label: label ?? labelOf(type, p.start),
    partial,
  };
}

function range(type: PeriodRef['type'], first: string, last: string, today: string, label: string): PeriodRef {
  const a = periodOf(type, first);
  const b = periodOf(type, last);
  return {
    type,
    date: a.start,
    to: b.start,
    from: a.start,
    until: b.end < today ? b.end : today,
    label,
    partial: b.end >= today,
  };
}

/** The period of `type` before the one containing `date`. */
const before = (type: PeriodRef['type'], date: string) => periodOf(type, addDays(periodOf(type, date).start, -1)).start;

/** The whole period of `type` before a period ("the month before that", "the previous quarter"). */
export function periodBefore(p: PeriodRef, type: PeriodRef['type'], today: string): PeriodRef {
  return ref(type, before(type, p.date), today);
}

/** Back `n` months from the first of a month. */
function monthsBack(monthStart: string, n: number): string {
  const y = Number(monthStart.slice(0, 4));
  const m = Number(monthStart.slice(5, 7)) - 1 - n;
  const year = y + Math.floor(m / 12);
  const month = ((m % 12) + 12) % 12;
  return `${year}-${String(month + 1).padStart(2, '0')}-01`;
}

const fullYear = (yy: string) => (yy.length === 2 ? 2000 + Number(yy) : Number(yy));

interface Rule {
  re: RegExp;
  resolve(
    m: RegExpMatchArray,
    today: string,
    fyEndMonth: number,
  ): Partial<ParsedPeriods> & { period?: PeriodRef | null };
}

const COMPARE_RULES: Rule[] = [
  {
    re: /\b(?:vs\.?|versus|compared? (?:to|with)|against|than)\s+(?:the\s+)?(?:same\s+(?:month|quarter|period)\s+)?(?:last|previous|prior|a)\s+year(?:'s)?\b|\b(?:compared? (?:to|with)|vs\.?|versus|than)\s+the\s+year\s+before\b|\byear[- ]on[- ]year\b|\byear[- ]over[- ]year\b|\byoy\b/i,
    resolve: () => ({ compare: 'year_ago' }),
  },
  {
    re: /\b(?:vs\.?|versus|compared? (?:to|with)|against|than)\s+(?:the\s+)?(?:last|previous|prior|the month before|the quarter before)\s*(?:month|quarter)?\b|\b(?:month|quarter)[- ](?:on|over)[- ](?:month|quarter)\b|\bmom\b|\bqoq\b/i,
    resolve: () => ({ compare: 'previous' }),
  },
];

const PERIOD_RULES: Rule[] = [
  {
    re: /\b(?:ytd|year[- ]to[- ]date|so far this year|this year)\b/i,
    resolve: (_m, today) => ({ period: { ...ref('year', today, today), label: `${today.slice(0, 4)} to date` } }),
  },
  {
    re: /\b(?:qtd|quarter[- ]to[- ]date|this quarter)\b/i,
    resolve: (_m, today) => ({ period: { ...ref('quarter', today, today), label: `${quarterLabel(today)} to date` } }),
  },
  {
    re: /\b(?:mtd|month[- ]to[- ]date|so far this month|this month)\b/i,
    resolve: (_m, today) => ({ period: { ...ref('month', today, today), label: `${monthLabel(today)} to date` } }),
  },
  {
    re: /\b(?:past|last|previous|trailing|over the last)\s+(\d{1,2}|[a-z-]+)\s+(months|quarters)\b/i,
    resolve: (m, today) => {
      const n = countOf(m[1]!);
      if (!n || n < 1 || n > 24) return {};
      const lastMonth = before('month', today);
      if (m[2]!.toLowerCase() === 'quarters') {
        const lastQuarter = before('quarter', today);
        const first = monthsBack(lastQuarter, 3 * (n - 1));
        return { period: range('quarter', first, lastQuarter, today, `the last ${n} complete quarters`) };
      }
      const first = monthsBack(lastMonth, n - 1);
      return {
        period: range(
          'month',
          first,
          lastMonth,
          today,
          `the last ${n} complete months (${monthLabel(first)} to ${monthLabel(lastMonth)})`,
        ),
      };
    },
  },
  {
    re: /\b(?:last|previous|prior)\s+(?:fiscal\s+|financial\s+)?year\b/i,
    resolve: (_m, today) => ({ period: ref('year', before('year', today), today) }),
  },
  {
    re: /\b(?:last|previous|prior)\s+quarter\b/i,
    resolve: (_m, today) => ({ period: ref('quarter', before('quarter', today), today) }),
  },
  {
    re: /\b(?:last|previous|prior)\s+month\b/i,
    resolve: (_m, today) => ({ period: ref('month', before('month', today), today) }),
  },
  {
    re: /\bq([1-4])(?:\s*(?:of\s+)?(?:fy\s*)?('?\d{2}|\d{4})\b)?/i,
    resolve: (m, today) => {
      const q = Number(m[1]);
      let year = m[2] ? fullYear(m[2].replace("'", '')) : Number(today.slice(0, 4));
      const start = (y: number) => `${y}-${String((q - 1) * 3 + 1).padStart(2, '0')}-01`;
      if (!m[2] && start(year) > today) year -= 1;
      return { period: ref('quarter', start(year), today) };
    },
  },
  {
    re: /\bfy\s*'?(\d{4}|\d{2})\b/i,
    resolve: (m, today, fyEndMonth) => {
      const year = fullYear(m[1]!);
      if (fyEndMonth === 12) return { period: ref('year', `${year}-01-01`, today, `FY${year}`) };
      // A financial year that ends in month M of `year` starts the month after M of the year before.
      const first = monthsBack(`${year}-${String(fyEndMonth).padStart(2, '0')}-01`, 11);
      const last = `${year}-${String(fyEndMonth).padStart(2, '0')}-01`;
      return { period: range('month', first, last, today, `FY${year} (${monthLabel(first)} to ${monthLabel(last)})`) };
    },
  },
];

/** Month names that are also ordinary words ("may I…", "march on"): only trusted after a date preposition. */
const AMBIGUOUS_MONTH = /^(?:may|march|sat|sun|mon)$/i;
const DATE_PREPOSITION = /\b(?:in|for|during|of|since|until|through|before|after|from|to)\s*$/i;

export function parsePeriods(question: string, today: string, fyEndMonth = 12): ParsedPeriods {
  let rest = ` ${question} `;
  let compare: ParsedPeriods['compare'] = null;
  let period: PeriodRef | null = null;
  let day: string | null = null;

  for (const rule of COMPARE_RULES) {
    const m = rest.match(rule.re);
    if (m) {
      compare = rule.resolve(m, today, fyEndMonth).compare ?? compare;
      rest = rest.replace(m[0], ' ');
      break;
    }
  }
  // "at the end of June", "by the end of last quarter": the last day of that period, for point-in-time tools.
  const end = rest.match(
    /\b(?:at|by|as of|on)?\s*(?:the\s+)?end\s+of\s+((?:the\s+)?(?:last|previous|this)\s+(?:month|quarter|year)|q[1-4](?:\s+\d{4})?|[a-z]+(?:\s+\d{4})?|\d{4})\b/i,
  );
  if (end) {
    const inner = parsePeriods(end[1]!, today, fyEndMonth);
    if (inner.period) {
      const last = periodOf(inner.period.type, inner.period.to ?? inner.period.date).end;
      day = last < today ? last : today;
      rest = rest.replace(end[0], ' ');
      return { period, compare, day, rest: rest.replace(/\s+/g, ' ').trim() };
    }
  }
  for (const rule of PERIOD_RULES) {
    const m = rest.match(rule.re);
    if (!m) continue;
    const r = rule.resolve(m, today, fyEndMonth);
    if (r.period) {
      period = r.period;
      rest = rest.replace(m[0], ' ');
      break;
    }
  }
  if (!period) {
    const found = chrono.parse(rest, { instant: new Date(`${today}T12:00:00Z`), timezone: 'UTC' });
    for (const hit of found) {
      if (AMBIGUOUS_MONTH.test(hit.text.trim()) && !DATE_PREPOSITION.test(rest.slice(0, hit.index))) continue;
      const s = hit.start;
      if (!s.isCertain('month')) continue;
      let year = s.isCertain('year') ? (s.get('year') ?? 0) : Number(today.slice(0, 4));
      const month = s.get('month') ?? 1;
      const monthStart = (y: number) => `${y}-${String(month).padStart(2, '0')}-01`;
      // "in March" asked in November means the March that has happened.
      if (!s.isCertain('year') && monthStart(year) > today) year -= 1;
      if (s.isCertain('day')) {
        day = `${monthStart(year).slice(0, 8)}${String(s.get('day')).padStart(2, '0')}`;
        if (day > today && !s.isCertain('year')) day = `${year - 1}${day.slice(4)}`;
      } else {
        period = ref('month', monthStart(year), today);
      }
      rest = rest.replace(hit.text, ' ');
      break;
    }
  }
  if (!period && !day) {
    const m = rest.match(/\b(?:in|for|during|of)?\s*(20\d{2})\b/);
    if (m && Number(m[1]) <= Number(today.slice(0, 4))) {
      period = ref('year', `${m[1]}-01-01`, today);
      rest = rest.replace(m[0], ' ');
    }
  }
  return { period, compare, day, rest: rest.replace(/\s+/g, ' ').trim() };
}

/** The last complete month, which every tool uses by default. */
export function lastCompleteMonth(today: string): PeriodRef {
  return ref('month', before('month', today), today);
}
