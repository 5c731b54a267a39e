/**
 * Templates that turn one tool result into the offline model's words: the figures exactly as the tool gave
 * them (rounded only for display), the period always named, and what the figures mean in a sentence.
 * Every number written here comes from the result, so the grounding check can find it.
 */
import type { z } from 'zod';
import type categorize_transactions from '../../../tools/categorize-transactions';
import type compare_periods from '../../../tools/compare-periods';
import type detect_anomalies from '../../../tools/detect-anomalies';
import type explain_metric from '../../../tools/explain-metric';
import type forecast_cash_flow from '../../../tools/forecast-cash-flow';
import type get_business_overview from '../../../tools/get-business-overview';
import type get_cash_position from '../../../tools/get-cash-position';
import type get_customer_payment_health from '../../../tools/get-customer-payment-health';
import type get_dispute_monitoring from '../../../tools/get-dispute-monitoring';
import type get_funding_readiness from '../../../tools/get-funding-readiness';
import type get_metrics from '../../../tools/get-metrics';
import type get_receivables_aging from '../../../tools/get-receivables-aging';
import type get_report from '../../../tools/get-report';
import type get_revenue_breakdown from '../../../tools/get-revenue-breakdown';
import type get_runway from '../../../tools/get-runway';
import type get_subscription_metrics from '../../../tools/get-subscription-metrics';
import type get_sync_status from '../../../tools/get-sync-status';
import type list_recommendations from '../../../tools/list-recommendations';
import type list_transactions from '../../../tools/list-transactions';
import { D } from '../../money';
import {
  COUNT,
  count,
  countOf,
  day,
  humanize,
  isNegative,
  list,
  money,
  moneyAbs,
  month,
  pct,
  periodName,
} from './format';
import type { Focus, PlannedCall } from './intents';

type Out<T extends { output: z.ZodType }> = z.output<T['output']>;
type Snapshot = Out<typeof get_business_overview>['lastMonth'];
/** A period of get_metrics with the figures a trimmed result left out as "not available". */
const whole = (p: Out<typeof get_metrics>['periods'][number]): Snapshot => ({ ...EMPTY, partial: false, ...p });
const EMPTY: Omit<Snapshot, 'periodType' | 'start' | 'end' | 'partial'> = {
  currency: '',
  revenueSource: 'none',
  revenue: null,
  otherIncome: null,
  expenses: null,
  netIncome: null,
  grossMargin: null,
  revenueVolatility: null,
  refundCount: null,
  refundRatio: null,
  chargebackCount: null,
  chargebackRatio: null,
  mrr: null,
  arr: null,
  subscriberChurn: null,
  cashBalance: null,
  grossBurn: null,
  netBurn: null,
  runwayMonths: null,
  cashFlowPositive: null,
  dso: null,
  dpo: null,
  receivables: null,
  payables: null,
  dataQuality: null,
};

const MONEY_FOCUS = new Set<Focus>([
  'revenue',
  'expenses',
  'netIncome',
  'cashBalance',
  'grossBurn',
  'netBurn',
  'mrr',
  'arr',
  'receivables',
  'payables',
]);
const LABEL: Record<Focus, string> = {
  revenue: 'revenue',
  expenses: 'expenses',
  netIncome: 'net income',
  grossMargin: 'gross margin',
  cashBalance: 'cash at the end of the period',
  grossBurn: 'gross burn',
  netBurn: 'net burn',
  runwayMonths: 'runway',
  dso: 'DSO',
  dpo: 'DPO',
  refundRatio: 'refund ratio',
  chargebackRatio: 'chargeback ratio',
  mrr: 'MRR',
  arr: 'ARR',
  subscriberChurn: 'subscriber churn',
  revenueVolatility: 'revenue volatility',
  receivables: 'receivables',
  payables: 'payables',
};
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const cap = (s: string) => `${s[0]!.toUpperCase()}${s.slice(1)}`;
const DEFAULT_FOCUS: Focus[] = ['revenue', 'expenses', 'netIncome', 'cashBalance'];

function figure(s: Snapshot, f: Focus): string {
  if (MONEY_FOCUS.has(f)) return money(s[f as 'revenue'], s.currency);
  if (f === 'dso' || f === 'dpo') return s[f] === null ? 'not available' : `${s[f]!.toFixed(1)} days`;
  if (f === 'runwayMonths')
    return s.cashFlowPositive
      ? 'not limited (cash-flow positive)'
      : s.runwayMonths === null
        ? 'not available'
        : `${s.runwayMonths.toFixed(1)} months`;
  if (f === 'refundRatio' || f === 'chargebackRatio') {
    const n = f === 'refundRatio' ? s.refundCount : s.chargebackCount;
    return `${pct(s[f])}${n === null ? '' : ` (${count(n)} ${f === 'refundRatio' ? 'refunds' : 'chargebacks'})`}`;
  }
  return pct(s[f as 'grossMargin']);
}

const sourceNote = (s: Snapshot, focus: Focus[]) =>
  focus.some((f) => ['revenue', 'netIncome', 'grossMargin'].includes(f)) && s.revenueSource !== 'none'
    ? ` Revenue comes from ${s.revenueSource === 'xero' ? 'Xero' : s.revenueSource === 'stripe' ? 'Stripe' : 'bank statements'}.`
    : '';

function metrics(o: Out<typeof get_metrics>, call: PlannedCall): string {
  const focus = call.question.focus.length ? call.question.focus : DEFAULT_FOCUS;
  const periods = o.periods.map(whole);
  if (!periods.length) return 'There are no figures for that period yet.';
  if (periods.length === 1) {
    const s = periods[0]!;
    const name = call.question.periods.period?.label.startsWith('FY')
      ? `${periodName(s)} (${call.question.periods.period.label})`
      : periodName(s);
    let text =
      focus.length === 1
        ? `${cap(LABEL[focus[0]!])} in ${name} was ${figure(s, focus[0]!)}.`
        : `In ${name}: ${list(focus.map((f) => `${LABEL[f]} ${figure(s, f)}`))}.`;
    if (focus.includes('netIncome') && s.netIncome !== null)
      text += isNegative(s.netIncome) ? ' The business made a loss.' : ' The business was profitable.';
    return text + sourceNote(s, focus);
  }
  const f = focus[0]!;
  const lines = periods.map((s) => `- ${periodName(s)}: ${figure(s, f)}`);
  return `${cap(LABEL[f])} by ${periods[0]!.periodType}:\n${lines.join('\n')}\n${sourceNote(periods[0]!, [f]).trim()}`.trim();
}

function compare(o: Out<typeof compare_periods>, call: PlannedCall): string {
  const cur = periodName(o.current);
  const prev = periodName(o.previous);
  const wanted = call.question.focus.filter((f) => o.changes.some((c) => c.metric === f));
  const shown = wanted.length ? wanted : (['revenue', 'expenses', 'netIncome'] as Focus[]);
  const parts = shown.map((f) => {
    const c = o.changes.find((x) => x.metric === f)!;
    if (c.current === null || c.previous === null) return `${LABEL[f]}: not available for both periods`;
    const dir = c.change === null || /^-?0(\.0+)?$/.test(c.change) ? 'unchanged' : isNegative(c.change) ? 'down' : 'up';
    const by =
      dir === 'unchanged'
        ? ''
        : ` ${moneyAbs(c.change!, o.current.currency)}${c.changePercent === null ? '' : ` (${Math.abs(c.changePercent).toFixed(1)}%)`}`;
    return `${LABEL[f]} ${money(c.current, o.current.currency)}, ${dir}${by} from ${money(c.previous, o.current.currency)}`;
  });
  const other = call.question.focus.filter((f) => !o.changes.some((c) => c.metric === f));
  const extra = other.map((f) => `${LABEL[f]} ${figure(o.current, f)} against ${figure(o.previous, f)}`);
  // A period under way is compared day for day; say so, with the exact dates.
  if (o.basis === 'same_days') return `Comparing ${o.compares}: ${list(parts)}.`;
  return `${cur} compared with ${prev}: ${list([...parts, ...extra])}.`;
}

function overview(o: Out<typeof get_business_overview>): string {
  const s = o.lastMonth;
  const c = s.currency;
  const lines = [
    `${o.business.name} in ${periodName(s)}: revenue ${money(s.revenue, c)}, expenses ${money(s.expenses, c)}, net income ${money(s.netIncome, c)}.`,
    `Cash at the end of the month was ${money(s.cashBalance, c)}${s.cashFlowPositive ? ' and cash is growing (cash-flow positive)' : s.runwayMonths !== null ? `, about ${s.runwayMonths.toFixed(1)} months of runway` : ''}.`,
  ];
  if (s.receivables !== null)
    lines.push(
      `Customers owe ${money(s.receivables, c)}; DSO is ${s.dso === null ? 'not available' : `${s.dso.toFixed(1)} days`}.`,
    );
  if (o.readiness) lines.push(`Funding readiness score: ${o.readiness.score} (${humanize(o.readiness.tier)}).`);
  if (o.recommendations.pending)
    lines.push(
      `Open recommendations: ${count(o.recommendations.pending)}; the first is “${o.recommendations.top[0]?.title ?? ''}”.`,
    );
  lines.push(
    `The books cover ${day(o.data.firstDate)} to ${day(o.data.lastDate)} (${count(o.data.transactions)} transactions).`,
  );
  return lines.join(' ');
}

function cash(o: Out<typeof get_cash_position>): string {
  const accounts = o.accounts.map((a) => `${a.name} ${money(a.amount, o.currency)}`);
  return `As of ${day(o.asOf)} you have ${money(o.total, o.currency)} in the bank${accounts.length > 1 ? `: ${list(accounts)}` : ''}.`;
}

function runway(o: Out<typeof get_runway>): string {
  const c = o.currency;
  const asOf = `the end of ${month(o.asOfMonth)}`;
  if (o.cashFlowPositive)
    return `You are cash-flow positive: over the last three complete months cash grew by ${moneyAbs(o.averageMonthlyNetBurn, c)} a month on average, so there is no runway limit at the current rate. Cash at ${asOf} was ${money(o.cash, c)}. In ${month(o.asOfMonth)} alone, net burn was ${money(o.lastMonth.netBurn, c)}${isNegative(o.lastMonth.netBurn) ? ' (cash grew)' : ''} and gross burn (money out) ${money(o.lastMonth.grossBurn, c)}.`;
  return `At the average net burn of ${money(o.averageMonthlyNetBurn, c)} a month over the last three complete months, the ${money(o.cash, c)} of cash at ${asOf} lasts about ${o.runwayMonths === null ? 'an unknown number of' : o.runwayMonths.toFixed(1)} months. Net burn in ${month(o.asOfMonth)} alone was ${money(o.lastMonth.netBurn, c)} (gross burn ${money(o.lastMonth.grossBurn, c)}).`;
}

/** "in 6 weeks", "three weeks from now" → 6, 3 (a week of the forecast to name). */
const WEEKS_AHEAD = new RegExp(
  `\\b(?:in|within|after)\\s+${COUNT}\\s+weeks?\\b|\\b${COUNT}\\s+weeks?\\s+(?:from now|away|time)\\b`,
  'i',
);
function weeksAhead(text: string): number | null {
  const m = text.match(WEEKS_AHEAD);
  const n = m ? countOf((m[1] ?? m[2])!) : 0;
  return n >= 1 && n <= 13 ? n : null;
}

function forecast(o: Out<typeof forecast_cash_flow>, call: PlannedCall): string {
  const c = o.currency;
  const s = o.summary.find((x) => x.scenario === o.scenario) ?? o.summary[0];
  const weekOf = (n: number) => o.weeks.find((w) => w.week === n);
  const last = o.weeks[o.weeks.length - 1];
  const lines: string[] = [];
  const scenario = `Cash forecast, ${o.scenario} scenario, for the weeks from ${day(o.asOf)} to ${day(last?.end)}`;
  if (o.whatIf) {
    const way = (a: string) => `${moneyAbs(a, c)} ${isNegative(a) ? 'out' : 'in'}`;
    const what = [
      o.whatIf.monthlyChange ? `${way(o.whatIf.monthlyChange)} at the end of every month` : '',
      o.whatIf.oneOffChange ? `${way(o.whatIf.oneOffChange)} now` : '',
    ].filter(Boolean);
    lines.push(
      `${scenario}, with ${list(what)} (${way(o.whatIf.total)} over the 13 weeks): cash ends at ${money(s?.endingCash ?? last?.closingCash, c)}.`,
    );
  } else lines.push(`${scenario}: cash ends at ${money(s?.endingCash ?? last?.closingCash, c)}.`);
  const asked = weeksAhead(call.question.text);
  const week = asked ? weekOf(asked) : undefined;
  if (week)
    lines.push(
      `In ${asked} weeks (the week of ${day(week.start)} to ${day(week.end)}) cash is forecast at ${money(week.closingCash, c)}.`,
    );
  if (s) {
    lines.push(`The lowest point is ${money(s.lowestCash, c)} in the week of ${day(weekOf(s.lowestWeek)?.start)}.`);
    if (s.belowZeroWeek !== null)
      lines.push(`Cash goes below zero in the week of ${day(weekOf(s.belowZeroWeek)?.start)}.`);
    else if (s.belowFloorWeek !== null)
      lines.push(`It falls below your floor in the week of ${day(weekOf(s.belowFloorWeek)?.start)}.`);
    else if (call.input.floor) lines.push('It stays above your floor every week in this scenario.');
    else lines.push('It does not go below zero in this scenario.');
  }
  const others = o.summary.filter((x) => x.scenario !== o.scenario);
  if (others.length)
    lines.push(`Other scenarios end at ${list(others.map((x) => `${money(x.endingCash, c)} (${x.scenario})`))}.`);
  lines.push(`Assumptions: ${o.assumptions}`);
  return lines.join(' ');
}

function breakdown(o: Out<typeof get_revenue_breakdown>, call: PlannedCall): string {
  const what = call.intent.id === 'revenue_breakdown' ? 'Revenue' : 'Expenses';
  const c = o.currency;
  // "How much did we spend on rent?": the line the question names comes first.
  const named = [...o.lines, ...o.costOfSales].find((l) =>
    new RegExp(`\\b${escapeRegExp(l.name)}\\b`, 'i').test(call.question.text),
  );
  const lead = named ? `${named.name} from ${day(o.from)} to ${day(o.to)}: ${money(named.amount, c)}.\n` : '';
  const share = (l: { sharePercent: number | null }) => (l.sharePercent === null ? '' : ` (${l.sharePercent}%)`);
  const asked = typeof call.input.limit === 'number' ? call.input.limit : 8;
  const shown = o.lines.slice(0, asked);
  const lines = shown.map((l) => `- ${l.name}: ${money(l.amount, c)}${share(l)}`);
  const more = o.lineCount > shown.length ? `\n- and smaller ones (${count(o.lineCount)} lines in all)` : '';
  const cos = o.costOfSales.length
    ? `\nCost of sales: ${list(o.costOfSales.map((l) => `${l.name} ${money(l.amount, c)}`))}.`
    : '';
  const top = o.lines[0];
  // "Are we too dependent on one customer?": the largest customer's share is the answer.
  const concentration =
    o.by === 'customer' && top && top.sharePercent !== null
      ? `The largest customer, ${top.name}, brought in ${top.sharePercent}% of revenue from ${day(o.from)} to ${day(o.to)}.\n`
      : '';
  const by = o.by === 'customer' ? ' by customer' : '';
  const listing = `${what}${by} from ${day(o.from)} to ${day(o.to)} totalled ${money(o.total, c)}, largest first:\n${lines.join('\n')}${more}${cos}`;
  if (!o.compared) return `${lead}${concentration}${listing}`;
  // "Why did costs jump?": what moved, against what, before the listing.
  const k = o.compared;
  const moves = k.changes
    .slice(0, 5)
    .map(
      (x) =>
        `- ${x.name}: ${money(x.amount, c)} against ${money(x.previous, c)}, ${isNegative(x.change) ? 'down' : 'up'} ${moneyAbs(x.change, c)}`,
    );
  const change = `${what}${by} from ${day(o.from)} to ${day(o.to)} ${what === 'Revenue' ? 'was' : 'were'} ${money(o.total, c)} against ${money(k.total, c)} from ${day(k.from)} to ${day(k.to)}: ${isNegative(k.change) ? 'down' : 'up'} ${moneyAbs(k.change, c)}. ${moves.length ? `What moved most:\n${moves.join('\n')}` : 'No line changed.'}`;
  return `${lead}${concentration}${change}\n\n${listing}`;
}

function transactions(o: Out<typeof list_transactions>): string {
  if (!o.total.count) return 'No transactions match that.';
  const rows = o.transactions.map(
    (t) =>
      `- ${day(t.date)} · ${t.counterparty ?? t.description ?? 'no description'} · ${money(t.amount, o.currency)}${t.category ? ` · ${t.category}` : ' · uncategorized'}`,
  );
  return `${count(o.total.count)} transactions match, with a net total of ${money(o.total.sum, o.currency)}. The most recent:\n${rows.join('\n')}${o.nextCursor ? '\nAsk for more to see the next page.' : ''}`;
}

function aging(o: Out<typeof get_receivables_aging>, call: PlannedCall): string {
  const c = o.currency;
  const t = o.totals;
  const receivables = call.intent.id === 'receivables';
  const who = receivables ? 'Customers owe you' : 'You owe suppliers';
  let soon = '';
  if (o.dueSoon) {
    const d = o.dueSoon;
    const docs = d.documents
      .slice(0, 8)
      .map((x) => `- ${day(x.due)}: ${x.contact}${x.number ? ` (${x.number})` : ''} ${money(x.amount, c)}`);
    const more = d.count > docs.length ? `\n- and later ones (${count(d.count)} in all)` : '';
    soon =
      d.count === 0
        ? `Nothing ${receivables ? 'from customers' : 'to suppliers'} falls due between ${day(d.from)} and ${day(d.to)}.`
        : `Falling due between ${day(d.from)} and ${day(d.to)}: ${money(d.total, c)} on ${count(d.count)} ${receivables ? 'invoice' : 'bill'}${d.count === 1 ? '' : 's'}:\n${docs.join('\n')}${more}`;
    if (t.total === '0.00' || /^0(\.0+)?$/.test(t.total)) return soon;
    const overdue = new D(t.total).minus(t.current);
    return `${soon}\n\nAlready overdue on ${day(o.asOf)}: ${money(overdue.toFixed(2), c)} of the ${money(t.total, c)} ${receivables ? 'customers owe you' : 'you owe'}.`;
  }
  if (t.total === '0.00' || /^0(\.0+)?$/.test(t.total)) return `${who} nothing as of ${day(o.asOf)}.`;
  const buckets = `not yet due ${money(t.current, c)}, up to a month overdue ${money(t.d1_30, c)}, one to two months ${money(t.d31_60, c)}, two to three months ${money(t.d61_90, c)}, more than three months ${money(t.d90_plus, c)}`;
  const top = o.contacts.slice(0, 5).map((x) => `${x.contact} ${money(x.total, c)}`);
  return `${who} ${money(t.total, c)} as of ${day(o.asOf)}: ${buckets}. Largest balances: ${list(top)}.`;
}

function categorize(o: Out<typeof categorize_transactions>): string {
  const n = o.counts;
  if (!n.considered) return 'There are no uncategorized bank lines to categorize.';
  const examples = o.results
    .filter((r) => r.category)
    .slice(0, 5)
    .map(
      (r) =>
        `- ${r.description ?? 'a line'} (${day(r.date)}): ${r.category}${r.source ? `, from ${humanize(r.source)}` : ''}`,
    );
  const head = o.applied
    ? `Categorized ${count(n.apply)} of ${count(n.considered)} uncategorized bank lines;`
    : `A preview — nothing was changed. Of ${count(n.considered)} uncategorized bank lines, ${count(n.apply)} would be categorized automatically,`;
  return `${head} ${count(n.review)} ${o.applied ? 'went' : 'would go'} to the review queue and ${count(n.none)} ${n.none === 1 ? 'has' : 'have'} no proposal.${examples.length ? `\n${examples.join('\n')}` : ''}${o.applied ? '' : '\nTo apply them, use Categorize in the dashboard, or ask with a key that may write.'}`;
}

function paymentHealth(o: Out<typeof get_customer_payment_health>): string {
  if (!o.customers.length) return 'No customer has enough paid invoices to judge yet.';
  const rows = o.customers.slice(0, 6).map((x) => {
    const late = x.latePaidShare === null ? '' : `, ${pct(x.latePaidShare)} paid late`;
    const overdue =
      x.overdue && !/^0(\.0+)?$/.test(x.overdue.amount) ? `; ${money(x.overdue.amount, o.currency)} overdue` : '';
    const avg = x.averageDaysToPay === null ? '' : ` pays in ${x.averageDaysToPay.toFixed(1)} days on average`;
    return `- ${x.customer}:${avg}${late}${overdue}${x.trend === 'worsening' ? ', getting slower' : ''}${x.atRisk ? ' (at risk)' : ''}`;
  });
  return `Customer payment behaviour, slowest and most overdue first:\n${rows.join('\n')}`;
}

function subscriptions(o: Out<typeof get_subscription_metrics>): string {
  const m = o.months;
  const last = m[m.length - 1];
  if (!last) return 'There is no subscription data (Stripe) yet.';
  const first = m[0]!;
  const growth =
    m.length > 1 && o.mrrChange !== null
      ? ` Since ${month(first.month)}, MRR is ${isNegative(o.mrrChange) ? 'down' : 'up'} ${moneyAbs(o.mrrChange, o.currency)}${o.mrrGrowthPercent === null ? '' : ` (${Math.abs(o.mrrGrowthPercent).toFixed(1)}%)`}.`
      : '';
  return `In ${month(last.month)}, MRR was ${money(last.mrr, o.currency)} (ARR ${money(last.arr, o.currency)}) from ${last.activeSubscribers === null ? 'an unknown number of' : count(last.activeSubscribers)} active subscribers; subscriber churn was ${pct(last.subscriberChurn)} that month.${growth}`;
}

function disputes(o: Out<typeof get_dispute_monitoring>): string {
  const rows = o.programs.map((p) => {
    const mtd = p.monthToDate.ratio === null ? 'no card transactions yet' : pct(p.monthToDate.ratio);
    const proj = p.projected.ratio === null ? 'n/a' : pct(p.projected.ratio);
    return `- ${p.program} (${p.network}): ${mtd} month to date, ${proj} projected, against ${pct(p.threshold)} (needs at least ${count(p.minimumCount)} events) — ${humanize(p.status)}`;
  });
  const notes = o.notes.length ? `\n${o.notes.join(' ')}` : '';
  return `Card-network dispute monitoring for ${month(o.month.start)} (to ${day(o.asOf)}): overall ${humanize(o.status)}.\n${rows.join('\n')}${notes}`;
}

function readiness(o: Out<typeof get_funding_readiness>): string {
  const parts = [...o.components]
    .sort((a, b) => b.contribution - a.contribution)
    .map((c) => `${humanize(c.name)} ${c.contribution} of ${c.weight}`);
  const next = o.nextBand
    ? ` To reach “${humanize(o.nextBand.tier)}” it needs ${o.nextBand.pointsNeeded} more points: ${o.nextBand.actions.map((a) => a.text).join(' ')}`
    : '';
  return `Funding readiness is ${o.score} (${humanize(o.tier)}). By component: ${list(parts)}.${next}`;
}

function recommendations(o: Out<typeof list_recommendations>): string {
  if (!o.recommendations.length) return 'There are no open recommendations right now.';
  const rows = o.recommendations.map(
    (r) => `- ${r.title} (${r.priority} priority, ${humanize(r.category)}): ${r.description}`,
  );
  return `${count(o.total)} open recommendation${o.total === 1 ? '' : 's'}:\n${rows.join('\n')}`;
}

function anomalies(o: Out<typeof detect_anomalies>): string {
  const c = o.currency;
  const items = o.anomalies
    .slice(0, 5)
    .map(
      (a) =>
        `- ${day(a.date)}: ${a.counterparty ?? a.category ?? 'unknown'} ${money(a.amount, c)}, ${a.ratioToTypical === null ? '' : `${a.ratioToTypical}× `}the typical ${money(a.typicalAmount, c)}`,
    );
  const head = items.length
    ? `Unusual transactions:\n${items.join('\n')}`
    : 'Nothing stands out as unusual in the transactions.';
  const v = o.variance;
  if (!v) return head;
  const moves = v.categories
    .slice(0, 3)
    .map((x) => `${x.category} ${isNegative(x.vsTrailing) ? 'down' : 'up'} ${moneyAbs(x.vsTrailing, c)}`);
  return `${head}\nSpending in ${month(v.month.start)} was ${money(v.total.current, c)} against ${money(v.total.previous, c)} the month before and a trailing average of ${money(v.total.trailingAverage, c)}. Biggest moves against that average: ${list(moves)}.`;
}

function report(o: Out<typeof get_report>): string {
  const c = o.currency;
  const d = o.data as Record<string, unknown>;
  const lines = (xs: unknown) =>
    ((xs as { name: string; amount: string }[]) ?? []).map((l) => `  - ${l.name}: ${money(l.amount, c)}`).join('\n');
  const span = o.periodStart ? `${day(o.periodStart)} to ${day(o.periodEnd)}` : `as of ${day(o.periodEnd)}`;
  switch (o.kind) {
    case 'profit_and_loss':
      return `Profit and loss, ${span}:\n- Income ${money(d.totalIncome as string, c)}\n${lines(d.income)}\n- Cost of sales ${money(d.totalCostOfSales as string, c)}\n- Gross profit ${money(d.grossProfit as string, c)}${d.totalOtherIncome && d.totalOtherIncome !== '0.00' ? `\n- Other income ${money(d.totalOtherIncome as string, c)}\n${lines(d.otherIncome)}` : ''}\n- Operating expenses ${money(d.totalExpenses as string, c)}\n${lines(d.expenses)}\n- Net profit ${money(d.netProfit as string, c)}`;
    case 'balance_sheet':
      return `Balance sheet summary ${span}: cash ${money(d.totalCash as string, c)}, receivables ${money(d.receivables as string, c)}, payables ${money(d.payables as string, c)}, net working position ${money(d.netWorkingPosition as string, c)}.\n${lines(d.cash)}\n${d.note as string}`;
    case 'cash_summary':
      return `Cash summary, ${span}: opening cash ${money(d.openingCash as string, c)}, cash in ${money(d.totalCashIn as string, c)}, cash out ${money(d.totalCashOut as string, c)}, net cash flow ${money(d.netCashFlow as string, c)}${d.openingBalancesRecorded ? `, opening balances from statements ${money(d.openingBalancesRecorded as string, c)}` : ''}, closing cash ${money(d.closingCash as string, c)}.\nMoney in:\n${lines(d.cashIn)}\nMoney out:\n${lines(d.cashOut)}`;
    default:
      return `Report ${humanize(o.kind)}, ${span}.`;
  }
}

function syncStatus(o: Out<typeof get_sync_status>): string {
  const sources = Object.entries(o.recordsBySource).map(([s, n]) => `${s} ${count(n)} records`);
  const conns = o.connections.length
    ? o.connections.map(
        (x) =>
          `${x.provider}${x.name ? ` (${x.name})` : ''} ${humanize(x.status)}${x.lastSyncedAt ? `, last synced ${day(x.lastSyncedAt)}` : ''}`,
      )
    : ['no live connections (this data was loaded, not synced)'];
  return `Data: ${list(sources)}; the newest record is from ${day(o.newestRecord)}. Connections: ${list(conns)}.`;
}

function explain(o: Out<typeof explain_metric>): string {
  return `${o.label}: ${o.formula} Source: ${o.source}.`;
}

// biome-ignore lint/suspicious/noExplicitAny: each template narrows the output to its own tool's type.
type Template = (output: any, call: PlannedCall) => string;

export const TEMPLATES: Record<string, Template> = {
  overview,
  metrics,
  compare,
  cash,
  runway,
  forecast,
  revenue_breakdown: breakdown,
  expense_breakdown: breakdown,
  transactions,
  receivables: aging,
  payables: aging,
  payment_health: paymentHealth,
  subscriptions,
  disputes,
  readiness,
  recommendations,
  anomalies,
  report_pnl: report,
  report_balance_sheet: report,
  report_cash_summary: report,
  sync_status: syncStatus,
  categorize,
  explain,
};
