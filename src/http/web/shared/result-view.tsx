/**
 * A tool's result as a person would glance at it: a series over time becomes a small bar chart, a list
 * becomes a small table (a few rows and columns). Figures are shown as the tool gave them.
 */
import { isDecimal, isIsoDate, labelOf, money, monthLabel, number } from './format';

type Row = Record<string, unknown>;

const DATE_KEYS = ['month', 'start', 'weekStart', 'week', 'date', 'period'];
const VALUE_KEYS = ['revenue', 'closingCash', 'cashBalance', 'total', 'mrr', 'amount', 'netIncome', 'balance', 'net'];
const PRIMARY_KEYS = ['total', 'amount', 'balance', 'outstanding', 'revenue', 'net'];
const LABEL_KEYS = ['name', 'customer', 'title', 'category', 'program', 'label', 'counterparty', 'description'];
const MONEY_HINT = /amount|revenue|expense|cash|mrr|arr|total|balance|burn|income|net|owed|paid|due|current|d\d|plus/i;

function firstList(output: Row): { key: string; rows: Row[] } | null {
  for (const [key, v] of Object.entries(output)) {
    if (Array.isArray(v) && v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x)))
      return { key, rows: v as Row[] };
  }
  return null;
}

function display(key: string, v: unknown, currency: string): string {
  if (v === null || v === undefined) return '—';
  if (isDecimal(v)) return MONEY_HINT.test(key) ? money(v, currency) : number(v, 2);
  if (typeof v === 'number' && /percent/i.test(key)) return `${number(v, 1)}%`;
  if (typeof v === 'number')
    return Math.abs(v) < 1 && v !== 0 && /ratio|churn|margin|share/i.test(key)
      ? `${(v * 100).toFixed(1)}%`
      : number(v, 1);
  if (isIsoDate(v)) return String(v).slice(0, 10);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'object') return '…';
  return String(v);
}

export function BarChart({
  rows,
  dateKey,
  valueKey,
  currency,
}: {
  rows: Row[];
  dateKey: string;
  valueKey: string;
  currency: string;
}) {
  const series = rows.slice(-24).map((r) => ({ label: String(r[dateKey]), value: Number(r[valueKey]) }));
  const max = Math.max(...series.map((s) => Math.abs(s.value)), 1);
  const w = 280;
  const h = 90;
  const bar = w / series.length;
  const last = series[series.length - 1];
  return (
    <figure class="cfo-chart">
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${labelOf(valueKey)} by ${labelOf(dateKey)}`}>
        {series.map((s, i) => {
          const bh = Math.max(1, (Math.abs(s.value) / max) * (h - 4));
          return (
            <rect
              key={s.label}
              x={i * bar + 1}
              y={h - bh}
              width={Math.max(1, bar - 2)}
              height={bh}
              class={s.value < 0 ? 'neg' : 'pos'}
            >
              <title>{`${monthLabel(s.label)}: ${display(valueKey, rows[rows.length - series.length + i]?.[valueKey], currency)}`}</title>
            </rect>
          );
        })}
      </svg>
      <figcaption>
        {labelOf(valueKey)}, {monthLabel(series[0]!.label)} – {monthLabel(last!.label)}
        {last ? ` · latest ${display(valueKey, rows[rows.length - 1]?.[valueKey], currency)}` : ''}
      </figcaption>
    </figure>
  );
}

export function MiniTable({ rows, currency, caption }: { rows: Row[]; currency: string; caption: string }) {
  const sample = rows[0]!;
  const keys = Object.keys(sample);
  const label =
    LABEL_KEYS.find((k) => keys.includes(k)) ??
    keys.find((k) => typeof sample[k] === 'string' && !isDecimal(sample[k]));
  // The headline figure of a row first (its total or amount), then the next two.
  const numeric = keys.filter((k) => k !== label && (isDecimal(sample[k]) || typeof sample[k] === 'number'));
  const lead = numeric.filter((k) => PRIMARY_KEYS.includes(k));
  const values = [...lead, ...numeric.filter((k) => !lead.includes(k))].slice(0, 3);
  const cols = [...(label ? [label] : []), ...values];
  if (!cols.length) return null;
  const shown = rows.slice(0, 6);
  return (
    <table class="cfo-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          {cols.map((c) => (
            <th scope="col" key={c}>
              {labelOf(c)}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {shown.map((r, i) => (
          <tr key={i}>
            {cols.map((c) => (
              <td key={c} class={c === label ? '' : 'num'}>
                {display(c, r[c], currency)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
      {rows.length > shown.length ? (
        <tfoot>
          <tr>
            <td colSpan={cols.length}>and {rows.length - shown.length} more</td>
          </tr>
        </tfoot>
      ) : null}
    </table>
  );
}

/** The view of one tool result, or nothing when it has no list to show. */
export function ResultView({ tool, output }: { tool: string; output: Row }) {
  const list = firstList(output);
  if (!list) return null;
  const currency = typeof output.currency === 'string' ? output.currency : 'USD';
  const sample = list.rows[0]!;
  const dateKey = DATE_KEYS.find((k) => isIsoDate(sample[k]));
  const valueKey = VALUE_KEYS.find((k) => isDecimal(sample[k]));
  if (dateKey && valueKey && list.rows.length >= 3)
    return <BarChart rows={list.rows} dateKey={dateKey} valueKey={valueKey} currency={currency} />;
  return (
    <MiniTable rows={list.rows} currency={currency} caption={`${labelOf(list.key)} (${tool.replace(/_/g, ' ')})`} />
  );
}
