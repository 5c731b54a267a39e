/**
 * A fake Stripe API on port 0 that the real `stripe` SDK talks to (`host`/`port`/`protocol`): the list
 * endpoints the backfill reads, newest first with `limit`, `starting_after`, `ending_before` and
 * `created[gt|gte|lt|lte]`, Stripe's list envelope, `GET /v1/account` and `/v1/balance` for validating a
 * key, and per test 500s or dropped connections. Objects are the demo generator's, which follow Stripe's
 * shapes (see test/fixtures/stripe-webhooks).
 */
import { createServer, type Server } from 'node:http';
import { generateDemo } from '../../src/demo/generate';
import { listenLocal } from './listen';

export const FAKE_STRIPE_KEY = 'sk_test_FakeStripeKey0123456789';
export const FAKE_STRIPE_ACCOUNT = 'acct_1FakeStripeAcct';

/** The lists the backfill reads: URL path → the demo batch's field. */
export const STRIPE_LISTS = {
  customers: 'customers',
  subscriptions: 'subscriptions',
  invoices: 'invoices',
  charges: 'charges',
  refunds: 'refunds',
  disputes: 'disputes',
  payouts: 'payouts',
  balance_transactions: 'balanceTransactions',
} as const;
export type StripeList = keyof typeof STRIPE_LISTS;

type StripeObject = { id: string; created: number } & Record<string, unknown>;

export interface FakeStripe {
  url: string;
  data: Record<StripeList, StripeObject[]>;
  /** Every list request: path, query, status. */
  calls: { path: string; query: string; status: number }[];
  /** '500', a dropped connection, or 'hang': no answer until the client gives up. */
  faults: ('500' | 'drop' | 'hang')[];
  /** Fail matching requests for as long as it returns a fault (e.g. from the third page of charges on). */
  failWhen: ((path: string, query: URLSearchParams) => '500' | 'drop' | null) | null;
  close(): Promise<void>;
}

/** Stripe objects from the demo generator (latest state of each), for a given seed. */
export function demoStripeData(seed: number, months = 6, scale = 0.05): Record<StripeList, StripeObject[]> {
  const maps = Object.fromEntries(Object.keys(STRIPE_LISTS).map((k) => [k, new Map<string, StripeObject>()])) as Record<
    StripeList,
    Map<string, StripeObject>
  >;
  for (const batch of generateDemo({ seed, months, scale })) {
    for (const [list, field] of Object.entries(STRIPE_LISTS) as [StripeList, keyof typeof batch.stripe][]) {
      for (const o of (batch.stripe[field] as unknown as StripeObject[] | undefined) ?? []) maps[list].set(o.id, o);
    }
  }
  // The demo has no Stripe invoices: one per charge with a customer (paid, or open when the charge failed).
  for (const c of maps.charges.values()) {
    if (!c.customer) continue;
    const paid = c.status === 'succeeded';
    const id = `in_${c.id.slice(3)}`;
    maps.invoices.set(id, {
      id,
      object: 'invoice',
      customer: c.customer,
      number: `INV-${c.id.slice(-6).toUpperCase()}`,
      status: paid ? 'paid' : 'open',
      currency: c.currency,
      created: c.created,
      due_date: c.created + 14 * 86_400,
      status_transitions: { paid_at: paid ? c.created : null },
      subtotal: c.amount,
      tax: 0,
      total: c.amount,
      amount_due: c.amount,
      amount_paid: paid ? c.amount : 0,
      amount_remaining: paid ? 0 : c.amount,
    });
  }
  return Object.fromEntries(Object.entries(maps).map(([k, m]) => [k, [...m.values()]])) as Record<
    StripeList,
    StripeObject[]
  >;
}

type Discount = { id: string; source?: { coupon?: unknown }; coupon?: unknown };

/** Every coupon the subscriptions' discounts carry, by id (what `GET /v1/coupons/{id}` answers). */
function couponsOf(subs: StripeObject[]): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const s of subs) {
    const items = (s.items as { data: { discounts?: unknown[] }[] }).data;
    for (const d of [...((s.discounts as unknown[]) ?? []), ...items.flatMap((i) => i.discounts ?? [])]) {
      const c = typeof d === 'object' && d ? ((d as Discount).source?.coupon ?? (d as Discount).coupon) : undefined;
      if (c && typeof c === 'object') out.set((c as { id: string }).id, c as Record<string, unknown>);
    }
  }
  return out;
}

/**
 * A subscription as the current API serves it: discounts are ids unless `expand` names them, and an
 * expanded discount names its coupon by id under `source.coupon` unless that is expanded too.
 */
function asServed(sub: StripeObject, expand: string[]): StripeObject {
  const discounts = (ds: unknown[] | undefined, path: string) =>
    (ds ?? []).map((d) => {
      const o = d as Discount;
      if (!expand.includes(path)) return o.id;
      const c = (o.source?.coupon ?? o.coupon) as { id: string } | undefined;
      const { coupon: _legacy, ...rest } = o;
      return {
        ...rest,
        object: 'discount',
        source: { type: 'coupon', coupon: expand.includes(`${path}.source.coupon`) ? c : c?.id },
      };
    });
  const items = sub.items as { data: ({ discounts?: unknown[] } & Record<string, unknown>)[] } & Record<
    string,
    unknown
  >;
  return {
    ...sub,
    discounts: discounts(sub.discounts as unknown[] | undefined, 'data.discounts'),
    items: {
      ...items,
      data: items.data.map((i) => ({ ...i, discounts: discounts(i.discounts, 'data.items.data.discounts') })),
    },
  };
}

export async function startFakeStripe(data: Record<StripeList, StripeObject[]>): Promise<FakeStripe> {
  let closeServer = async () => {};
  const fake: FakeStripe = {
    url: '',
    data,
    calls: [],
    faults: [],
    failWhen: null,
    close: () => closeServer(),
  };
  const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${Date.now()}` });
    res.end(JSON.stringify(body));
  };
  const error = (type: string, message: string) => ({ error: { type, message } });

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', fake.url);
    const call = { path: url.pathname, query: url.search, status: 0 };
    fake.calls.push(call);
    if (req.headers.authorization !== `Bearer ${FAKE_STRIPE_KEY}`) {
      call.status = 401;
      return json(res, 401, error('invalid_request_error', 'Invalid API Key provided: sk_test_****'));
    }
    const fault = fake.faults.shift() ?? fake.failWhen?.(url.pathname, url.searchParams) ?? undefined;
    if (fault === 'hang') {
      call.status = -2;
      return;
    }
    if (fault === 'drop') {
      call.status = -1;
      req.socket.destroy();
      return;
    }
    if (fault === '500') {
      call.status = 500;
      return json(res, 500, error('api_error', 'Something went wrong on our end.'));
    }
    call.status = 200;
    if (url.pathname === '/v1/account')
      return json(res, 200, {
        id: FAKE_STRIPE_ACCOUNT,
        object: 'account',
        settings: { dashboard: { display_name: 'Fake Stripe Co' } },
        default_currency: 'usd',
      });
    if (url.pathname === '/v1/balance')
      return json(res, 200, {
        object: 'balance',
        available: [{ amount: 0, currency: 'usd' }],
        pending: [],
        livemode: false,
      });
    const coupon = /^\/v1\/coupons\/([^/]+)$/.exec(url.pathname);
    if (coupon) {
      const found = couponsOf(fake.data.subscriptions).get(decodeURIComponent(coupon[1]!));
      if (found) return json(res, 200, { object: 'coupon', ...found });
      call.status = 404;
      return json(res, 404, error('invalid_request_error', `No such coupon: '${coupon[1]}'`));
    }
    const list = url.pathname.replace(/^\/v1\//, '') as StripeList;
    if (!(list in STRIPE_LISTS)) {
      call.status = 404;
      return json(res, 404, error('invalid_request_error', `Unrecognized request URL (GET: ${url.pathname}).`));
    }
    const q = url.searchParams;
    let rows = [...fake.data[list]].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    if (list === 'subscriptions' && q.get('status') !== 'all')
      rows = rows.filter((r) => r.status !== 'canceled' && r.status !== 'incomplete_expired');
    const num = (k: string) => (q.has(k) ? Number(q.get(k)) : undefined);
    const [gt, gte, lt, lte] = [num('created[gt]'), num('created[gte]'), num('created[lt]'), num('created[lte]')];
    rows = rows.filter(
      (r) =>
        (gt === undefined || r.created > gt) &&
        (gte === undefined || r.created >= gte) &&
        (lt === undefined || r.created < lt) &&
        (lte === undefined || r.created <= lte),
    );
    const after = q.get('starting_after');
    if (after) {
      const i = rows.findIndex((r) => r.id === after);
      if (i < 0) return json(res, 400, error('invalid_request_error', `No such object: '${after}'`));
      rows = rows.slice(i + 1);
    }
    const limit = Math.min(100, Math.max(1, Number(q.get('limit') ?? 10)));
    // stripe-node sends arrays as expand[0]=…&expand[1]=…
    const expand = [...q.entries()].filter(([k]) => /^expand\[\d*\]$/.test(k)).map(([, v]) => v);
    const page = rows.slice(0, limit).map((r) => (list === 'subscriptions' ? asServed(r, expand) : r));
    return json(res, 200, { object: 'list', url: url.pathname, has_more: rows.length > limit, data: page });
  });
  const listening = await listenLocal(server);
  fake.url = listening.url;
  closeServer = listening.close;
  return fake;
}
