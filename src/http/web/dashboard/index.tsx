/**
 * The built-in dashboard: headline figures, 24 months of revenue and expenses, cash and MRR, the
 * funding-readiness gauge, recommendations, dispute monitoring, the categorization review queue, sync
 * status and connections; API keys, people and embedding the chat (access.tsx). Every figure is a tool's
 * result; every button is an API route. Buttons the person's role does not allow are not shown — the server
 * refuses them anyway.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { labelOf, money, monthLabel, number, percent } from '../shared/format';
import { ApiKeys, Embed, Members } from './access';
import { call, type Me, send, tool } from './api';
import { Gauge, MonthChart } from './charts';
import { BOOKS_CHANGED, Panel, Status, useLoad, useOnBooksChanged } from './parts';

// ---------- shapes of the tool results used here ----------

interface Snapshot {
  start: string;
  partial: boolean;
  revenue: string | null;
  expenses: string | null;
  cashBalance: string | null;
  mrr: string | null;
}
interface Metrics {
  periods: Snapshot[];
  currency: string;
}
interface Cash {
  total: string;
  currency: string;
  asOf: string;
  accounts: { name: string; amount: string }[];
}
interface Runway {
  runwayMonths: number | null;
  cashFlowPositive: boolean;
  averageMonthlyNetBurn: string;
  currency: string;
}
interface Subs {
  months: { month: string; mrr: string }[];
  lastMonthGrowthPercent: number | null;
  currency: string;
}
interface Comparison {
  basis: 'whole_periods' | 'same_days';
  ranges: { current: { from: string; to: string }; previous: { from: string; to: string } };
  changes: { metric: string; current: string | null; previous: string | null; changePercent: number | null }[];
}
interface Readiness {
  score: number;
  tier: string;
  components: { name: string; weight: number; value: number; contribution: number }[];
  nextBand: { tier: string; pointsNeeded: number; actions: { text: string; points: number }[] } | null;
}
interface Rec {
  id: string;
  title: string;
  description: string;
  priority: string;
  category: string;
  status: string;
}
interface Disputes {
  status: string;
  programs: { program: string; status: string; explanation: string }[];
  notes: string[];
}
interface Review {
  transactionId: string;
  date: string;
  description: string | null;
  amount: string;
  category: string;
  confidence: number;
  reason: string | null;
}
interface Connection {
  id: string;
  provider: string;
  name: string | null;
  status: string;
  statusMessage: string | null;
  lastSyncedAt: string | null;
}
interface SyncStatus {
  recentRuns: {
    provider: string;
    mode: string;
    status: string;
    startedAt: string;
    processed: number;
    error: string | null;
  }[];
  newestRecord: string | null;
  reconciliation: {
    checkedAt: string;
    monthsCompared: number;
    differenceCount: number;
    differences: { month: string; line: string; ours: string; theirs: string; difference: string }[];
  } | null;
}

// ---------- dates (from the server's "today") ----------

const firstOfMonth = (iso: string, back = 0) => {
  const [y, m] = iso.split('-').map(Number);
  const d = new Date(Date.UTC(y!, m! - 1 - back, 1));
  return d.toISOString().slice(0, 10);
};

// ---------- small pieces ----------

function Figure({ label, value, note }: { label: string; value: string; note?: string | undefined }) {
  return (
    <div class="figure">
      <div class="label">{label}</div>
      <div class="value">{value}</div>
      {note ? <div class="note">{note}</div> : null}
    </div>
  );
}

// ---------- panels ----------

/** "1–4 Dec" (a range of days inside one month). */
const days = (r: { from: string; to: string }) => {
  const d = (x: string) => Number(x.slice(8, 10));
  const m = monthLabel(r.from).split(' ')[0];
  return d(r.from) === d(r.to) ? `${d(r.from)} ${m}` : `${d(r.from)}–${d(r.to)} ${m}`;
};

function Headlines({ me }: { me: Me }) {
  const c = me.business.baseCurrency;
  const cash = useLoad(() => tool<Cash>('get_cash_position'));
  useOnBooksChanged(cash.reload);
  const runway = useLoad(() => tool<Runway>('get_runway'));
  const subs = useLoad(() => tool<Subs>('get_subscription_metrics'));
  // The last complete month, and the month under way against the same days of the month before.
  const month = useLoad(() => tool<Comparison>('compare_periods', { periodType: 'month' }));
  const soFar = useLoad(() => tool<Comparison>('compare_periods', { periodType: 'month', date: me.today }));
  const books = useLoad(() => tool<{ newestRecord: string | null }>('get_sync_status'));
  const revenue = month.data?.changes.find((x) => x.metric === 'revenue');
  const revenueSoFar = soFar.data?.changes.find((x) => x.metric === 'revenue');
  // A month under way with nothing recorded in it yet is said to be so, not compared as a month of zeros.
  const newest = books.data?.newestRecord?.slice(0, 10) ?? null;
  const nothingYet = Boolean(soFar.data && newest && newest < soFar.data.ranges.current.from);
  const mrrMonths = subs.data?.months ?? [];
  const latestMrr = mrrMonths[mrrMonths.length - 1];
  const priorMrr = mrrMonths[mrrMonths.length - 2];
  const change = (p: number | null | undefined) => (p == null ? '' : ` (${p > 0 ? '+' : ''}${number(p, 1)}%)`);
  return (
    <section class="headlines" aria-label="Headline figures">
      <Figure
        label="Cash"
        value={cash.data ? money(cash.data.total, c) : '…'}
        note={cash.data ? `as of ${cash.data.asOf}` : cash.error?.message}
      />
      <Figure
        label="Runway"
        value={
          runway.data
            ? runway.data.cashFlowPositive
              ? 'Cash-flow positive'
              : `${number(runway.data.runwayMonths, 1)} months`
            : '…'
        }
        note={
          runway.data
            ? runway.data.averageMonthlyNetBurn.startsWith('-')
              ? `net cash in ${money(runway.data.averageMonthlyNetBurn.slice(1), c)}/month (3-month average)`
              : `net burn ${money(runway.data.averageMonthlyNetBurn, c)}/month (3-month average)`
            : runway.error?.message
        }
      />
      <Figure
        label={latestMrr ? `MRR, end of ${monthLabel(latestMrr.month)}` : 'MRR'}
        value={latestMrr ? money(latestMrr.mrr, c) : '…'}
        note={
          priorMrr && subs.data
            ? `${monthLabel(priorMrr.month)}: ${money(priorMrr.mrr, c)}${change(subs.data.lastMonthGrowthPercent)}`
            : subs.error?.message
        }
      />
      <Figure
        label={month.data ? `Revenue, ${monthLabel(month.data.ranges.current.from)}` : 'Revenue'}
        value={revenue ? money(revenue.current, c) : '…'}
        note={
          revenue && month.data
            ? `${monthLabel(month.data.ranges.previous.from)}: ${money(revenue.previous, c)}${change(revenue.changePercent)}${
                nothingYet && soFar.data
                  ? ` · ${monthLabel(soFar.data.ranges.current.from)}: nothing recorded yet (newest record ${newest})`
                  : revenueSoFar && soFar.data?.basis === 'same_days'
                    ? ` · ${days(soFar.data.ranges.current)}: ${money(revenueSoFar.current, c)} (${days(soFar.data.ranges.previous)}: ${money(revenueSoFar.previous, c)})`
                    : ''
              }`
            : month.error?.message
        }
      />
    </section>
  );
}

function Charts({ me }: { me: Me }) {
  const lastMonth = firstOfMonth(me.today, 1);
  const history = useLoad(() =>
    tool<Metrics>('get_metrics', {
      periodType: 'month',
      date: firstOfMonth(me.today, 24),
      to: lastMonth,
      fields: ['revenue', 'expenses', 'cashBalance', 'mrr'],
    }),
  );
  const periods = history.data?.periods ?? [];
  const months = periods.map((p) => p.start);
  const c = history.data?.currency ?? me.business.baseCurrency;
  return (
    <Panel title="The last 24 months" id="charts">
      <Status loading={history.loading} error={history.error} />
      {periods.length ? (
        <div class="charts">
          <MonthChart
            title="Revenue and expenses"
            months={months}
            currency={c}
            series={[
              { label: 'Revenue', values: periods.map((p) => p.revenue), color: '#2f62e0' },
              { label: 'Expenses', values: periods.map((p) => p.expenses), color: '#e0694f' },
            ]}
          />
          <MonthChart
            title="Cash at month end"
            months={months}
            currency={c}
            series={[{ label: 'Cash', values: periods.map((p) => p.cashBalance), color: '#2e9a62' }]}
          />
          <MonthChart
            title="MRR"
            months={months}
            currency={c}
            series={[{ label: 'MRR', values: periods.map((p) => p.mrr), color: '#8a4fd8' }]}
          />
        </div>
      ) : null}
    </Panel>
  );
}

function ReadinessPanel() {
  const r = useLoad(() => tool<Readiness>('get_funding_readiness'));
  return (
    <Panel title="Funding readiness" id="readiness">
      <Status loading={r.loading} error={r.error} />
      {r.data ? (
        <div class="readiness">
          <Gauge score={r.data.score} tier={r.data.tier} />
          <table class="components">
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col" class="num">
                  Points
                </th>
              </tr>
            </thead>
            <tbody>
              {r.data.components.map((x) => (
                <tr key={x.name}>
                  <td>{labelOf(x.name)}</td>
                  <td class="num">
                    {number(x.contribution, 1)} <span class="muted">of {number(x.weight, 0)}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.data.nextBand ? (
            <div class="next">
              <h3>
                To reach {r.data.nextBand.tier.replace(/_/g, ' ')} ({number(r.data.nextBand.pointsNeeded, 1)} points)
              </h3>
              <ul>
                {r.data.nextBand.actions.map((a) => (
                  <li key={a.text}>
                    {a.text} <span class="muted">(+{number(a.points, 1)})</span>
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      ) : null}
    </Panel>
  );
}

function Recommendations({ me }: { me: Me }) {
  const recs = useLoad(() =>
    tool<{ recommendations: Rec[]; total: number }>('list_recommendations', {
      status: ['pending', 'accepted'],
      limit: 10,
    }),
  );
  const may = me.permissions.includes('recommendations');
  const [note, setNote] = useState('');
  const decide = async (r: Rec, status: 'accepted' | 'dismissed') => {
    try {
      await send('PATCH', `/v1/recommendations/${r.id}`, { status });
      setNote(`${status === 'accepted' ? 'Accepted' : 'Dismissed'}: ${r.title}`);
      recs.reload();
    } catch (err) {
      setNote((err as Error).message);
    }
  };
  return (
    <Panel title="Recommendations" id="recommendations">
      <Status loading={recs.loading} error={recs.error} />
      <p class="muted" role="status">
        {note}
      </p>
      <ul class="recs">
        {(recs.data?.recommendations ?? []).map((r) => (
          <li key={r.id} class={`rec ${r.priority}`}>
            <div class="rec-head">
              <span class={`badge ${r.priority}`}>{r.priority}</span>
              <strong>{r.title}</strong>
              {r.status === 'accepted' ? <span class="badge ok">accepted</span> : null}
            </div>
            <p>{r.description}</p>
            {may && r.status === 'pending' ? (
              <div class="actions">
                <button type="button" onClick={() => decide(r, 'accepted')}>
                  Accept
                </button>
                <button type="button" class="secondary" onClick={() => decide(r, 'dismissed')}>
                  Dismiss
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {recs.data && !recs.data.recommendations.length ? <p class="muted">Nothing to act on.</p> : null}
    </Panel>
  );
}

function DisputesPanel() {
  const d = useLoad(() => tool<Disputes>('get_dispute_monitoring'));
  return (
    <Panel title="Dispute monitoring" id="disputes">
      <Status loading={d.loading} error={d.error} />
      {d.data ? (
        <>
          <p>
            This month: <span class={`badge ${d.data.status}`}>{d.data.status.replace(/_/g, ' ')}</span>
          </p>
          <ul class="plain">
            {d.data.programs.map((p) => (
              <li key={p.program}>
                <span class={`badge ${p.status}`}>{p.status.replace(/_/g, ' ')}</span> {p.program}: {p.explanation}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Panel>
  );
}

function ReviewQueue({ me }: { me: Me }) {
  const q = useLoad(() => call<{ items: Review[]; total: number }>('/v1/categorization/reviews?limit=8'));
  useOnBooksChanged(q.reload);
  const may = me.permissions.includes('categorize');
  const [note, setNote] = useState('');
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [running, setRunning] = useState(false);
  // Every uncategorized bank line through categorization: confident proposals written, the rest queued here.
  const categorizeAll = async () => {
    setRunning(true);
    setNote('Categorizing…');
    try {
      const { counts: n } = await tool<{ counts: { considered: number; apply: number; review: number; none: number } }>(
        'categorize_transactions',
        { apply: true, limit: 500 },
      );
      setNote(
        n.considered
          ? `Categorized ${n.apply} of ${n.considered} uncategorized lines; ${n.review} to review below, ${n.none} with no proposal.`
          : 'Every bank line already has a category.',
      );
      q.reload();
    } catch (err) {
      setNote((err as Error).message);
    } finally {
      setRunning(false);
    }
  };
  const decide = async (r: Review, category?: string) => {
    try {
      await send('POST', `/v1/categorization/reviews/${r.transactionId}`, category ? { category } : {});
      setNote(`${r.description ?? 'Line'} → ${category ?? r.category}`);
      q.reload();
    } catch (err) {
      setNote((err as Error).message);
    }
  };
  return (
    <Panel title={`Categorization review${q.data ? ` (${q.data.total})` : ''}`} id="reviews">
      <Status loading={q.loading} error={q.error} />
      {may ? (
        <p>
          <button type="button" onClick={categorizeAll} disabled={running}>
            Categorize
          </button>{' '}
          <span class="muted">uncategorized bank lines: confident proposals are applied, the rest wait here.</span>
        </p>
      ) : null}
      <p class="muted" role="status">
        {note}
      </p>
      {q.data?.items.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Line</th>
              <th scope="col">Amount</th>
              <th scope="col">Proposed</th>
              {may ? <th scope="col">Decision</th> : null}
            </tr>
          </thead>
          <tbody>
            {q.data.items.map((r) => (
              <tr key={r.transactionId}>
                <td>{r.date}</td>
                <td>{r.description}</td>
                <td class="num">{money(r.amount, me.business.baseCurrency)}</td>
                <td>
                  {r.category} <span class="muted">({percent(r.confidence, 0)})</span>
                  {r.reason ? <div class="muted reason">{r.reason}</div> : null}
                </td>
                {may ? (
                  <td class="decide">
                    <button type="button" onClick={() => decide(r)}>
                      Accept
                    </button>
                    <label>
                      <span class="sr">Correct category for {r.description}</span>
                      <input
                        value={edits[r.transactionId] ?? ''}
                        placeholder="or correct…"
                        onInput={(e) => setEdits({ ...edits, [r.transactionId]: (e.target as HTMLInputElement).value })}
                        onKeyDown={(e) => {
                          const v = (e.target as HTMLInputElement).value.trim();
                          if (e.key === 'Enter' && v) void decide(r, v);
                        }}
                      />
                    </label>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      ) : q.data ? (
        <p class="muted">Nothing waiting.</p>
      ) : null}
    </Panel>
  );
}

/** How the figures compare with Xero's own Profit and Loss and Balance Sheet at the last sync. */
function Reconciliation({ r, currency }: { r: SyncStatus['reconciliation']; currency: string }) {
  if (!r) return null;
  const when = r.checkedAt.slice(0, 16).replace('T', ' ');
  if (r.differenceCount === 0)
    return (
      <p class="muted" data-testid="reconciliation">
        Matches Xero's own reports for the last {r.monthsCompared} months, to the cent (checked {when}).
      </p>
    );
  return (
    <div class="reconciliation" role="alert" data-testid="reconciliation">
      <p>
        <span class="badge at_risk">differs from Xero</span> {r.differenceCount} figure
        {r.differenceCount === 1 ? '' : 's'} here disagree with Xero's own reports (checked {when}):
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Month</th>
            <th scope="col">Figure</th>
            <th scope="col" class="num">
              Here
            </th>
            <th scope="col" class="num">
              Xero
            </th>
          </tr>
        </thead>
        <tbody>
          {r.differences.map((d) => (
            <tr key={`${d.month}:${d.line}`}>
              <td>{monthLabel(d.month)}</td>
              <td>{d.line.startsWith('bank:') ? `Bank: ${d.line.slice(5)}` : labelOf(d.line)}</td>
              <td class="num">{money(d.ours, currency)}</td>
              <td class="num">{money(d.theirs, currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Connections({ me }: { me: Me }) {
  const conns = useLoad(() => call<{ connections: Connection[] }>('/v1/connections'));
  const status = useLoad(() => tool<SyncStatus>('get_sync_status'));
  const [note, setNote] = useState('');
  const [stripeKey, setStripeKey] = useState('');
  const [account, setAccount] = useState('');
  const can = (p: string) => me.permissions.includes(p);
  const act = async (what: () => Promise<string>) => {
    try {
      setNote(await what());
      conns.reload();
      status.reload();
    } catch (err) {
      setNote((err as Error).message);
    }
  };
  return (
    <Panel title="Data sources" id="connections">
      <Status loading={conns.loading} error={conns.error} />
      <p class="muted" role="status">
        {note}
      </p>
      <ul class="plain">
        {(conns.data?.connections ?? []).map((c) => (
          <li key={c.id}>
            <strong>{c.name ?? c.provider}</strong> <span class="muted">({c.provider})</span>{' '}
            <span class={`badge ${c.status === 'active' ? 'ok' : 'at_risk'}`}>{c.status}</span>{' '}
            <span class="muted">
              {c.lastSyncedAt ? `synced ${c.lastSyncedAt.slice(0, 16).replace('T', ' ')}` : 'not synced yet'}
            </span>
            {can('sync') && c.provider !== 'csv' && c.status === 'active' ? (
              <button
                type="button"
                class="small"
                onClick={() =>
                  act(async () => {
                    const r = await send<{ status: string }>('POST', `/v1/connections/${c.id}/sync`, {
                      mode: 'incremental',
                    });
                    return `Sync of ${c.name ?? c.provider}: ${r.status}`;
                  })
                }
              >
                Sync now
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      {conns.data && !conns.data.connections.length ? <p class="muted">No connections yet.</p> : null}
      <Reconciliation r={status.data?.reconciliation ?? null} currency={me.business.baseCurrency} />
      {status.data?.recentRuns.length ? (
        <p class="muted">
          Last run: {status.data.recentRuns[0]!.provider} {status.data.recentRuns[0]!.mode}{' '}
          {status.data.recentRuns[0]!.status}, {status.data.recentRuns[0]!.processed} records. Newest record{' '}
          {status.data.newestRecord ?? '—'}.
        </p>
      ) : null}
      <div class="connect">
        {can('connections') ? (
          <button
            type="button"
            onClick={() =>
              act(async () => {
                const r = await send<{ url: string }>('POST', '/v1/connections/xero');
                location.href = r.url;
                return 'Opening Xero…';
              })
            }
          >
            Connect Xero
          </button>
        ) : null}
        {can('connections') ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void act(async () => {
                await send('POST', '/v1/connections/stripe', { key: stripeKey });
                setStripeKey('');
                return 'Stripe connected; the backfill has started.';
              });
            }}
          >
            <label>
              Stripe key{' '}
              <input
                type="password"
                autocomplete="off"
                value={stripeKey}
                placeholder="rk_live_…"
                onInput={(e) => setStripeKey((e.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit">Add</button>
          </form>
        ) : null}
        {can('import') ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const file = (e.currentTarget.querySelector('input[type=file]') as HTMLInputElement).files?.[0];
              if (!file) return setNote('Choose a CSV file first.');
              void act(async () => {
                const r = await call<{
                  import: {
                    added: number;
                    lines: number;
                    alreadyThere: number;
                    balance?: { status: string; opening?: string; expected?: string; date?: string; row?: number };
                  };
                  categorized: { considered: number; apply: number; review: number };
                }>(`/v1/imports/csv?account=${encodeURIComponent(account || 'Bank')}`, {
                  method: 'POST',
                  headers: { 'content-type': 'text/csv' },
                  body: await file.text(),
                });
                const c = r.categorized;
                const filed = c.considered
                  ? ` Categorized ${c.apply} of the ${c.considered} without a category; ${c.review} to review.`
                  : '';
                const b = r.import.balance;
                const m = (x: string | undefined) => money(x, me.business.baseCurrency);
                const balance = !b
                  ? ''
                  : b.status === 'set'
                    ? ` Opening balance ${m(b.opening)} on ${b.date}, from the balance column.`
                    : b.status === 'differs'
                      ? ` The balance column says ${m(b.opening)} on ${b.date} but the lines already here come to ${m(b.expected)}: a statement is missing or was imported twice.`
                      : b.status === 'unreadable'
                        ? ` The balance column does not follow from the amounts from row ${b.row} on; no opening balance was taken.`
                        : '';
                window.dispatchEvent(new Event(BOOKS_CHANGED));
                return `Imported ${r.import.added} of ${r.import.lines} lines (${r.import.alreadyThere} were there already).${balance}${filed}`;
              });
            }}
          >
            <label>
              Account{' '}
              <input
                value={account}
                placeholder="Bank"
                onInput={(e) => setAccount((e.target as HTMLInputElement).value)}
              />
            </label>
            <label>
              <span class="sr">Statement file</span>
              <input type="file" accept=".csv,text/csv" />
            </label>
            <button type="submit">Upload CSV</button>
          </form>
        ) : null}
      </div>
    </Panel>
  );
}

function App() {
  const me = useLoad(() => call<Me>('/v1/me'));
  useEffect(() => {
    document.getElementById('app')?.setAttribute('aria-busy', me.loading ? 'true' : 'false');
  }, [me.loading]);
  if (!me.data) return <Status loading={me.loading} error={me.error} />;
  const m = me.data;
  return (
    <>
      <header class="top">
        <h1>{m.business.name}</h1>
        <div class="who">
          {m.user ? `${m.user.name ?? m.user.email} · ${m.role}` : null} · figures as of {m.today}
          <form method="post" action="/logout">
            <button type="submit" class="link">
              Sign out
            </button>
          </form>
        </div>
      </header>
      <main>
        <Headlines me={m} />
        <Charts me={m} />
        <div class="grid">
          <ReadinessPanel />
          <Recommendations me={m} />
          <DisputesPanel />
          <Connections me={m} />
        </div>
        <ReviewQueue me={m} />
        <div class="grid">
          {m.permissions.includes('keys') ? <ApiKeys /> : null}
          {m.permissions.includes('members') ? <Members me={m} /> : null}
          {m.permissions.includes('settings') ? <Embed me={m} /> : null}
        </div>
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
