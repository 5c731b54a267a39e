/**
 * The offline model's understanding: which tool a question needs and with what arguments. Each intent has
 * exemplar phrasings (scored by IDF-weighted token overlap, so unseen wordings still land) and a keyword
 * pattern for the words that settle it. A question with several parts becomes several calls.
 */
import { yearBefore } from '../../domain/periods';
import { COUNT, countOf } from './format';
import { type ParsedPeriods, type PeriodRef, parsePeriods, periodBefore } from './periods';

export type Focus =
  | 'revenue'
  | 'expenses'
  | 'netIncome'
  | 'grossMargin'
  | 'cashBalance'
  | 'grossBurn'
  | 'netBurn'
  | 'runwayMonths'
  | 'dso'
  | 'dpo'
  | 'refundRatio'
  | 'chargebackRatio'
  | 'mrr'
  | 'arr'
  | 'subscriberChurn'
  | 'revenueVolatility'
  | 'receivables'
  | 'payables';

/** Order matters: "net income" must be taken before "income". */
const FOCUS_WORDS: [Focus, RegExp][] = [
  ['netIncome', /\b(?:net income|net profit|profits?|bottom line|loss(?:es)?|profitable|make money)\b/i],
  ['grossMargin', /\b(?:gross )?margins?\b/i],
  ['mrr', /\bmrr\b|\bmonthly recurring\b/i],
  ['arr', /\barr\b|\bannual recurring\b/i],
  ['subscriberChurn', /\bchurn/i],
  ['dso', /\bdso\b|days sales outstanding|debtor days|how (?:fast|quickly|long) .*(?:collect|get paid)/i],
  ['dpo', /\bdpo\b|days payables? outstanding|creditor days/i],
  ['refundRatio', /\brefund/i],
  ['chargebackRatio', /\bchargebacks?\b|\bdisputes?\b/i],
  ['revenueVolatility', /\bvolatil|\bstable\b|\bstability\b|\bconsisten/i],
  [
    'revenue',
    /\b(?:revenue|sales|sell|sold|turnover|income|top line|earn(?:ed|ings)?|bring in|brought in|take in|took in)\b/i,
  ],
  ['expenses', /\b(?:expenses?|expenditure|spend(?:ing)?|spent|costs?|outgoings|overheads?)\b/i],
  ['netBurn', /\bnet burn\b|\bburn(?:ing)?\b|\bburn rate\b/i],
  ['grossBurn', /\bgross burn\b/i],
  ['runwayMonths', /\brunway\b/i],
  ['cashBalance', /\bcash(?: balance)?\b|\bbank balance\b/i],
  ['receivables', /\breceivables?\b|\bowed to us\b/i],
  ['payables', /\bpayables?\b/i],
];

export function focusOf(text: string): Focus[] {
  const found: Focus[] = [];
  let rest = text;
  for (const [focus, re] of FOCUS_WORDS) {
    const m = rest.match(re);
    if (m) {
      found.push(focus);
      rest = rest.replace(m[0], ' ');
    }
  }
  return found;
}

export interface Question {
  /** The part of the user's message this call answers, as typed. */
  text: string;
  periods: ParsedPeriods;
  /** True when the period came from an earlier part of the message, not this one. */
  carried: boolean;
  focus: Focus[];
  today: string;
  /** The other period of an "X vs Y" question (`periods.period` is the later one). */
  versus?: PeriodRef | null;
}

export interface Intent {
  id: string;
  tool: string;
  exemplars: string[];
  /** Words that settle it; a match adds a full point to the overlap score. */
  keywords?: RegExp;
  args(q: Question): Record<string, unknown>;
}

const periodArgs = (p: PeriodRef | null) =>
  p ? { periodType: p.type, date: p.date, ...(p.to ? { to: p.to } : {}) } : {};
const rangeArgs = (p: PeriodRef | null) => (p ? { from: p.from, to: p.until } : {});
/** Point-in-time tools ("how much cash do we have") take a date only when their own part names one. */
const dayArg = (q: Question, key: string) =>
  q.carried
    ? {}
    : q.periods.day
      ? { [key]: q.periods.day }
      : q.periods.period?.partial === false
        ? { [key]: q.periods.period.until }
        : {};

/** "$5k", "5,000", "1.2m" → "5000". */
export function amountIn(text: string): string | null {
  const m = text.match(/\$?\s?(\d[\d,]*(?:\.\d+)?)\s*(k|m|thousand|million)?\b/i);
  if (!m) return null;
  const [int, frac = ''] = m[1]!.replace(/,/g, '').split('.');
  const unit = m[2]?.toLowerCase();
  const zeros = unit === 'k' || unit === 'thousand' ? 3 : unit === 'm' || unit === 'million' ? 6 : 0;
  if (!zeros) return frac ? `${int}.${frac}` : int!;
  const digits = `${int}${frac.padEnd(zeros, '0')}`;
  const whole = digits.slice(0, int!.length + zeros).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(int!.length + zeros);
  return rest ? `${whole}.${rest}` : whole;
}

/** A proper name after a preposition: "payments to Amazon Web Services" → "Amazon Web Services". */
export function nameIn(text: string): string | null {
  const m = text.match(
    /\b(?:to|from|with|for|by|about|is|does|did|on)\s+((?:[A-Z][\w&.'-]*|&)(?:\s+(?:[A-Z][\w&.'-]*|&|of))*)/,
  );
  if (!m) return null;
  const name = m[1]!.replace(/\s+(?:of|&)$/, '').trim();
  return /^(?:I|We|Our|The|Q[1-4]|FY\d*|Demo Co|USD|VAMP|ECM|HECM|MRR|ARR|DSO|DPO|AR|AP|P&L|Visa|Mastercard|January|February|March|April|May|June|July|August|September|October|November|December)$/i.test(
    name,
  )
    ? null
    : name;
}

const TOP_N = new RegExp(
  `\\b(?:top|biggest|largest|main|highest|greatest)\\s+${COUNT}\\b|\\b${COUNT}\\s+(?:biggest|largest|top|main|highest|greatest|most expensive)\\b`,
  'i',
);
/** "top 5", "four biggest", "3 largest" → how many lines to show (at most 15, what the tools show). */
export function topN(text: string): number | null {
  const m = text.match(TOP_N);
  const n = m ? countOf(m[1] ?? m[2]!) : 0;
  return n >= 2 ? Math.min(15, n) : null;
}

const WINDOW = new RegExp(
  `\\b(?:next|within|in|over|coming)\\s+(?:the\\s+)?(?:next\\s+|coming\\s+)?(?:${COUNT}\\s+)?(days?|weeks?|fortnight|months?)\\b`,
  'i',
);
/** "in the next 2 weeks", "within 30 days", "the next fortnight", "this week" → days from today. */
export function windowDays(text: string, today: string): number | null {
  const m = text.match(WINDOW);
  if (m) {
    const n = m[1] ? countOf(m[1]) : 1;
    const unit = m[2]!.toLowerCase();
    return n * (unit.startsWith('day') ? 1 : unit.startsWith('week') ? 7 : unit === 'fortnight' ? 14 : 30);
  }
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  if (/\bthis week\b/i.test(text)) return (7 - weekday) % 7;
  if (/\bnext week\b/i.test(text)) return ((7 - weekday) % 7) + 7;
  return null;
}

const PER_MONTH =
  /(\$?\s?\d[\d,]*(?:\.\d+)?\s*(?:k|m|thousand|million)?)\s*(?:\/\s*mo(?:nth)?\b|(?:a|per|each|every)\s+month\b|monthly\b|pcm\b)/i;
const MONTHLY_FIRST = /\bmonthly\s+(?:[a-z]+\s+){0,2}(?:of\s+)?(\$\s?\d[\d,]*(?:\.\d+)?\s*(?:k|m|thousand|million)?)/i;
const ONE_OFF = /\b(?:one[- ]off|one[- ]time|purchase|buy(?:ing)?|bonus|lump[- ]sum|up[- ]?front|once)\b/i;
const MONEY_IN =
  /\b(?:new (?:client|customer|retainer|contract|deal)|win|won|sign(?:ed)?|retainer|raise (?:our )?prices|more (?:revenue|sales|income)|extra (?:revenue|income|sales)|earn|grant|investment|funding)\b/i;
const MONEY_LOST = /\b(?:los[et]|losing|churn\w*|cancel\w*)\b/i;

/** What if: "a hire at $6,000/month" → monthlyChange "-6000"; "a $50k purchase" → oneOffChange "-50000". */
export function whatIf(text: string): { monthlyChange?: string; oneOffChange?: string } {
  const sign = (amount: string) => (MONEY_IN.test(text) && !MONEY_LOST.test(text) ? amount : `-${amount}`);
  const monthly = text.match(PER_MONTH) ?? text.match(MONTHLY_FIRST);
  const perMonth = monthly ? amountIn(monthly[1]!) : null;
  if (perMonth && Number(perMonth) > 0) return { monthlyChange: sign(perMonth) };
  if (ONE_OFF.test(text)) {
    const m = text.match(
      /\$\s?\d[\d,]*(?:\.\d+)?\s*(?:k|m|thousand|million)?\b|\b\d[\d,]*(?:\.\d+)?\s*(?:k|thousand|million)\b/i,
    );
    const once = m ? amountIn(m[0]) : null;
    if (once && Number(once) > 0) return { oneOffChange: sign(once) };
  }
  return {};
}

/** The arguments compare_periods needs for "X vs Y": the later period, and how the earlier relates to it. */
function versusArgs(later: PeriodRef, earlier: PeriodRef) {
  const base = { periodType: later.type, date: later.date };
  if (earlier.date === yearBefore(later.date)) return { ...base, against: 'year_ago' };
  if (periodBefore(later, later.type, later.until).date === earlier.date) return { ...base, against: 'previous' };
  return { ...base, compareDate: earlier.date };
}

/** Between two periods compared; "from X to Y" and "between X and Y" are one range, not a comparison. */
const VERSUS = /\s+(?:vs\.?|versus|compared? (?:to|with)|against|with|and)\s+/gi;
/** "expenses Q3 2025 vs Q3 2026", "revenue in 2025 versus 2026": two named periods of one kind, later first. */
export function twoPeriods(part: string, today: string, fyEndMonth: number): [PeriodRef, PeriodRef] | null {
  for (const m of part.matchAll(VERSUS)) {
    if (/^\s+and\s+$/i.test(m[0]) && /\bbetween\b/i.test(part.slice(0, m.index))) continue;
    const a = parsePeriods(part.slice(0, m.index), today, fyEndMonth).period;
    const b = parsePeriods(part.slice(m.index + m[0].length), today, fyEndMonth).period;
    if (a && b && a.type === b.type && !a.to && !b.to && a.date !== b.date) return a.date > b.date ? [a, b] : [b, a];
  }
  return null;
}

const SCENARIO = (t: string) =>
  /\b(?:worst|pessimistic|downside|bad case|conservative)\b/i.test(t)
    ? 'pessimistic'
    : /\b(?:best|optimistic|upside)\b/i.test(t)
      ? 'optimistic'
      : 'base';

const KIND_WORDS: [string, RegExp][] = [
  ['REFUND', /\brefunds?\b/i],
  ['DISPUTE', /\b(?:disputes?|chargebacks?)\b/i],
  ['PAYOUT', /\bpayouts?\b/i],
  ['INVOICE', /\binvoices?\b/i],
  ['BILL', /\bbills?\b/i],
  ['FEE', /\bfees?\b/i],
  ['TRANSFER', /\btransfers?\b/i],
];

/** Spending words; revenue words ("why did costs jump", "top 3 revenue sources"). */
const SPEND = /\b(?:expenses?|expenditure|costs?|spend(?:ing)?|spent|outgoings|overheads?|budget)\b/i;
const REVENUE = /\b(?:revenue|sales|income|turnover|takings)\b/i;
/** A question about what changed, and where: answered by the breakdown compared with the period before. */
const WHAT_CHANGED =
  /\bwhy\b|\bwhat (?:made|caused|drove|is driving|was driving|pushed)\b|\bexplain (?:the|why|what)\b|\b(?:increase[ds]?|rose|grew|jump\w*|spik\w*|fell|dropp?\w*|decrease[ds]?|went up|went down|changed?) the most\b|\bwhat changed\b|\bdrivers? (?:of|behind)\b/i;

function breakdownArgs(q: Question, side: 'revenue' | 'expense') {
  const n = topN(q.text);
  const byCustomer = side === 'revenue' && /\b(?:customers?|clients?|who)\b/i.test(q.text);
  const compare = WHAT_CHANGED.test(q.text) ? (q.periods.compare ?? 'previous') : q.periods.compare;
  return { ...(byCustomer ? { by: 'customer' } : {}), ...(n ? { limit: n } : {}), ...(compare ? { compare } : {}) };
}

const agingArgs = (q: Question) => {
  const days = windowDays(q.text, q.today);
  // "in the next 30 days" counts from today: the date a parser reads in it is the window's end, not an as-of.
  return days !== null ? { dueWithinDays: days } : dayArg(q, 'asOf');
};

export const INTENTS: Intent[] = [
  {
    id: 'overview',
    tool: 'get_business_overview',
    exemplars: [
      'give me an overview of the business',
      'summary of the business',
      "how's business",
      'how is the company doing overall',
      'big picture health check',
      'quick snapshot of where we stand',
    ],
    keywords:
      /\b(?:overview|summary|summari[sz]e|snapshot|how are we doing|how's business|how is business|health check|big picture)\b/i,
    args: () => ({}),
  },
  {
    id: 'metrics',
    tool: 'get_metrics',
    exemplars: [
      'how much did we spend',
      'what were our expenses',
      'net income last quarter',
      'profit this year',
      'refund ratio',
      'chargeback rate',
      'how much money did we make',
      'total sales',
      'monthly revenue trend',
      'how volatile is revenue',
      'what were total costs',
      'how did we do',
      'how did the business perform',
      'results for the quarter',
      'key numbers',
    ],
    keywords:
      /\b(?:how did we do|how did (?:the business|we) perform|results|key (?:numbers|figures|metrics)|revenue|sales|sell|sold|turnover|expenses?|spend|spent|costs?|profit(?:s|able)?|net income|margins?|dso|dpo|refund (?:ratio|rate)|chargeback (?:ratio|rate)|volatil\w*)\b/i,
    args: (q) => periodArgs(q.periods.period),
  },
  {
    id: 'compare',
    tool: 'compare_periods',
    exemplars: [
      'compare this month with last month',
      'revenue growth',
      'did expenses go up',
      'change in profit',
      'how did we do versus the previous quarter',
      'increase or decrease since last month',
    ],
    keywords:
      /\b(?:compare|comparison|growth|grow(?:ing|n)?|go(?:ne)? up|go(?:ne)? down|went up|went down|increase[ds]?|decrease[ds]?|change[ds]?|differ\w*|trend)\b/i,
    args: (q) => {
      const p = q.periods.period;
      if (p && q.versus) return versusArgs(p, q.versus);
      const against = q.periods.compare ?? 'previous';
      if (!p) return { against };
      return { periodType: p.type, date: p.to ?? p.date, against };
    },
  },
  {
    id: 'cash',
    tool: 'get_cash_position',
    exemplars: [
      'what is our bank balance',
      'cash position',
      'how much money is in the bank',
      'cash on hand',
      'balance of our accounts',
    ],
    keywords:
      /\b(?:cash position|cash on hand|bank balances?|in the bank|how much cash|cash do we have|cash balance|money in the bank)\b/i,
    args: (q) => dayArg(q, 'asOf'),
  },
  {
    id: 'runway',
    tool: 'get_runway',
    exemplars: ['burn rate', 'how many months of cash do we have', 'monthly burn'],
    keywords: /\b(?:runway|burn(?:ing)?|how long .*last|run out|months of cash)\b/i,
    args: () => ({}),
  },
  {
    id: 'forecast',
    tool: 'forecast_cash_flow',
    exemplars: [
      'forecast cash flow',
      'cash forecast for the next weeks',
      'what will our cash look like next quarter',
      'project cash flow',
      'will cash drop below',
      'worst case cash scenario',
      'cash projection',
      'expected cash in the coming weeks',
    ],
    keywords:
      /\b(?:forecast|project(?:ion|ed)?|next (?:few )?weeks|coming weeks|next 13 weeks|scenario|worst case|best case|drop below|fall below|dip below)\b/i,
    args: (q) => {
      const floor =
        /\b(?:below|under|less than|beneath|(?:stay|stays|remain|remains|keep|kept|be)\s+(?:above|over))\b(.*)$/i.exec(
          q.text,
        );
      const amount = floor ? amountIn(floor[1]!.replace(PER_MONTH, ' ')) : null;
      return { scenario: SCENARIO(q.text), ...(amount ? { floor: amount } : {}), ...whatIf(q.text) };
    },
  },
  {
    id: 'revenue_breakdown',
    tool: 'get_revenue_breakdown',
    exemplars: [
      'revenue by stream',
      'break down revenue',
      'revenue breakdown',
      'which revenue lines are biggest',
      'split of income by account',
    ],
    keywords:
      /\b(?:revenue|income|sales)\b.*\b(?:breakdown|break ?down|by (?:stream|account|line|source|type|customer|client)|split|come from|made up)\b|\b(?:breakdown|break ?down|split)\b.*\b(?:revenue|income|sales)\b|\bwhere does .*(?:revenue|money|income) come from\b/i,
    args: (q) => ({ ...rangeArgs(q.periods.period), ...breakdownArgs(q, 'revenue') }),
  },
  {
    id: 'expense_breakdown',
    tool: 'get_expense_breakdown',
    exemplars: [
      'what are we spending money on',
      'biggest expenses',
      'expense breakdown',
      'costs by category',
      'top spending categories',
      'largest cost lines',
      'how much did we spend on rent',
      'what did we spend on software',
    ],
    keywords:
      /\b(?:expenses?|costs?|spend(?:ing)?)\b.*\b(?:breakdown|break ?down|by category|categories|biggest|largest|top|split|on what|going)\b|\b(?:biggest|largest|top|main)\b.*\b(?:expenses?|costs?|spend(?:ing)?)\b|\bspending (?:money )?on\b|\bspen[dt] on\b|\bwhere (?:is|does) (?:the|our) money go/i,
    args: (q) => ({ ...rangeArgs(q.periods.period), ...breakdownArgs(q, 'expense') }),
  },
  {
    id: 'transactions',
    tool: 'list_transactions',
    exemplars: [
      'list payments to amazon',
      'uncategorized transactions',
      'transactions over 5000',
      'what did we pay to',
      'show refunds',
      'latest bank transactions',
      'find the transactions with',
    ],
    keywords:
      /\b(?:transactions?|payments? (?:to|from)|list|show me (?:the )?(?:recent|latest|last)|uncategori[sz]ed|paid to|received from)\b/i,
    args: (q) => {
      const text = q.text;
      const p = q.periods.period;
      const over = /\b(?:over|above|more than|greater than|at least|bigger than|larger than|exceeding)\b(.*)$/i.exec(
        text,
      );
      const min = over ? amountIn(over[1]!) : null;
      const name = nameIn(text);
      const kind = KIND_WORDS.find(([, re]) => re.test(text))?.[0];
      const direction = /\b(?:received|receipts?|money in|incoming|deposits?)\b/i.test(text)
        ? 'in'
        : /\b(?:paid|spent|payments? to|money out|outgoing|spend)\b/i.test(text)
          ? 'out'
          : undefined;
      return {
        ...(p ? { from: p.from, to: p.until } : {}),
        ...(name ? { search: name } : {}),
        ...(min ? { minAmount: min } : {}),
        ...(kind ? { kind } : {}),
        ...(direction && !kind ? { direction } : {}),
        ...(/\buncategori[sz]ed|without (?:a )?category|no category\b/i.test(text) ? { uncategorized: true } : {}),
        limit: 10,
      };
    },
  },
  {
    id: 'receivables',
    tool: 'get_receivables_aging',
    exemplars: [
      'accounts receivable',
      'overdue invoices',
      'aged receivables',
      'outstanding invoices',
      'how much are customers owing',
      'unpaid invoices from customers',
    ],
    keywords:
      /\b(?:owes? us|owed to us|(?:customers?|clients?|debtors?) (?:still )?(?:owe|owing)|receivables?|overdue invoices?|outstanding invoices?|unpaid invoices?|aged debtors|debtors)\b/i,
    args: agingArgs,
  },
  {
    id: 'payables',
    tool: 'get_payables_aging',
    exemplars: [
      'what do we owe',
      'bills to pay',
      'accounts payable',
      'aged payables',
      'unpaid bills',
      'which suppliers do we owe',
    ],
    keywords:
      /\b(?:do we owe|we owe|payables?|bills? (?:to pay|due|outstanding)|unpaid bills?|owe suppliers|creditors)\b/i,
    args: agingArgs,
  },
  {
    id: 'payment_health',
    tool: 'get_customer_payment_health',
    exemplars: [
      'customer payment behaviour',
      'slow paying customers',
      'who pays on time',
      'are any customers at risk',
      'how quickly does this customer pay',
      'which customers are slow to pay their invoices',
      'how does this customer pay us',
    ],
    keywords:
      /\bhow (?:does|do|did|quickly does|fast does) .{2,60} pay\b|\b(?:customers?|clients?)\b.*\b(?:slow|late|dragging|delay\w*)\b|\b(?:pay(?:s|ing)? late|late pay\w*|slow pay\w*|pay(?:s)? on time|payment (?:behaviou?r|health|habits)|customers? at risk|risky customers?|days to pay)\b/i,
    args: (q) => {
      const name = nameIn(q.text);
      return name ? { customer: name } : {};
    },
  },
  {
    id: 'subscriptions',
    tool: 'get_subscription_metrics',
    exemplars: ['annual recurring revenue', 'subscriber churn', 'subscription growth', 'recurring revenue trend'],
    keywords: /\b(?:mrr|arr|recurring revenue|subscri\w+|churn\w*)\b/i,
    args: (q) => {
      const p = q.periods.period;
      const months = p?.to
        ? (Number(p.to.slice(0, 4)) - Number(p.date.slice(0, 4))) * 12 +
          Number(p.to.slice(5, 7)) -
          Number(p.date.slice(5, 7)) +
          1
        : undefined;
      return months && p?.type === 'month' ? { months: Math.min(24, months) } : {};
    },
  },
  {
    id: 'disputes',
    tool: 'get_dispute_monitoring',
    exemplars: [
      'are we at risk with visa',
      'dispute monitoring',
      'chargeback monitoring program',
      'vamp ratio',
      'mastercard excessive chargeback',
      'dispute ratio status',
    ],
    keywords:
      /\b(?:vamp|ecm|hecm|visa|mastercard|card networks?|dispute (?:monitoring|ratio|program)|chargeback (?:monitoring|program|threshold)|excessive chargeback)\b/i,
    args: (q) => (q.periods.day ? { asOf: q.periods.day } : {}),
  },
  {
    id: 'readiness',
    tool: 'get_funding_readiness',
    exemplars: [
      'funding readiness score',
      'could we get a loan',
      'are we investor ready',
      'how attractive are we to investors',
      'can we raise a round',
    ],
    keywords:
      /\b(?:funding|fundrais\w*|raise|raising|investors?|investable|loan|lenders?|readiness|credit ?worth\w*|bankable)\b/i,
    args: () => ({}),
  },
  {
    id: 'recommendations',
    tool: 'list_recommendations',
    exemplars: [
      'what should i do',
      'any recommendations',
      'how can we improve',
      'what should we focus on',
      'suggestions to save money',
      'action items',
    ],
    keywords:
      /\b(?:recommend\w*|suggest\w*|advice|advise|should (?:i|we)|improve|action items?|to-?dos?|focus on|needs? (?:my )?attention|what can we do)\b/i,
    args: (q) => {
      const t = q.text;
      const category = /\bcash\b/i.test(t)
        ? 'cash_flow'
        : /\b(?:cost|spend|saving|save)\w*/i.test(t)
          ? 'costs'
          : /\bcollect\w*/i.test(t)
            ? 'collections'
            : /\brisk\w*/i.test(t)
              ? 'risk'
              : undefined;
      return category ? { category } : {};
    },
  },
  {
    id: 'anomalies',
    tool: 'detect_anomalies',
    exemplars: [
      'anything unusual',
      'any anomalies',
      'unexpected spending',
      'spikes in costs',
      'odd transactions',
      'what looks strange',
      'outliers in expenses',
    ],
    keywords:
      /\b(?:unusual|anomal\w*|unexpected|spikes?|odd|strange|weird|outliers?|suspicious|out of the ordinary|abnormal)\b/i,
    args: (q) => ({
      ...(/\b(?:income|revenue|receipts?|money in)\b/i.test(q.text) ? { direction: 'in' } : {}),
      ...(q.periods.period?.type === 'month' && !q.periods.period.to ? { month: q.periods.period.date } : {}),
    }),
  },
  {
    id: 'report_pnl',
    tool: 'get_report',
    exemplars: ['profit and loss', 'income statement', 'show me the p&l', 'p and l report'],
    keywords: /\b(?:profit (?:and|&) loss|p ?& ?l|p and l|pnl|income statement)\b/i,
    args: (q) => ({ kind: 'profit_and_loss', ...rangeArgs(q.periods.period) }),
  },
  {
    id: 'report_balance_sheet',
    tool: 'get_report',
    exemplars: ['balance sheet', 'assets and liabilities', 'show me the balance sheet'],
    keywords: /\b(?:balance sheet|assets and liabilities|net assets|equity)\b/i,
    args: (q) => ({ kind: 'balance_sheet', ...(q.periods.period ? { to: q.periods.period.until } : {}) }),
  },
  {
    id: 'report_cash_summary',
    tool: 'get_report',
    exemplars: ['cash summary', 'cash flow statement', 'cash in and out', 'where did our cash go'],
    keywords:
      /\b(?:cash summary|cash ?flow statement|cash in and (?:cash )?out|money in and (?:money )?out|inflows? and outflows?)\b/i,
    args: (q) => ({ kind: 'cash_summary', ...rangeArgs(q.periods.period) }),
  },
  {
    id: 'sync_status',
    tool: 'get_sync_status',
    exemplars: [
      'when was the data last synced',
      'is the data up to date',
      'sync status',
      'which accounts are connected',
      'how fresh is the data',
    ],
    keywords: /\b(?:sync\w*|up to date|fresh|connected|connections?|last updated|data sources?|stale)\b/i,
    args: () => ({}),
  },
  {
    id: 'categorize',
    tool: 'categorize_transactions',
    exemplars: ['propose categories for bank transactions', 'what category would each bank line get'],
    keywords: /\bcategori[sz](?:e|ation)\b/i,
    // A preview: nothing is written unless a person applies it (the tool's default).
    args: () => ({}),
  },
  {
    id: 'explain',
    tool: 'explain_metric',
    exemplars: ['define mrr', 'what does churn mean', 'explain gross margin'],
    args: (q) => ({ metric: METRIC_NAMES.find(([, re]) => re.test(q.text))?.[0] ?? q.focus[0] ?? q.text.slice(0, 60) }),
  },
];

/** Names explain_metric knows, with how people say them. */
const METRIC_NAMES: [string, RegExp][] = [
  ['dso', /\bdso\b|days sales outstanding|debtor days/i],
  ['dpo', /\bdpo\b|days payables? outstanding|creditor days/i],
  ['mrr', /\bmrr\b|monthly recurring/i],
  ['arr', /\barr\b|annual recurring/i],
  ['runway', /\brunway\b/i],
  ['net_burn', /\bnet burn\b|\bburn rate\b|\bburn\b/i],
  ['gross_burn', /\bgross burn\b/i],
  ['gross_margin', /\bgross margin\b|\bmargin\b/i],
  ['subscriber_churn', /\bchurn/i],
  ['revenue_volatility', /\bvolatility\b/i],
  ['refund_ratio', /\brefund (?:ratio|rate)\b/i],
  ['chargeback_ratio', /\bchargeback (?:ratio|rate)\b/i],
  ['customer_concentration', /\bconcentration\b/i],
  ['net_income', /\bnet income\b|\bnet profit\b/i],
  ['revenue', /\brevenue\b/i],
  ['expenses', /\bexpenses\b/i],
  ['cash_balance', /\bcash balance\b/i],
];

// ---------- matching ----------

const STOP = new Set(
  'a an the is are was were be been of to in on for at by with and or me my our we us i you your it its this that these those what whats which who how much many do does did can could would should will please tell show give about any there have has had from as than so just'.split(
    ' ',
  ),
);

/** Words people use for the same thing, mapped onto the exemplars' words. */
const SYNONYMS: Record<string, string> = {
  client: 'customer',
  clients: 'customers',
  debtors: 'receivables',
  creditors: 'payables',
  vendors: 'suppliers',
  vendor: 'supplier',
  outgoings: 'expenses',
  turnover: 'revenue',
  takings: 'revenue',
  earnings: 'profit',
};

export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’']/g, '')
    .split(/[^a-z0-9&]+/)
    .filter((w) => w && !STOP.has(w))
    .map((w) => SYNONYMS[w] ?? w)
    .map((w) => w.replace(/(?:ies)$/, 'y').replace(/(?<=[a-z]{3})(?:ing|ed|es|s)$/, ''));
}

const IDF = (() => {
  const docs = INTENTS.map((i) => new Set(i.exemplars.flatMap(tokens)));
  const idf = new Map<string, number>();
  for (const doc of docs) for (const w of doc) idf.set(w, (idf.get(w) ?? 0) + 1);
  for (const [w, n] of idf) idf.set(w, Math.log(1 + docs.length / n));
  return idf;
})();
const weight = (w: string) => IDF.get(w) ?? 0.5;

/** IDF-weighted F1 between the question's tokens and the best exemplar's. */
function overlap(q: string[], exemplar: string[]): number {
  if (!q.length || !exemplar.length) return 0;
  const qs = new Set(q);
  const es = new Set(exemplar);
  let shared = 0;
  for (const w of qs) if (es.has(w)) shared += weight(w);
  if (!shared) return 0;
  const total = (s: Set<string>) => [...s].reduce((n, w) => n + weight(w), 0);
  const p = shared / total(qs);
  const r = shared / total(es);
  return (2 * p * r) / (p + r);
}

export interface Scored {
  intent: Intent;
  score: number;
}

export function rankIntents(text: string): Scored[] {
  const q = tokens(text);
  return INTENTS.map((intent) => ({
    intent,
    score: Math.max(0, ...intent.exemplars.map((e) => overlap(q, tokens(e)))) + (intent.keywords?.test(text) ? 1 : 0),
  })).sort((a, b) => b.score - a.score);
}

// ---------- planning ----------

export interface PlannedCall {
  intent: Intent;
  input: Record<string, unknown>;
  question: Question;
}

export type Plan =
  | { kind: 'tools'; calls: PlannedCall[] }
  | { kind: 'reply'; reason: 'help' | 'write' | 'injection' | 'unknown' | 'empty' };

const MIN_SCORE = 0.34;
const INJECTION =
  /\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions|rules|prompt)\b|\b(?:system prompt|api[ _-]?keys?|secret|passwords?|access tokens?|refresh tokens?|credentials|encryption[ _-]?key)\b|\bjailbreak\b|\bdeveloper mode\b/i;
const WRITE =
  /^(?:please\s+|can you\s+|could you\s+|would you\s+|go ahead and\s+|i want you to\s+)?(?:re-?categori[sz]e|change|set|update|edit|delete|remove|void|pay|send|create|add|mark|approve|dismiss|accept|resolve|move|sync|refresh|push|write|post|reconcile|transfer|email|cancel)\b/i;
const HELP =
  /^(?:help|hi|hello|hey|good (?:morning|afternoon|evening)|what can you do|what do you do|who are you|how do (?:i|you) use|what can i ask)\b/i;
const EXPLAIN =
  /^(?:what(?:'s| is| are| does)|what exactly (?:is|are|does)|define|definition of|explain|meaning of|how (?:is|are|do you|does .*) (?:calculate|compute|measure|define|work))|\b(?:mean|measures?|calculated|computed|defined|formula)\b/i;
const POSSESSIVE = /\b(?:our|we|my|us|i|the business|the company|demo co)\b/i;

/** Splits "What was revenue last month and how long is our runway?" into its questions. */
export function splitQuestion(text: string): string[] {
  const parts = text
    .split(
      /\?\s*|;\s*|\.\s+(?=[A-Z])|\s+(?:and also|also|plus|as well as)\s+|,?\s+and\s+(?=(?:what|how|who|which|when|where|is|are|do|does|did|can|could|should|show|list|give|tell|any)\b)/i,
    )
    .map((s) => s.trim())
    .filter((s) => s.length > 2);
  return parts.length ? parts.slice(0, 4) : [text.trim()];
}

/** Questions whose words settle the tool before any scoring: the capabilities, not phrasings. */
const CATEGORIZE =
  /\b(?:categori[sz]e|classify|sort|tag|label)\b.*\b(?:transactions?|bank lines?|lines|payments|spending|expenses|uncategori[sz]ed)\b|\b(?:suggest|propose|preview|guess)\w*\b.*\bcategor/i;
const DISPUTE_RISK =
  /\b(?:disputes?|chargebacks?)\b.*\b(?:worr\w*|concern\w*|nervous|risk\w*|danger\w*|safe|thresholds?|levels?|too (?:many|high|much)|problems?|trouble|warnings?|monitor\w*|penalt\w*|fines?)\b|\b(?:worr\w*|concern\w*|nervous|risk\w*|danger\w*|problems?|trouble)\b.*\b(?:disputes?|chargebacks?)\b/i;
const CUSTOMER_RANK =
  /\b(?:biggest|largest|top|best|main|most valuable|highest[- ]paying|key)\b(?:(?!\b(?:owe|owes|owing|overdue|late|slow)\b).)*\b(?:customers?|clients?)\b(?!.*\b(?:owe|owes|owing|overdue|late|slow)\b)|\b(?:customers?|clients?)\b.*\b(?:bring(?:s)? in|brought in|by revenue|most (?:money|revenue|income|sales))\b|\b(?:depend\w*|reliant|rely|relies|reliance|concentrat\w*)\b.*\b(?:customers?|clients?)\b|\b(?:one|single|a (?:few|handful of))\s+(?:customer|client)s?\b/i;
const FORECAST_QUESTION =
  /\bafford\b|\bwhat (?:happens|would happen|if)\b.*\b(?:cash|money|bank|runway|balance)\b|\bif (?:we|i)\b.*\b(?:hire|add|spend|lose|buy|pay|take on)\b|\b(?:make|meet|cover|pay|fund)\s+(?:the\s+|our\s+)?(?:payroll|wages|salar\w*|rent)\b|\benough\b.*\b(?:payroll|wages|salar\w*|rent)\b|\bsurvive\b|\b(?:lowest|low point)\b.*\b(?:cash|balance|bank)\b|\b(?:cash|balance|bank)\b.*\b(?:lowest|low point)\b|\bstays? (?:above|over)\b/i;
const CASH_WORDS = /\b(?:cash|afford|runway|bank|money|survive|burn)\b/i;
/** "could we take on…", "what if we…": a what-if amount asked as a hypothetical is a forecast question. */
const HYPOTHETICAL =
  /\b(?:could|can|should|would) (?:we|i)\b|\bwhat if\b|\bif (?:we|i)\b|\b(?:hire|hiring|take on|employ|recruit)\b/i;
const SUBSCRIPTION = /\b(?:mrr|arr|recurring revenue|subscri\w+|churn\w*)\b/i;
const GROWTH = /\b(?:grow\w*|grew|trend\w*|history|over time|changed?)\b/i;
const DUE = /\bdue\b|\bto pay\b|\bpay\b|\bowe\b|\bcollect\b|\breceive\b/i;
const PAYABLE_SIDE =
  /\b(?:bills?|suppliers?|vendors?|payables?|creditors?|we (?:need to |have to |must )?pay|do we owe|we owe|owe money to|are we going to owe)\b/i;
const RECEIVABLE_SIDE = /\b(?:customers?|clients?|receivables?|debtors?|owe us|collect|invoices?)\b/i;
const SPEND_MOST =
  /\bmost of (?:our|the) (?:budget|money|spend(?:ing)?|cash)\b|\b(?:spen[dt]|go(?:es)?|went)\b.*\bthe most\b/i;
const REVENUE_TOP =
  /\b(?:biggest|largest|top|main)\s+(?:\d+\s+|[a-z]+\s+)?(?:revenue|income|sales)\b|\b(?:revenue|income|sales)\s+(?:sources?|streams?)\b/i;

function directIntent(part: string, q: Question): string | null {
  if (CATEGORIZE.test(part)) return 'categorize';
  if (DISPUTE_RISK.test(part)) return 'disputes';
  if (q.versus) return 'compare';
  const spend = SPEND.test(part);
  if (WHAT_CHANGED.test(part) && (spend || REVENUE.test(part)))
    return spend ? 'expense_breakdown' : 'revenue_breakdown';
  if (CUSTOMER_RANK.test(part)) return 'revenue_breakdown';
  const hypothetical = Object.keys(whatIf(part)).length > 0 && (CASH_WORDS.test(part) || HYPOTHETICAL.test(part));
  if (FORECAST_QUESTION.test(part) || hypothetical) return 'forecast';
  // Subscription figures over time come from the subscription history, not a two-period comparison.
  if (SUBSCRIPTION.test(part) && !q.periods.compare && (q.periods.period?.to || GROWTH.test(part)))
    return 'subscriptions';
  if (windowDays(part, q.today) !== null && DUE.test(part)) {
    if (PAYABLE_SIDE.test(part)) return 'payables';
    if (RECEIVABLE_SIDE.test(part)) return 'receivables';
  }
  if (SPEND_MOST.test(part) || (topN(part) !== null && spend)) return 'expense_breakdown';
  if (REVENUE_TOP.test(part)) return 'revenue_breakdown';
  return null;
}

/** A follow-up names only a period ("what about September?", "and the month before that?", "same for Q3"). */
const FOLLOW_UP_WORDS =
  /\b(?:and|what|about|how|same|for|with|again|then|that|this|it|the|at|in|on|of|by|as|end|one|before|previous|prior|preceding|period|month|quarter|year|please|ok|okay|now|also|instead|show|me|figures?|numbers?)\b/gi;
const RELATIVE =
  /\b(?:the\s+)?(?:previous|prior|preceding)\s+(month|quarter|year|one|period)\b|\b(?:the\s+)?(month|quarter|year|one|period)\s+before\b|\bbefore (?:that|it)\b/i;

function isFollowUp(part: string, parsed: ParsedPeriods): boolean {
  const left = parsed.rest.replace(FOLLOW_UP_WORDS, ' ').replace(/[^a-z0-9]+/gi, '');
  return !left && (parsed.period !== null || parsed.day !== null || RELATIVE.test(part));
}

/** The periods of a follow-up: its own, or one step back from the earlier question's ("the month before that"). */
function followUpPeriods(part: string, parsed: ParsedPeriods, earlier: ParsedPeriods, today: string): ParsedPeriods {
  const rel = part.match(RELATIVE);
  if (rel && earlier.period) {
    const named = (rel[1] ?? rel[2] ?? '').toLowerCase();
    const type = named === 'month' || named === 'quarter' || named === 'year' ? named : earlier.period.type;
    return { ...parsed, period: periodBefore(earlier.period, type, today), day: null };
  }
  if (rel && earlier.day) return { ...parsed, period: null, day: earlier.day };
  return parsed;
}

export function planQuestion(message: string, today: string, fyEndMonth = 12, earlier: string[] = []): Plan {
  const text = message.trim();
  if (!text) return { kind: 'reply', reason: 'empty' };
  if (INJECTION.test(text)) return { kind: 'reply', reason: 'injection' };
  if (WRITE.test(text)) return { kind: 'reply', reason: 'write' };
  if (HELP.test(text) && text.length < 60) return { kind: 'reply', reason: 'help' };

  const calls: PlannedCall[] = [];
  const add = (intent: Intent, question: Question) => {
    const input = intent.args(question);
    if (!calls.some((c) => c.intent.tool === intent.tool && JSON.stringify(c.input) === JSON.stringify(input)))
      calls.push({ intent, input, question });
  };
  let carried: ParsedPeriods | null = null;
  for (const part of splitQuestion(text)) {
    const parsed = parsePeriods(part, today, fyEndMonth);
    // "…and the month before?" keeps the period of the first part when it names none.
    const carry = !parsed.period && !parsed.day && carried !== null;
    const periods: ParsedPeriods = carry ? { ...carried!, rest: parsed.rest, compare: parsed.compare } : parsed;
    if (parsed.period || parsed.day) carried = parsed;
    // A follow-up asks the earlier question's tools again, for its own period.
    if (!carry && earlier.length && isFollowUp(part, parsed)) {
      const before = planQuestion(earlier[earlier.length - 1]!, today, fyEndMonth, earlier.slice(0, -1));
      if (before.kind === 'tools') {
        for (const c of before.calls) {
          const p = followUpPeriods(part, parsed, c.question.periods, today);
          add(c.intent, {
            ...c.question,
            periods: { ...p, compare: c.question.periods.compare },
            carried: false,
            versus: null,
          });
        }
        carried = null;
        continue;
      }
    }
    const pair = twoPeriods(part, today, fyEndMonth);
    const question: Question = {
      text: part,
      periods: pair ? { ...periods, period: pair[0] } : periods,
      carried: carry,
      focus: focusOf(parsed.rest),
      today,
      versus: pair ? pair[1] : null,
    };
    const intent = chooseIntent(part, parsed.rest, question);
    if (intent) add(intent, question);
  }
  return calls.length ? { kind: 'tools', calls } : { kind: 'reply', reason: 'unknown' };
}

function chooseIntent(part: string, rest: string, q: Question): Intent | null {
  const byId = (id: string) => INTENTS.find((i) => i.id === id)!;
  const direct = directIntent(part, q);
  if (direct) return byId(direct);
  if (EXPLAIN.test(part) && !POSSESSIVE.test(part) && !q.periods.period && METRIC_NAMES.some(([, re]) => re.test(part)))
    return byId('explain');
  const ranked = rankIntents(rest || part);
  const best = ranked[0]!;
  if (best.score < MIN_SCORE) return null;
  // A comparison asked for explicitly ("vs last year") is a compare, whatever the metric.
  if (q.periods.compare && ['metrics', 'overview', 'revenue_breakdown', 'expense_breakdown'].includes(best.intent.id))
    return byId('compare');
  // "How are we doing this quarter?" asks for that period's figures, not the standing overview.
  if (best.intent.id === 'overview' && q.periods.period) return byId('metrics');
  return best.intent;
}
