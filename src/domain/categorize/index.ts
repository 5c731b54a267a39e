/**
 * The categorization pipeline: rules → the business's own history (exact merchant, then nearest neighbours
 * by embedding in pgvector) → built-in knowledge. Only the business's own categorized transactions are ever
 * consulted (never another business's). `apply: false` (the default) previews; with `apply: true`,
 * proposals at or above the threshold are written with their source and confidence, and the rest go to the
 * review queue. Runs in the caller's transaction: all of a batch or none of it.
 */

import { type SQL, sql } from 'drizzle-orm';
import { type Actor, actorLabel, audit } from '../../db/audit';
import { type Db, pgArray, queryRows } from '../../db/client';
import { NotFoundError } from '../../errors';
import type { Logger } from '../../logger';
import { D } from '../../money';
import { followAccountCodes } from '../ledger';
import { type Brand, brandOf } from './brands';
import { type Embedder, LocalEmbedder } from './embed';
import {
  BRAND_CONFIDENCE,
  BRAND_GUESS_CONFIDENCE,
  type CategoryOption,
  KNOWLEDGE_CONFIDENCE,
  kindCategory,
  knownCategory,
} from './knowledge';
import { mccKind } from './mcc';
import { type CategoryModel, MODEL_BATCH, type ModelAnswer } from './model';
import { merchantText, normalizeDescription } from './normalize';
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
  source: 'rule' | 'similar' | 'model' | 'knowledge';
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
  /** Only lines without a category (the default without `transactionIds`); with them, others are skipped. */
  onlyUncategorized?: boolean;
  apply?: boolean;
  threshold?: number;
  limit?: number;
  embedder?: Embedder;
  /** Asked about lines still below the threshold after rules and history; absent (offline): they go to review. */
  model?: CategoryModel | undefined;
  /** Where a model failure is reported (categorization carries on without it). */
  logger?: Logger;
  actor?: Actor;
}

export interface CategorizeResult {
  results: Categorized[];
  counts: { considered: number; apply: number; review: number; none: number };
  applied: boolean;
}

/** A bank line as categorization reads it (`BANK_LINE_COLUMNS`). */
export type BankLineRow = {
  id: string;
  date: string;
  description: string | null;
  counterparty: string | null;
  source: string;
  base_amount: string;
  category: string | null;
  /** The merchant category code a statement gave (metadata.mcc). */
  mcc: string | null;
};
export const BANK_LINE_COLUMNS = sql`id, date::text as date, description, counterparty, source, base_amount::text as base_amount, category, metadata->>'mcc' as mcc`;

type Target = BankLineRow & {
  /** The merchant key: its brand's, else the merchant text normalized. */
  normalized: string;
  brand: Brand | null;
};

/** A bank line's merchant key (stored as normalized_description) and the brand it names, if any. */
function merchantOf(line: Pick<BankLineRow, 'source' | 'description' | 'counterparty'>) {
  const normalized = normalizeDescription(merchantText(line));
  const brand = brandOf(normalized);
  return { normalized: brand?.key ?? normalized, brand };
}
/**
 * Bumped whenever merchant keys change (normalization, brands.json): stored keys and vectors are then made
 * again, as when the embedder changes, so old and new keys are never compared.
 */
export const MERCHANT_KEYS = 2;

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
    const rows = await queryRows<{
      id: string;
      description: string | null;
      counterparty: string | null;
      source: string;
    }>(
      tx,
      sql`select id, description, counterparty, source from transactions
          where business_id = ${businessId} and embedding is null and deleted_at is null and ${where}
          limit ${batch}`,
    );
    if (!rows.length) return done;
    const texts = rows.map((r) => merchantOf(r).normalized);
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

/** Text and vectors for the business's examples that lack them (after an import or a sync). */
export function embedExamples(tx: Db, businessId: string, embedder: Embedder = new LocalEmbedder()): Promise<number> {
  return ensureEmbeddings(tx, businessId, embedder, sql`category is not null and category_source = any(${EXAMPLES})`);
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

  // 1. The examples carry their text and vectors (a no-op once they do); the targets' are computed here.
  //    Vectors from another embedder live in another space: when it changed, they are made again.
  await useEmbedder(tx, businessId, embedder);
  await embedExamples(tx, businessId, embedder);
  const targets = (
    await queryRows<BankLineRow>(
      tx,
      sql`select ${BANK_LINE_COLUMNS}
          from transactions
          where business_id = ${businessId} and deleted_at is null and ${selected}
          order by transactions.date, transactions.id
          limit ${limit}`,
    )
  ).map((t) => ({ ...t, ...merchantOf(t) }));
  // Lines asked for by id must be there; with onlyUncategorized as well, those filed or no longer spend or
  // receive lines are simply left out (what an import's follow-up wants).
  if (opts.transactionIds && !opts.onlyUncategorized) {
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

  // 3. The business's history, once per distinct merchant text and direction: the same merchant first
  //    (one query for the batch), then nearest neighbours by embedding.
  const rest = targets.filter((t) => !proposals.has(t.id));
  const keyOf = (t: Target) => `${t.normalized}|${direction(t.base_amount)}`;
  const groups = new Map<string, Target[]>();
  for (const t of rest) {
    if (!t.normalized) continue;
    const list = groups.get(keyOf(t));
    if (list) list.push(t);
    else groups.set(keyOf(t), [t]);
  }
  const history = new Map<string, Proposal>();
  /** Merchants the business has filed before: their own history outranks what is known about brands. */
  const seenBefore = new Set<string>();
  const texts = [...new Set([...groups.values()].map((g) => g[0]!.normalized))];
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
    const exact = new Map<string, { category: string; account_code: string | null; n: number; w: number }[]>();
    for (const r of rows) {
      const list = exact.get(r.key) ?? [];
      list.push({ category: r.category, account_code: r.account_code, n: Number(r.n), w: Number(r.w) });
      exact.set(r.key, list);
    }
    for (const [key, votes] of exact) {
      const total = votes.reduce((sum, v) => sum + v.w, 0);
      const best = votes.reduce((a, b) => (b.w > a.w ? b : a));
      const n = votes.reduce((sum, v) => sum + v.n, 0);
      seenBefore.add(key);
      history.set(key, {
        category: best.category,
        accountCode: best.account_code,
        source: 'similar',
        // One earlier example is a good sign, three agreeing ones are as good as a rule.
        confidence: round((best.w / total) * Math.min(1, 0.7 + 0.1 * n)),
        reason: `same merchant: ${best.n} of ${n} earlier "${key.split('|')[0]}" lines`,
      });
    }
  }
  const unseen = [...groups.keys()].filter((k) => !history.has(k));
  /** Each unseen merchant's nearest categorized lines: examples for the model. */
  const neighbours = new Map<string, { text: string; category: string }[]>();
  for (let i = 0; i < unseen.length; i += 100) {
    const keys = unseen.slice(i, i + 100);
    const vectors = await embedder.embed(keys.map((k) => k.split('|')[0]!));
    const queries = sql.join(
      keys.map((k, j) => sql`(${k}::text, ${vectorLiteral(vectors[j]!)}::vector, ${k.endsWith('|in')}::boolean)`),
      sql`, `,
    );
    // Exact search among this business's own examples (one business's data never answers for another),
    // each distinct merchant text once, weighted by how many lines it stands for. "+ 0" keeps the planner
    // off the HNSW index, which every business shares and which is approximate.
    const rows = await queryRows<{
      key: string;
      text: string;
      category: string;
      account_code: string | null;
      dist: number;
      n: number;
      user_set: boolean;
    }>(
      tx,
      sql`with ex as materialized (
            select normalized_description, base_amount > 0 as inflow, category, account_code, count(*)::int as n,
              bool_or(category_source = 'user') as user_set, (array_agg(embedding))[1] as embedding
            from transactions
            where business_id = ${businessId} and deleted_at is null and category is not null
              and category_source = any(${EXAMPLES}) and embedding is not null
            group by 1, 2, 3, 4
          )
          select q.key, n.text, n.category, n.account_code, n.dist, n.n, n.user_set
          from (values ${queries}) as q(key, v, inflow)
          cross join lateral (
            select ex.normalized_description as text, ex.category, ex.account_code, ex.n, ex.user_set,
              (ex.embedding <=> q.v) as dist
            from ex where ex.inflow = q.inflow
            order by (ex.embedding <=> q.v) + 0
            limit ${NEIGHBOURS}
          ) n`,
    );
    const byKey = new Map<string, typeof rows>();
    for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
    for (const [key, near] of byKey)
      neighbours.set(
        key,
        near.map((r) => ({ text: r.text, category: r.category })),
      );
    for (const key of keys) {
      const near = (byKey.get(key) ?? []).filter((r) => Number(r.dist) <= MAX_DISTANCE);
      if (!near.length) continue;
      const weights = new Map<string, { w: number; best: number; code: string | null; n: number }>();
      let total = 0;
      let lineCount = 0;
      for (const r of near) {
        const sim = 1 - Number(r.dist);
        const lines = Math.min(Number(r.n), 5);
        lineCount += lines;
        const w = sim * sim * (r.user_set ? 2 : 1) * lines;
        total += w;
        const cur = weights.get(r.category) ?? { w: 0, best: 0, code: r.account_code, n: 0 };
        cur.w += w;
        cur.n += lines;
        cur.best = Math.max(cur.best, sim);
        weights.set(r.category, cur);
      }
      const [category, win] = [...weights.entries()].reduce((a, b) => (b[1].w > a[1].w ? b : a));
      history.set(key, {
        category,
        accountCode: win.code,
        source: 'similar',
        // Agreement times closeness (saturating: near enough is near enough) times how many agree.
        confidence: round((win.w / total) * Math.min(1, win.best / 0.6) * Math.min(1, 0.7 + 0.1 * win.n)),
        // Each neighbour counts as up to five lines, as in the vote.
        reason: `${win.n} of ${lineCount} similar earlier lines`,
      });
    }
  }
  for (const [key, members] of groups) {
    const p = history.get(key);
    if (p) for (const t of members) proposals.set(t.id, p);
  }

  const options = await categoryOptions(tx, businessId);
  /**
   * What the merchant category code the bank gave, else the brand (name-suggestion-index), says about a line
   * the business has no rule or history for: a kind the business has a category for.
   */
  const byKind = new Map<string, Proposal>();
  for (const t of targets) {
    if (proposals.get(t.id)?.source === 'rule' || seenBefore.has(keyOf(t))) continue;
    const mcc = mccKind(t.mcc);
    const told = mcc
      ? { kind: mcc, sure: true, reason: `merchant category code ${t.mcc}: ${mcc}` }
      : t.brand
        ? {
            kind: t.brand.kind,
            sure: t.brand.sure,
            reason: `${t.brand.name} is ${ARTICLE[t.brand.kind] ?? t.brand.kind} brand (name-suggestion-index)`,
          }
        : null;
    const hit = told && kindCategory(told.kind, options);
    if (!told || !hit) continue;
    byKind.set(t.id, {
      category: hit.category.name,
      accountCode: hit.category.code,
      source: 'knowledge',
      confidence: hit.close && told.sure ? BRAND_CONFIDENCE : BRAND_GUESS_CONFIDENCE,
      reason: told.reason,
    });
  }
  const settled = (t: Target) => Math.max(proposals.get(t.id)?.confidence ?? 0, byKind.get(t.id)?.confidence ?? 0);
  // 4. The model, for merchants still below the threshold (and not settled by their brand or code): its cached
  //    answers first, then in batches.
  if (opts.model) {
    const unsure = [...groups.entries()].filter(([, members]) => members.some((t) => settled(t) < threshold));
    const answers = await askModel(tx, businessId, opts.model, unsure, neighbours, options, {
      save: Boolean(opts.apply),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
    for (const [key, members] of unsure) {
      const a = answers.get(key);
      if (!a) continue;
      for (const t of members) if ((proposals.get(t.id)?.confidence ?? 0) < a.confidence) proposals.set(t.id, a);
    }
  }

  // 5. What is known about the merchant. Its code or brand (above) outranks guesses from other merchants'
  //    lines (nearest neighbours), and a model's answer when that is less sure; never a rule or the merchant's
  //    own history. Then words for common movements, where nothing else had anything confident to say.
  for (const t of targets) {
    const p = proposals.get(t.id);
    const k = byKind.get(t.id);
    if (k && (!p || p.source === 'similar' || p.source === 'knowledge' || p.confidence < k.confidence)) {
      proposals.set(t.id, k);
      continue;
    }
    if (p && p.confidence >= KNOWLEDGE_CONFIDENCE) continue;
    // The merchant, and for a statement with a payee column its purpose text too ("REWE SAGT DANKE").
    const text = [...new Set([t.normalized, normalizeDescription(t.counterparty), normalizeDescription(t.description)])]
      .filter(Boolean)
      .join(' ');
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
    // Knowledge applies only as a clear brand (BRAND_CONFIDENCE), never as a word in the description.
    const needed = proposal?.source === 'knowledge' ? Math.max(threshold, BRAND_CONFIDENCE) : threshold;
    const action: Categorized['action'] = !proposal ? 'none' : proposal.confidence >= needed ? 'apply' : 'review';
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

/** "Engen is a fuel brand", "Hertz is a travel brand". */
const ARTICLE: Record<string, string> = {
  fuel: 'a fuel',
  groceries: 'a grocery',
  meals: 'a food and drink',
  medical: 'a pharmacy or health',
  travel: 'a travel',
  vehicle: 'a vehicle service',
  telecom: 'a telecom',
  insurance: 'an insurance',
  postage: 'a postal and courier',
  office: 'an office supplies',
  hardware: 'a hardware',
  retail: 'a general retail',
  entertainment: 'an entertainment',
};

async function write(
  tx: Db,
  businessId: string,
  results: Categorized[],
  ruleHits: Map<string, number>,
  actor: Actor,
): Promise<void> {
  const apply = results.filter((r) => r.action === 'apply');
  for (let i = 0; i < apply.length; i += 1000) {
    const values = sql.join(
      apply.slice(i, i + 1000).map((r) => {
        const p = r.proposal!;
        return sql`(${r.id}::uuid, ${p.category}, ${p.accountCode}, ${p.source}, ${p.confidence}::real)`;
      }),
      sql`, `,
    );
    await tx.execute(
      sql`update transactions t set category = v.c, account_code = v.a, category_source = v.s,
            category_confidence = v.f, updated_at = now()
          from (values ${values}) as v(id, c, a, s, f)
          where t.business_id = ${businessId} and t.id = v.id`,
    );
    await followAccountCodes(
      tx,
      businessId,
      apply.slice(i, i + 1000).map((r) => r.id),
    );
  }
  // Applied lines leave the queue; the rest replace any older open proposal for the same line.
  if (apply.length)
    await tx.execute(
      sql`update category_reviews set status = 'superseded', resolved_at = now(), resolved_by = ${actorLabel(actor)}
          where business_id = ${businessId} and status = 'open' and transaction_id = any(${pgArray(apply.map((r) => r.id))}::uuid[])`,
    );
  const review = results.filter((r) => r.action === 'review');
  for (let i = 0; i < review.length; i += 1000) {
    const values = sql.join(
      review.slice(i, i + 1000).map((r) => {
        const p = r.proposal!;
        return sql`(${businessId}::uuid, ${r.id}::uuid, ${p.category}, ${p.accountCode}, ${p.source}, ${p.confidence}::real, ${p.reason})`;
      }),
      sql`, `,
    );
    await tx.execute(
      sql`insert into category_reviews (business_id, transaction_id, category, account_code, source, confidence, reason)
          values ${values}
          on conflict (business_id, transaction_id) do update set
            category = excluded.category, account_code = excluded.account_code, source = excluded.source,
            confidence = excluded.confidence, reason = excluded.reason, status = 'open', resolved_at = null, resolved_by = null,
            created_at = now()`,
    );
  }
  for (const [id, hits] of ruleHits)
    await tx.execute(
      sql`update category_rules set hit_count = hit_count + ${hits}, updated_at = now() where business_id = ${businessId} and id = ${id}`,
    );
  await audit(tx, businessId, actor, {
    action: 'categorize',
    entityType: 'transactions',
    newValues: {
      applied: apply.map((r) => ({ id: r.id, old: r.current, new: r.proposal!.category })).slice(0, 1000),
      applyCount: apply.length,
      queued: review.length,
    },
  });
}

/**
 * The model's proposals for merchants (keys `normalized|in` or `|out`): cached answers for this business
 * first, the rest asked in batches of MODEL_BATCH. New answers are cached only when applying (a preview
 * writes nothing). A failing model is logged and skipped: those lines go to review as they would offline.
 */
async function askModel(
  tx: Db,
  businessId: string,
  model: CategoryModel,
  unsure: [string, Target[]][],
  neighbours: Map<string, { text: string; category: string }[]>,
  options: CategoryOption[],
  opts: { save: boolean; logger?: Logger },
): Promise<Map<string, Proposal>> {
  const out = new Map<string, Proposal>();
  const keyed = unsure.filter(([key]) => key.split('|')[0]);
  if (keyed.length === 0 || options.length === 0) return out;
  const codeOf = new Map(options.map((o) => [o.name, o.code]));
  const proposal = (category: string, confidence: number, reason: string): Proposal => ({
    category,
    accountCode: codeOf.get(category) ?? null,
    source: 'model',
    // A model's word is never certainty: capped, so the threshold still means something.
    confidence: round(Math.min(confidence, 0.95)),
    reason,
  });
  const cached = await queryRows<{
    normalized_description: string;
    inflow: boolean;
    category: string;
    confidence: number;
  }>(
    tx,
    sql`select normalized_description, inflow, category, confidence from category_model_cache
        where business_id = ${businessId} and normalized_description = any(${pgArray(keyed.map(([k]) => k.split('|')[0]!))}::text[])`,
  );
  for (const c of cached)
    if (codeOf.has(c.category))
      out.set(
        `${c.normalized_description}|${c.inflow ? 'in' : 'out'}`,
        proposal(c.category, c.confidence, 'model (cached)'),
      );
  const ask = keyed.filter(([key]) => !out.has(key));
  for (let i = 0; i < ask.length; i += MODEL_BATCH) {
    const batch = ask.slice(i, i + MODEL_BATCH);
    let answers: ModelAnswer[];
    try {
      answers = await model.classify(
        batch.map(([key, members]) => ({
          key,
          text: key.split('|')[0]!,
          direction: key.endsWith('|in') ? 'in' : 'out',
          amount: members[0]!.base_amount,
          examples: neighbours.get(key) ?? [],
        })),
        options.map((o) => o.name),
      );
    } catch (err) {
      opts.logger?.warn({ err, lines: batch.length }, 'categorization model unavailable; those lines go to review');
      break;
    }
    for (const a of answers) out.set(a.key, proposal(a.category, a.confidence, `model ${model.id}`));
    if (opts.save && answers.length)
      await tx.execute(
        sql`insert into category_model_cache (business_id, normalized_description, inflow, category, account_code, confidence, model)
            values ${sql.join(
              answers.map(
                (a) =>
                  sql`(${businessId}::uuid, ${a.key.split('|')[0]}, ${a.key.endsWith('|in')}::boolean, ${a.category}, ${codeOf.get(a.category) ?? null}, ${Math.min(a.confidence, 0.95)}::real, ${model.id})`,
              ),
              sql`, `,
            )}
            on conflict (business_id, normalized_description, inflow) do update set
              category = excluded.category, account_code = excluded.account_code,
              confidence = excluded.confidence, model = excluded.model, created_at = now()`,
      );
  }
  return out;
}

/**
 * Which embedder made the business's stored vectors (settings key `categorize.embedder`). Switching (the
 * local one ↔ an HTTP provider, or another model) clears them, so the next run embeds everything again in
 * the new space rather than comparing vectors from two.
 */
export async function useEmbedder(tx: Db, businessId: string, embedder: Embedder): Promise<{ changed: boolean }> {
  const [row] = await queryRows<{ value: { id?: string; keys?: number } }>(
    tx,
    sql`select value from settings where business_id = ${businessId} and key = 'categorize.embedder'`,
  );
  // Businesses from before this setting were embedded locally.
  const previous = row?.value?.id ?? 'local-hash-256';
  const keysChanged = (row?.value?.keys ?? 1) !== MERCHANT_KEYS;
  if (row && previous === embedder.id && !keysChanged) return { changed: false };
  if (previous !== embedder.id || keysChanged)
    await tx.execute(
      sql`update transactions set embedding = null where business_id = ${businessId} and embedding is not null`,
    );
  await tx.execute(
    sql`insert into settings (business_id, key, value) values (${businessId}, 'categorize.embedder', ${JSON.stringify({ id: embedder.id, keys: MERCHANT_KEYS })}::jsonb)
        on conflict (business_id, key) do update set value = excluded.value, updated_at = now()`,
  );
  return { changed: previous !== embedder.id };
}
