/**
 * The categorization pipeline: rules → the business's own history (exact merchant, then nearest neighbours
 * by embedding in pgvector) → built-in knowledge. Only the business's own categorized transactions are ever
 * consulted (never another business's). `apply: false` (the default) previews; with `apply: true`,
 * proposals at or above the threshold are written with their source and confidence, and the rest go to the
 * review queue. Runs in the caller's transaction: all of a batch or none of it.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, pgArray, queryRows } from '../../db/client';
import { auditLogs } from '../../db/schema';
import { NotFoundError } from '../../errors';
import { D } from '../../money';
import { type Embedder, LocalEmbedder } from './embed';
import { type CategoryOption, KNOWLEDGE_CONFIDENCE, knownCategory } from './knowledge';
import { normalizeDescription } from './normalize';
import { firstMatch, orderRules, type Rule } from './rules';

/** Kinds whose category is decided here: bank lines. Invoices and bills carry their accounts from upstream. */
export const CATEGORIZABLE_KINDS = ['SPEND', 'RECEIVE'] as const;
/** Categories a person or the books set; the examples similarity learns from. Machine guesses never are. */
const EXAMPLE_SOURCES = ['user', 'rule', 'upstream'];
const EXAMPLES = sql.raw(`array[${EXAMPLE_SOURCES.map((x) => `'${x}'`).join(',')}]`);
export const DEFAULT_THRESHOLD = 0.8;
const NEIGHBOURS = 10;
/** Neighbours further than this (cosine distance) say nothing about the merchant. */
const MAX_DISTANCE = 0.55;

export interface Proposal {
  category: string;
  accountCode: string | null;
  source: 'rule' | 'similar' | 'knowledge';
  confidence: number;
  /** Why, in a few words: the rule, the matching merchant, the neighbours. */
  reason: string;
}

export interface Categorized {
  id: string;
  date: string;
  description: string | null;
  amount: string;
  current: string | null;
  proposal: Proposal | null;
  action: 'apply' | 'review' | 'none';
}

export interface CategorizeOptions {
  transactionIds?: string[] | undefined;
  onlyUncategorized?: boolean;
  apply?: boolean;
  threshold?: number;
  limit?: number;
  embedder?: Embedder;
  actor?: Actor;
}

export interface Actor {
  type: 'user' | 'api_key' | 'agent' | 'system';
  id?: string | undefined;
  channel?: string | undefined;
}

export interface CategorizeResult {
  results: Categorized[];
  counts: { considered: number; apply: number; review: number; none: number };
  applied: boolean;
}

type Target = {
  id: string;
  date: string;
  description: string | null;
  counterparty: string | null;
  base_amount: string;
  normalized_description: string | null;
  has_embedding: boolean;
  category: string | null;
};

type RuleRow = Rule & {
  min_amount: string | null;
  max_amount: string | null;
  match_type: Rule['matchType'];
  account_code: string | null;
  created_at: string;
};

const vectorLiteral = (v: number[]) => `[${v.join(',')}]`;
const direction = (amount: string) => (new D(amount).gt(0) ? 'in' : 'out');

/** The business's categories: its chart of accounts (income and expense) and the names already in use. */
export async function categoryOptions(tx: Db, businessId: string): Promise<CategoryOption[]> {
  return queryRows<{ name: string; code: string | null }>(
    tx,
    sql`select name, code from accounts
        where business_id = ${businessId} and status = 'ACTIVE' and not is_bank
          and coalesce(class, '') in ('REVENUE', 'EXPENSE', '')
        union
        select distinct category, account_code from transactions
        where business_id = ${businessId} and category is not null and category_source = any(${EXAMPLES})
        order by 1`,
  );
}

/**
 * Normalized text and embeddings for transactions that lack them, in batches (one statement per batch).
 * `where` narrows which transactions; the business filter is always applied.
 */
export async function ensureEmbeddings(
  tx: Db,
  businessId: string,
  embedder: Embedder,
  where: SQL = sql`true`,
  batch = 2000,
): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await queryRows<{ id: string; description: string | null; counterparty: string | null }>(
      tx,
      sql`select id, description, counterparty from transactions
          where business_id = ${businessId} and embedding is null and deleted_at is null and ${where}
          limit ${batch}`,
    );
    if (!rows.length) return done;
    const texts = rows.map((r) => normalizeDescription(r.description || r.counterparty));
    const unique = [...new Set(texts)];
    const vectors = await embedder.embed(unique);
    const byText = new Map(unique.map((t, i) => [t, vectorLiteral(vectors[i]!)]));
    const values = sql.join(
      rows.map((r, i) => sql`(${r.id}::uuid, ${texts[i]!}, ${byText.get(texts[i]!)!}::vector)`),
      sql`, `,
    );
    await tx.execute(
      sql`update transactions t set normalized_description = v.n, embedding = v.e
          from (values ${values}) as v(id, n, e)
          where t.business_id = ${businessId} and t.id = v.id`,
    );
    done += rows.length;
  }
}

export async function categorize(
  tx: Db,
  business: { id: string },
  opts: CategorizeOptions = {},
): Promise<CategorizeResult> {
  const businessId = business.id;
  const threshold = opts.threshold ?? DEFAULT_THRESHOLD;
  const embedder = opts.embedder ?? new LocalEmbedder();
  const onlyUncategorized = opts.onlyUncategorized ?? !opts.transactionIds;
  const limit = Math.min(opts.limit ?? 500, 100_000);
  const kinds = sql.raw(`array[${CATEGORIZABLE_KINDS.map((k) => `'${k}'`).join(',')}]`);
  const selected = sql`kind = any(${kinds}) ${opts.transactionIds ? sql`and id = any(${pgArray(opts.transactionIds)}::uuid[])` : sql``}
    ${onlyUncategorized ? sql`and category is null` : sql``}`;

  // 1. The transactions to categorize, with text and embeddings; and the examples' embeddings.
  await ensureEmbeddings(tx, businessId, embedder, sql`${selected}`);
  await ensureEmbeddings(tx, businessId, embedder, sql`category_source = any(${EXAMPLES})`);
  const targets = await queryRows<Target>(
    tx,
    sql`select id, date::text as date, description, counterparty, base_amount::text as base_amount,
          normalized_description, embedding is not null as has_embedding, category
        from transactions
        where business_id = ${businessId} and deleted_at is null and ${selected}
        order by date, id
        limit ${limit}`,
  );
  if (opts.transactionIds) {
    const found = new Set(targets.map((t) => t.id));
    const missing = opts.transactionIds.filter((id) => !found.has(id));
    if (missing.length)
      throw new NotFoundError(`No bank transaction ${missing[0]} to categorize (only spend and receive lines are).`);
  }

  // 2. Rules.
  const rules = orderRules(
    (
      await queryRows<RuleRow>(
        tx,
        sql`select id, match_type, pattern, direction, min_amount::text, max_amount::text, category, account_code, priority, created_at
            from category_rules where business_id = ${businessId} and active and deleted_at is null`,
      )
    ).map((r) => ({
      ...r,
      matchType: r.match_type,
      minAmount: r.min_amount,
      maxAmount: r.max_amount,
      accountCode: r.account_code,
      createdAt: r.created_at,
    })),
  );
  const proposals = new Map<string, Proposal>();
  const ruleHits = new Map<string, number>();
  for (const t of targets) {
    const rule = firstMatch(rules, {
      description: t.description,
      counterparty: t.counterparty,
      baseAmount: t.base_amount,
    });
    if (!rule) continue;
    proposals.set(t.id, {
      category: rule.category,
      accountCode: rule.accountCode,
      source: 'rule',
      confidence: 1,
      reason: `rule: ${rule.matchType} "${rule.pattern}"`,
    });
    ruleHits.set(rule.id, (ruleHits.get(rule.id) ?? 0) + 1);
  }

  // 3. The business's history: the same merchant first (one query for the batch), then nearest neighbours.
  const rest = targets.filter((t) => !proposals.has(t.id));
  const texts = [...new Set(rest.map((t) => t.normalized_description ?? '').filter(Boolean))];
  const exact = new Map<string, { category: string; account_code: string | null; n: number; w: number }[]>();
  if (texts.length) {
    const rows = await queryRows<{ key: string; category: string; account_code: string | null; n: number; w: string }>(
      tx,
      sql`select normalized_description || '|' || (case when base_amount > 0 then 'in' else 'out' end) as key,
            category, account_code, count(*)::int as n,
            sum(case when category_source = 'user' then 3 else 1 end)::text as w
          from transactions
          where business_id = ${businessId} and deleted_at is null and category is not null
            and category_source = any(${EXAMPLES})
            and normalized_description = any(${pgArray(texts)}::text[])
          group by 1, 2, 3`,
    );
    for (const r of rows) {
      const list = exact.get(r.key) ?? [];
      list.push({ category: r.category, account_code: r.account_code, n: Number(r.n), w: Number(r.w) });
      exact.set(r.key, list);
    }
  }
  const needNeighbours: Target[] = [];
  for (const t of rest) {
    const votes = exact.get(`${t.normalized_description}|${direction(t.base_amount)}`);
    if (!votes?.length) {
      needNeighbours.push(t);
      continue;
    }
    const total = votes.reduce((s, v) => s + v.w, 0);
    const best = votes.reduce((a, b) => (b.w > a.w ? b : a));
    const n = votes.reduce((s, v) => s + v.n, 0);
    // One earlier example is a good sign, three agreeing ones are as good as a rule.
    const confidence = round((best.w / total) * Math.min(1, 0.7 + 0.1 * n));
    proposals.set(t.id, {
      category: best.category,
      accountCode: best.account_code,
      source: 'similar',
      confidence,
      reason: `same merchant: ${best.n} of ${n} earlier "${t.normalized_description}" lines`,
    });
  }
  if (needNeighbours.length) {
    // Exact search among this business's examples keeps one business's data out of another's answers.
    for (let i = 0; i < needNeighbours.length; i += 200) {
      const chunk = needNeighbours.slice(i, i + 200);
      const rows = await queryRows<{
        id: string;
        category: string;
        account_code: string | null;
        dist: number;
        source: string;
      }>(
        tx,
        sql`select q.id, n.category, n.account_code, n.dist, n.category_source as source
            from transactions q
            cross join lateral (
              select e.category, e.account_code, e.category_source, (e.embedding <=> q.embedding) as dist
              from transactions e
              where e.business_id = ${businessId} and e.deleted_at is null and e.category is not null
                and e.category_source = any(${EXAMPLES})
                and e.embedding is not null and e.id <> q.id
                and (e.base_amount > 0) = (q.base_amount > 0)
              order by e.embedding <=> q.embedding
              limit ${NEIGHBOURS}
            ) n
            where q.business_id = ${businessId} and q.id = any(${pgArray(chunk.map((t) => t.id))}::uuid[]) and q.embedding is not null`,
      );
      const byTarget = new Map<string, typeof rows>();
      for (const r of rows) byTarget.set(r.id, [...(byTarget.get(r.id) ?? []), r]);
      for (const t of chunk) {
        const near = (byTarget.get(t.id) ?? []).filter((r) => Number(r.dist) <= MAX_DISTANCE);
        if (!near.length) continue;
        const weights = new Map<string, { w: number; best: number; code: string | null; n: number }>();
        let total = 0;
        for (const r of near) {
          const sim = 1 - Number(r.dist);
          const w = sim * sim * (r.source === 'user' ? 2 : 1);
          total += w;
          const cur = weights.get(r.category) ?? { w: 0, best: 0, code: r.account_code, n: 0 };
          cur.w += w;
          cur.n += 1;
          cur.best = Math.max(cur.best, sim);
          weights.set(r.category, cur);
        }
        const [category, win] = [...weights.entries()].reduce((a, b) => (b[1].w > a[1].w ? b : a));
        proposals.set(t.id, {
          category,
          accountCode: win.code,
          source: 'similar',
          // Agreement times closeness (saturating: near enough is near enough) times how many agree.
          confidence: round((win.w / total) * Math.min(1, win.best / 0.6) * Math.min(1, 0.7 + 0.1 * win.n)),
          reason: `${win.n} of ${near.length} similar earlier lines`,
        });
      }
    }
  }

  // 4. Built-in knowledge where the history had nothing confident to say.
  const options = await categoryOptions(tx, businessId);
  for (const t of targets) {
    const p = proposals.get(t.id);
    if (p && p.confidence >= KNOWLEDGE_CONFIDENCE) continue;
    const text = `${t.normalized_description ?? ''} ${normalizeDescription(t.counterparty)}`.trim();
    const known = knownCategory(text, direction(t.base_amount), options);
    if (known)
      proposals.set(t.id, {
        category: known.category.name,
        accountCode: known.category.code,
        source: 'knowledge',
        confidence: KNOWLEDGE_CONFIDENCE,
        reason: `looks like ${known.kind.replace(/_/g, ' ')}`,
      });
  }

  const results: Categorized[] = targets.map((t) => {
    const proposal = proposals.get(t.id) ?? null;
    const action: Categorized['action'] = !proposal
      ? 'none'
      : proposal.source !== 'knowledge' && proposal.confidence >= threshold
        ? 'apply'
        : 'review';
    return {
      id: t.id,
      date: t.date,
      description: t.description,
      amount: t.base_amount,
      current: t.category,
      proposal,
      action,
    };
  });
  const counts = {
    considered: results.length,
    apply: results.filter((r) => r.action === 'apply').length,
    review: results.filter((r) => r.action === 'review').length,
    none: results.filter((r) => r.action === 'none').length,
  };
  if (opts.apply) await write(tx, businessId, results, ruleHits, opts.actor ?? { type: 'system' });
  return { results, counts, applied: Boolean(opts.apply) };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

async function write(
  tx: Db,
  businessId: string,
  results: Categorized[],
  ruleHits: Map<string, number>,
  actor: Actor,
): Promise<void> {
  const by = actor.id ? `${actor.type}:${actor.id}` : actor.type;
  const apply = results.filter((r) => r.action === 'apply');
  for (let i = 0; i < apply.length; i += 1000) {
    const values = sql.join(
      apply.slice(i, i + 1000).map((r) => {
        const p = r.proposal!;
        return sql`(${r.id}::uuid, ${p.category}, ${p.accountCode}, ${p.source === 'rule' ? 'rule' : 'similar'}, ${p.confidence}::real)`;
      }),
      sql`, `,
    );
    await tx.execute(
      sql`update transactions t set category = v.c, account_code = v.a, category_source = v.s,
            category_confidence = v.f, updated_at = now()
          from (values ${values}) as v(id, c, a, s, f)
          where t.business_id = ${businessId} and t.id = v.id`,
    );
  }
  // Applied lines leave the queue; the rest replace any older open proposal for the same line.
  if (apply.length)
    await tx.execute(
      sql`update category_reviews set status = 'superseded', resolved_at = now(), resolved_by = ${by}
          where business_id = ${businessId} and status = 'open' and transaction_id = any(${pgArray(apply.map((r) => r.id))}::uuid[])`,
    );
  const review = results.filter((r) => r.action === 'review');
  for (let i = 0; i < review.length; i += 1000) {
    const values = sql.join(
      review.slice(i, i + 1000).map((r) => {
        const p = r.proposal!;
        return sql`(${businessId}::uuid, ${r.id}::uuid, ${p.category}, ${p.accountCode}, ${p.source}, ${p.confidence}::real)`;
      }),
      sql`, `,
    );
    await tx.execute(
      sql`insert into category_reviews (business_id, transaction_id, category, account_code, source, confidence)
          values ${values}
          on conflict (business_id, transaction_id) do update set
            category = excluded.category, account_code = excluded.account_code, source = excluded.source,
            confidence = excluded.confidence, status = 'open', resolved_at = null, resolved_by = null,
            created_at = now()`,
    );
  }
  for (const [id, hits] of ruleHits)
    await tx.execute(
      sql`update category_rules set hit_count = hit_count + ${hits}, updated_at = now() where business_id = ${businessId} and id = ${id}`,
    );
  await tx.insert(auditLogs).values({
    businessId,
    actorType: actor.type,
    actorId: actor.id ?? null,
    channel: actor.channel ?? null,
    action: 'categorize',
    entityType: 'transactions',
    newValues: {
      applied: apply.map((r) => ({ id: r.id, old: r.current, new: r.proposal!.category })).slice(0, 1000),
      applyCount: apply.length,
      queued: review.length,
    },
  });
}
