/**
 * 13-week cash-flow forecast: opening cash + expected receipts (open receivables, each customer's
 * historical lateness applied) + recurring inflows (subscriptions net of card fees, and customers
 * invoiced every month at their usual amount, day and payment lag) − expected payments
 * (open payables by due date) − recurring outflows detected from history (payroll, rent, software…).
 * Three scenarios; the week cash would fall below zero or a floor.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client';
import { D, type Dec } from '../money';
import { addDays, daysBetween, periodOf, periodsBetween } from './periods';
import { remembered } from './stored-results';
import { bankBalances, countAndSum } from './transaction-totals';

export interface OpenDocument {
  id: string;
  counterparty: string;
  /** Still owed, base currency. */
  amount: string;
  dueDate: string;
  /** Receivables: the customer's average days paid after due (0 when unknown or early). */
  averageDaysLate?: number;
}

export interface RecurringOutflow {
  counterparty: string;
  /** Typical monthly amount (median of recent months), positive. */
  monthlyAmount: string;
  /** Typical day of the month it leaves the bank. */
  dayOfMonth: number;
  category: string | null;
}

export interface RecurringReceipt {
  counterparty: string;
  /** Typical monthly amount invoiced (median of recent months). */
  monthlyAmount: string;
  /** Typical day of the month the invoice goes out, and days from invoice to cash (medians). */
  dayOfMonth: number;
  lagDays: number;
  /** Months ('YYYY-MM') already invoiced: their money is in `receivables` or already received. */
  invoicedMonths: string[];
}

export interface ForecastInputs {
  asOf: string;
  currency: string;
  openingCash: string;
  receivables: OpenDocument[];
  payables: OpenDocument[];
  /** Monthly recurring revenue and the share card fees take (e.g. 0.032). */
  mrr: string;
  feeRate: number;
  recurringOutflows: RecurringOutflow[];
  /** Customers invoiced every month (retainers), paid into the bank. */
  recurringReceipts: RecurringReceipt[];
}

export type Scenario = 'base' | 'optimistic' | 'pessimistic';

export interface ForecastWeek {
  week: number;
  start: string;
  end: string;
  openingCash: string;
  receipts: string;
  recurringInflows: string;
  payments: string;
  recurringOutflows: string;
  /** The what-if amounts of the week, when the forecast was asked one. */
  adjustments?: string;
  net: string;
  closingCash: string;
}

export interface ScenarioForecast {
  scenario: Scenario;
  weeks: ForecastWeek[];
  endingCash: string;
  lowestCash: { week: number; amount: string };
  /** First week whose closing cash is below zero, or null. */
  belowZeroWeek: number | null;
  /** First week whose closing cash is below the floor, or null. */
  belowFloorWeek: number | null;
}

export interface Forecast {
  asOf: string;
  currency: string;
  floor: string;
  /** The what-if the forecast was asked, and its total over the horizon. */
  whatIf?: { monthlyChange?: string; oneOffChange?: string; total: string };
  assumptions: Record<Scenario, string>;
  scenarios: ScenarioForecast[];
}

/**
 * Scenario assumptions (v1). Base: receivables arrive at due date + the customer's average lateness
 * (overdue ones at the earliest next week), those more than 90 days overdue are left out; subscriptions
 * bring MRR × 12 / 52 a week less card fees; recurring outflows at their usual amount and day.
 * Optimistic: lateness ignored, old overdue invoices collected, inflows +10%, outflows −5%.
 * Pessimistic: lateness × 1.5 + 14 days, nothing more than 60 days overdue, inflows −15%, outflows +10%.
 */
const SCENARIOS: Record<
  Scenario,
  { late: (d: number) => number; maxOverdue: number; inflow: number; outflow: number; text: string }
> = {
  base: {
    late: (d) => d,
    maxOverdue: 90,
    inflow: 1,
    outflow: 1,
    text: 'Receivables at due date plus each customer’s average lateness; over 90 days overdue excluded; subscriptions and recurring costs as in recent months.',
  },
  optimistic: {
    late: () => 0,
    maxOverdue: Number.POSITIVE_INFINITY,
    inflow: 1.1,
    outflow: 0.95,
    text: 'Every receivable paid on its due date (overdue ones next week); subscription inflows +10%; recurring costs −5%.',
  },
  pessimistic: {
    late: (d) => d * 1.5 + 14,
    maxOverdue: 60,
    inflow: 0.85,
    outflow: 1.1,
    text: 'Customers 50% later than usual plus two weeks; over 60 days overdue excluded; subscription inflows −15%; recurring costs +10%.',
  },
};

export interface ForecastOptions {
  weeks?: number;
  floor?: string;
  /** What if: a change to cash on the last day of every month in the horizon (a hire costing 6,000 a month: "-6000"). */
  monthlyChange?: string;
  /** What if: a change to cash now (a 50,000 purchase: "-50000"), in the first week. */
  oneOffChange?: string;
}

export function buildForecast(inputs: ForecastInputs, opts: ForecastOptions = {}): Forecast {
  const weeksN = opts.weeks ?? 13;
  const weeks = Array.from({ length: weeksN }, (_, k) => ({
    start: addDays(inputs.asOf, 7 * k),
    end: addDays(inputs.asOf, 7 * k + 6),
  }));
  const weekOf = (date: string) => {
    const k = Math.floor(daysBetween(inputs.asOf, date) / 7);
    return k >= 0 && k < weeksN ? k : null;
  };
  const horizonEnd = weeks[weeksN - 1]!.end;
  const f = (x: Dec) => x.toFixed(2);
  const scenarios = (Object.keys(SCENARIOS) as Scenario[]).map((scenario) => {
    const s = SCENARIOS[scenario];
    const receipts = weeks.map(() => new D(0));
    const payments = weeks.map(() => new D(0));
    const inflows = weeks.map(() => new D(0));
    const outflows = weeks.map(() => new D(0));
    for (const r of inputs.receivables) {
      const overdueDays = daysBetween(r.dueDate, inputs.asOf);
      if (overdueDays > s.maxOverdue) continue;
      const expected = addDays(r.dueDate, Math.round(s.late(Math.max(0, r.averageDaysLate ?? 0))));
      // Already late: the earliest it can arrive is a week from now.
      const when =
        expected < addDays(inputs.asOf, 7) && overdueDays > 0
          ? addDays(inputs.asOf, 7)
          : expected < inputs.asOf
            ? inputs.asOf
            : expected;
      const k = weekOf(when);
      if (k !== null) receipts[k] = receipts[k]!.plus(r.amount);
    }
    for (const p of inputs.payables) {
      const k = weekOf(p.dueDate < inputs.asOf ? inputs.asOf : p.dueDate); // overdue bills go out this week
      if (k !== null) payments[k] = payments[k]!.plus(p.amount);
    }
    // Subscriptions: MRR × 12 / 52 a week, net of card fees.
    const weekly = new D(inputs.mrr).times(12).div(52).times(new D(1).minus(inputs.feeRate)).times(s.inflow);
    for (let k = 0; k < weeksN; k++) inflows[k] = inflows[k]!.plus(weekly);
    // Customers invoiced every month: next invoices on their usual day, cash after their usual lag.
    for (const c of inputs.recurringReceipts) {
      const invoiced = new Set(c.invoicedMonths);
      for (const m of periodsBetween('month', inputs.asOf, horizonEnd)) {
        if (invoiced.has(m.start.slice(0, 7))) continue;
        const issue = addDays(m.start, Math.min(c.dayOfMonth, daysBetween(m.start, m.end) + 1) - 1);
        if (issue < inputs.asOf) continue;
        const k = weekOf(addDays(issue, Math.round(s.late(c.lagDays))));
        if (k !== null) inflows[k] = inflows[k]!.plus(new D(c.monthlyAmount).times(s.inflow));
      }
    }
    // Recurring outflows on their usual day of each month in the horizon, unless an open bill from the
    // same counterparty is already due that month (it is counted once, as a payable).
    const billed = new Set(inputs.payables.map((p) => `${p.counterparty}|${p.dueDate.slice(0, 7)}`));
    for (const o of inputs.recurringOutflows) {
      for (const m of periodsBetween('month', inputs.asOf, horizonEnd)) {
        if (billed.has(`${o.counterparty}|${m.start.slice(0, 7)}`)) continue;
        const day = Math.min(o.dayOfMonth, daysBetween(m.start, m.end) + 1);
        const when = addDays(m.start, day - 1);
        if (when < inputs.asOf) continue;
        const k = weekOf(when);
        if (k !== null) outflows[k] = outflows[k]!.plus(new D(o.monthlyAmount).times(s.outflow));
      }
    }
    const flows = weeks.map((w, k) => ({
      week: k + 1,
      start: w.start,
      end: w.end,
      receipts: f(receipts[k]!),
      recurringInflows: f(inflows[k]!),
      payments: f(payments[k]!),
      recurringOutflows: f(outflows[k]!),
    }));
    return settle(scenario, inputs.openingCash, flows, new D(0), null);
  });
  const base: Forecast = {
    asOf: inputs.asOf,
    currency: inputs.currency,
    floor: '0.00',
    assumptions: {
      base: SCENARIOS.base.text,
      optimistic: SCENARIOS.optimistic.text,
      pessimistic: SCENARIOS.pessimistic.text,
    },
    scenarios,
  };
  return withOptions(base, opts);
}

type WeekFlows = Pick<
  ForecastWeek,
  'week' | 'start' | 'end' | 'receipts' | 'recurringInflows' | 'payments' | 'recurringOutflows'
>;

/** A scenario's weeks from its flows: the cash at each week's end, the lowest, and below zero or the floor. */
function settle(
  scenario: Scenario,
  openingCash: string,
  flows: WeekFlows[],
  floor: Dec,
  adjustments: Dec[] | null,
): ScenarioForecast {
  let cash = new D(openingCash);
  let lowest = { week: 0, amount: cash };
  let belowZeroWeek: number | null = null;
  let belowFloorWeek: number | null = null;
  const weeks: ForecastWeek[] = flows.map((w, k) => {
    const opening = cash;
    const adjustment = adjustments?.[k] ?? new D(0);
    const net = new D(w.receipts)
      .plus(w.recurringInflows)
      .minus(w.payments)
      .minus(w.recurringOutflows)
      .plus(adjustment);
    cash = cash.plus(net);
    if (k === 0 || cash.lt(lowest.amount)) lowest = { week: k + 1, amount: cash };
    if (belowZeroWeek === null && cash.lt(0)) belowZeroWeek = k + 1;
    if (belowFloorWeek === null && cash.lt(floor)) belowFloorWeek = k + 1;
    return {
      week: w.week,
      start: w.start,
      end: w.end,
      openingCash: opening.toFixed(2),
      receipts: w.receipts,
      recurringInflows: w.recurringInflows,
      payments: w.payments,
      recurringOutflows: w.recurringOutflows,
      ...(adjustments ? { adjustments: adjustment.toFixed(2) } : {}),
      net: net.toFixed(2),
      closingCash: cash.toFixed(2),
    };
  });
  return {
    scenario,
    weeks,
    endingCash: cash.toFixed(2),
    lowestCash: { week: lowest.week, amount: lowest.amount.toFixed(2) },
    belowZeroWeek,
    belowFloorWeek,
  };
}

/**
 * The floor and the what-if amounts on a forecast without them: its weeks settled again (no books read), so
 * the stored forecast serves every floor and every "what if we hire at 6,000 a month". The what-if is the same
 * in every scenario — it is the question, not a forecast: `monthlyChange` on the last day of each month that
 * ends in the horizon, `oneOffChange` in the first week.
 */
export function withOptions(base: Forecast, opts: Omit<ForecastOptions, 'weeks'>): Forecast {
  const floor = new D(opts.floor ?? '0');
  const weeks = base.scenarios[0]!.weeks;
  const adjustments = weeks.map(() => new D(0));
  if (opts.oneOffChange) adjustments[0] = adjustments[0]!.plus(opts.oneOffChange);
  if (opts.monthlyChange)
    for (const m of periodsBetween('month', base.asOf, weeks[weeks.length - 1]!.end)) {
      const k = weeks.findIndex((w) => w.start <= m.end && m.end <= w.end);
      if (k >= 0) adjustments[k] = adjustments[k]!.plus(opts.monthlyChange);
    }
  const whatIf = Boolean(opts.oneOffChange || opts.monthlyChange);
  if (!whatIf && floor.isZero() && new D(base.floor).isZero()) return base;
  return {
    ...base,
    floor: floor.toFixed(2),
    ...(whatIf
      ? {
          whatIf: {
            ...(opts.monthlyChange ? { monthlyChange: new D(opts.monthlyChange).toFixed(2) } : {}),
            ...(opts.oneOffChange ? { oneOffChange: new D(opts.oneOffChange).toFixed(2) } : {}),
            total: adjustments.reduce((a, x) => a.plus(x), new D(0)).toFixed(2),
          },
        }
      : {}),
    scenarios: base.scenarios.map((sc) =>
      settle(sc.scenario, sc.weeks[0]!.openingCash, sc.weeks, floor, whatIf ? adjustments : null),
    ),
  };
}

/** Read the forecast's inputs from the books. Run inside `withBusiness`. */
export async function loadForecastInputs(
  tx: Db,
  business: { id: string; baseCurrency: string },
  asOf: string,
): Promise<ForecastInputs> {
  const id = business.id;
  const openingCash = (await bankBalances(tx, id, asOf)).reduce((sum, a) => sum.plus(a.amount), new D(0));
  const docs = await queryRows<{
    id: string;
    type: string;
    name: string;
    contact_id: string | null;
    amount: string;
    due: string;
  }>(
    tx,
    sql`select i.id::text, i.type, coalesce(c.name, 'Unknown') as name, i.contact_id::text, round(i.amount_due / i.currency_rate, 4)::text as amount,
               coalesce(i.due_date, i.issue_date)::text as due
        from invoices i left join contacts c on c.id = i.contact_id
        where i.business_id = ${id} and i.source <> 'stripe' and i.type in ('ACCREC', 'ACCPAY') and i.status = 'AUTHORISED' and i.amount_due > 0`,
  );
  // Each customer's habit: average days paid after the due date over the last year (early counts as 0).
  const habits = new Map(
    (
      await queryRows<{ contact_id: string; late: string }>(
        tx,
        sql`select contact_id::text, avg(greatest(paid_date - due_date, 0))::text as late from invoices
            where business_id = ${id} and source <> 'stripe' and type = 'ACCREC' and status = 'PAID' and paid_date is not null and due_date is not null
              and paid_date >= ${addDays(asOf, -365)}::date and contact_id is not null
            group by contact_id`,
      )
    ).map((h) => [h.contact_id, Math.round(Number(h.late))]),
  );
  const lastMonth = periodOf('month', addDays(periodOf('month', asOf).start, -1));
  const [subs] = await queryRows<{ mrr: string }>(
    tx,
    sql`select coalesce(sum(mrr_amount), 0)::text as mrr from subscriptions where business_id = ${id} and currency = ${business.baseCurrency}
          and status in ('active', 'past_due') and (trial_end is null or trial_end <= ${asOf}::date)`,
  );
  // Card fees as a share of succeeded charges over the last 90 days.
  const window = { from: addDays(asOf, -89), to: asOf };
  const fees = new D((await countAndSum(tx, id, window, { kind: 'FEE' })).sum).negated();
  const charges = new D((await countAndSum(tx, id, window, { kind: 'CHARGE', status: 'succeeded' })).sum);
  // Recurring outflows: money leaving the bank to the same counterparty in at least 3 of the last 4
  // complete months (transfers between own accounts excluded); typical amount and day are medians.
  const fourMonthsAgo = periodOf('month', addDays(lastMonth.start, -95)).start;
  const recurring = await queryRows<{ counterparty: string; monthly: string; day: number; category: string | null }>(
    tx,
    sql`with out as (
          select coalesce(t.counterparty, t.description) as counterparty, date_trunc('month', t.date) as m,
                 sum(-t.base_amount) as amount, min(extract(day from t.date))::int as day, max(t.category) as category
          from transactions t join accounts a on a.id = t.bank_account_id and a.is_bank
          where t.business_id = ${id} and t.deleted_at is null and t.base_amount < 0 and t.kind not in ('TRANSFER', 'OPENING')
            and t.date >= ${fourMonthsAgo}::date and t.date <= ${lastMonth.end}::date
            and coalesce(t.counterparty, t.description) is not null
          group by 1, 2)
        select counterparty, percentile_cont(0.5) within group (order by amount)::numeric(19,4)::text as monthly,
               percentile_cont(0.5) within group (order by day)::int as day, max(category) as category
        from out group by counterparty having count(*) >= 3`,
  );
  // Customers invoiced in at least 3 of the last 4 complete months whose payments land in a bank
  // account (a connector's summary invoice settled through a clearing account is covered by MRR).
  const retainers = await queryRows<{
    counterparty: string;
    monthly: string;
    day: number;
    lag: number;
    months: string[];
  }>(
    tx,
    sql`with inv as (
          select i.id, i.contact_id, i.issue_date, i.paid_date, round(i.total / i.currency_rate, 4) as amount
          from invoices i
          where i.business_id = ${id} and i.source <> 'stripe' and i.type = 'ACCREC' and i.status in ('AUTHORISED', 'PAID') and i.contact_id is not null
            and i.issue_date >= ${fourMonthsAgo}::date and i.issue_date <= ${asOf}::date
            and not exists (select 1 from transactions p join accounts a on a.id = p.bank_account_id and not a.is_bank
                            where p.business_id = ${id} and p.invoice_id = i.id and p.kind = 'PAYMENT')),
        monthly as (
          select contact_id, date_trunc('month', issue_date) as m, sum(amount) as amount, min(extract(day from issue_date))::int as day
          from inv where issue_date <= ${lastMonth.end}::date group by 1, 2),
        invoiced as (select contact_id, array_agg(distinct to_char(issue_date, 'YYYY-MM')) as months from inv group by 1),
        lags as (
          select contact_id, percentile_cont(0.5) within group (order by paid_date - issue_date) as lag
          from invoices where business_id = ${id} and source <> 'stripe' and type = 'ACCREC' and status = 'PAID' and paid_date is not null
            and issue_date >= ${addDays(asOf, -365)}::date group by 1)
        select coalesce(c.name, 'Unknown') as counterparty,
               percentile_cont(0.5) within group (order by monthly.amount)::numeric(19,4)::text as monthly,
               percentile_cont(0.5) within group (order by monthly.day)::int as day,
               coalesce(max(lags.lag), 30)::int as lag,
               invoiced.months
        from monthly left join contacts c on c.id = monthly.contact_id left join lags on lags.contact_id = monthly.contact_id
          join invoiced on invoiced.contact_id = monthly.contact_id
        group by monthly.contact_id, c.name, invoiced.months having count(*) >= 3`,
  );
  return {
    asOf,
    currency: business.baseCurrency,
    openingCash: openingCash.toString(),
    receivables: docs
      .filter((x) => x.type === 'ACCREC')
      .map((x) => ({
        id: x.id,
        counterparty: x.name,
        amount: x.amount,
        dueDate: x.due,
        averageDaysLate: (x.contact_id && habits.get(x.contact_id)) || 0,
      })),
    payables: docs
      .filter((x) => x.type === 'ACCPAY')
      .map((x) => ({ id: x.id, counterparty: x.name, amount: x.amount, dueDate: x.due })),
    mrr: subs?.mrr ?? '0',
    feeRate: charges.gt(0) ? fees.div(charges).toDecimalPlaces(4).toNumber() : 0,
    recurringOutflows: recurring.map((r) => ({
      counterparty: r.counterparty,
      monthlyAmount: r.monthly,
      dayOfMonth: Math.max(1, Number(r.day)),
      category: r.category,
    })),
    recurringReceipts: retainers.map((r) => ({
      counterparty: r.counterparty,
      monthlyAmount: r.monthly,
      dayOfMonth: Math.max(1, Number(r.day)),
      lagDays: Math.max(0, Number(r.lag)),
      invoicedMonths: r.months ?? [],
    })),
  };
}

/**
 * The 13-week forecast as of a date, with a floor and what-if amounts if asked. The forecast itself is stored
 * (see stored-results.ts; the inputs behind it run to megabytes at a million transactions, the forecast to a
 * few kilobytes) and the options are settled on it, so a new floor or what-if reads no books. Run inside
 * `withBusiness`.
 */
export async function forecastCashFlow(
  tx: Db,
  business: { id: string; baseCurrency: string },
  asOf: string,
  opts: ForecastOptions = {},
): Promise<Forecast> {
  const { weeks, ...asked } = opts;
  const horizon = weeks === undefined ? {} : { weeks };
  const base = await remembered(
    tx,
    business.id,
    `forecast:${business.baseCurrency}:${asOf}:${JSON.stringify(horizon)}`,
    () => computeForecastCashFlow(tx, business, asOf, horizon),
  );
  return withOptions(base, asked);
}

/** The forecast computed from the books now, not stored (what `forecastCashFlow` stores; benchmarks time it). */
export async function computeForecastCashFlow(
  tx: Db,
  business: { id: string; baseCurrency: string },
  asOf: string,
  opts: ForecastOptions = {},
): Promise<Forecast> {
  return buildForecast(await loadForecastInputs(tx, business, asOf), opts);
}
