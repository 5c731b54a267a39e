/**
 * What people do to categories: correct one transaction (it becomes an example at once, and three
 * consistent corrections of one merchant produce a rule proposal), create rules, and work the review queue.
 * Each change is previewed unless `apply` is set, and audited with old and new values.
 */

import { sql } from 'drizzle-orm';
import { type Actor, actorLabel, audit } from '../../db/audit';
import { type Db, isUuid, queryRows } from '../../db/client';
import { categoryRules } from '../../db/schema';
import { InvalidInputError, NotFoundError } from '../../errors';
import { followAccountCodes } from '../ledger';
import { type Embedder, LocalEmbedder } from './embed';
import { BANK_LINE_COLUMNS, type BankLineRow, categoryOptions, ensureEmbeddings } from './index';
import { firstMatch, type Rule, validateRule } from './rules';

/** Corrections of one merchant to one category before a rule is proposed. */
export const RULE_SUGGESTION_AFTER = 3;

type TxRow = {
  id: string;
  date: string;
  description: string | null;
  counterparty: string | null;
  base_amount: string;
  kind: string;
  category: string | null;
  account_code: string | null;
  category_source: string | null;
  normalized_description: string | null;
};

async function loadTransaction(tx: Db, businessId: string, id: string): Promise<TxRow> {
  const [row] = isUuid(id)
    ? await queryRows<TxRow>(
        tx,
        sql`select id, date::text as date, description, counterparty, base_amount::text as base_amount, kind,
              category, account_code, category_source, normalized_description
            from transactions where business_id = ${businessId} and id = ${id} and deleted_at is null`,
      )
    : [];
  if (!row) throw new NotFoundError(`No transaction ${id}.`);
  return row;
}

export interface CorrectionResult {
  transaction: { id: string; date: string; description: string | null; amount: string };
  old: { category: string | null; accountCode: string | null; source: string | null };
  new: { category: string; accountCode: string | null; source: 'user' };
  applied: boolean;
  /** Set when this merchant has been corrected to this category often enough to deserve a rule. */
  suggestedRule: { matchType: 'equals'; pattern: string; category: string; corrections: number } | null;
}

export async function setTransactionCategory(
  tx: Db,
  business: { id: string },
  input: { transactionId: string; category: string; accountCode?: string | undefined },
  actor: Actor,
  opts: { apply?: boolean; embedder?: Embedder } = {},
): Promise<CorrectionResult> {
  const businessId = business.id;
  const category = input.category.trim();
  if (!category || category.length > 100) throw new InvalidInputError('category: between 1 and 100 characters.');
  const t = await loadTransaction(tx, businessId, input.transactionId);
  const known = (await categoryOptions(tx, businessId)).find((c) => c.name.toLowerCase() === category.toLowerCase());
  const accountCode = input.accountCode ?? known?.code ?? null;
  const name = known?.name ?? category;
  const result: CorrectionResult = {
    transaction: { id: t.id, date: t.date, description: t.description, amount: t.base_amount },
    old: { category: t.category, accountCode: t.account_code, source: t.category_source },
    new: { category: name, accountCode, source: 'user' },
    applied: false,
    suggestedRule: null,
  };
  if (!opts.apply) return result;

  await tx.execute(
    sql`update transactions set category = ${name}, account_code = ${accountCode}, category_source = 'user',
          category_confidence = 1, updated_at = now()
        where business_id = ${businessId} and id = ${t.id}`,
  );
  await followAccountCodes(tx, businessId, [t.id]);
  // The correction is an example for the very next lookup: make sure it has its text and vector.
  await ensureEmbeddings(tx, businessId, opts.embedder ?? new LocalEmbedder(), sql`id = ${t.id}`);
  await tx.execute(
    sql`update category_reviews
        set status = case when category = ${name} then 'accepted' else 'corrected' end,
            resolved_at = now(), resolved_by = ${actorLabel(actor)}
        where business_id = ${businessId} and transaction_id = ${t.id} and status = 'open'`,
  );
  await audit(tx, businessId, actor, {
    action: 'set_category',
    entityType: 'transaction',
    entityId: t.id,
    oldValues: result.old,
    newValues: result.new,
  });
  result.applied = true;

  const [n] = await queryRows<{ normalized: string | null; corrections: number; ruled: boolean }>(
    tx,
    sql`select t.normalized_description as normalized,
          (select count(*)::int from transactions c
            where c.business_id = ${businessId} and c.category_source = 'user' and c.category = ${name}
              and c.normalized_description = t.normalized_description and c.deleted_at is null) as corrections,
          exists (select 1 from category_rules r
            where r.business_id = ${businessId} and r.active and r.deleted_at is null and r.category = ${name}
              and r.match_type in ('equals', 'contains') and lower(r.pattern) = t.normalized_description) as ruled
        from transactions t where t.business_id = ${businessId} and t.id = ${t.id}`,
  );
  if (n?.normalized && !n.ruled && Number(n.corrections) >= RULE_SUGGESTION_AFTER)
    result.suggestedRule = {
      matchType: 'equals',
      pattern: n.normalized,
      category: name,
      corrections: Number(n.corrections),
    };
  return result;
}

export interface RuleInput {
  matchType: Rule['matchType'];
  pattern: string;
  direction?: Rule['direction'];
  minAmount?: string | undefined;
  maxAmount?: string | undefined;
  category: string;
  accountCode?: string | undefined;
  priority?: number;
}

export interface RuleResult {
  rule: Omit<Rule, 'id'> & { id: string | null };
  /** How many of the most recent bank lines it matches, with a few examples. */
  matches: {
    checked: number;
    matched: number;
    examples: { id: string; date: string; description: string | null; amount: string; category: string | null }[];
  };
  applied: boolean;
}

export async function createCategoryRule(
  tx: Db,
  business: { id: string },
  input: RuleInput,
  actor: Actor,
  opts: { apply?: boolean } = {},
): Promise<RuleResult> {
  const businessId = business.id;
  const category = input.category.trim();
  if (!category || category.length > 100) throw new InvalidInputError('category: between 1 and 100 characters.');
  const draft: Rule = {
    id: 'draft',
    matchType: input.matchType,
    pattern: input.pattern.trim(),
    direction: input.direction ?? 'any',
    minAmount: input.minAmount ?? null,
    maxAmount: input.maxAmount ?? null,
    category,
    accountCode:
      input.accountCode ?? (await categoryOptions(tx, businessId)).find((c) => c.name === category)?.code ?? null,
    priority: input.priority ?? 0,
  };
  validateRule(draft);

  const recent = await queryRows<BankLineRow>(
    tx,
    sql`select ${BANK_LINE_COLUMNS}
        from transactions where business_id = ${businessId} and deleted_at is null and kind in ('SPEND', 'RECEIVE')
        order by transactions.date desc, transactions.id desc limit 5000`,
  );
  const hits = recent.filter((r) =>
    firstMatch([draft], { description: r.description, counterparty: r.counterparty, baseAmount: r.base_amount }),
  );
  const result: RuleResult = {
    rule: { ...draft, id: null },
    matches: {
      checked: recent.length,
      matched: hits.length,
      examples: hits.slice(0, 5).map((r) => ({
        id: r.id,
        date: r.date,
        description: r.description,
        amount: r.base_amount,
        category: r.category,
      })),
    },
    applied: false,
  };
  if (!opts.apply) return result;
  const [row] = await tx
    .insert(categoryRules)
    .values({
      businessId,
      matchType: draft.matchType,
      pattern: draft.pattern,
      direction: draft.direction,
      minAmount: draft.minAmount,
      maxAmount: draft.maxAmount,
      category: draft.category,
      accountCode: draft.accountCode,
      priority: draft.priority,
      createdBy: actorLabel(actor),
    })
    .returning({ id: categoryRules.id });
  await audit(tx, businessId, actor, {
    action: 'create_rule',
    entityType: 'category_rule',
    entityId: row!.id,
    newValues: { ...draft, id: row!.id },
  });
  return { ...result, rule: { ...draft, id: row!.id }, applied: true };
}

export type ReviewItem = {
  transactionId: string;
  date: string;
  description: string | null;
  amount: string;
  category: string;
  accountCode: string | null;
  source: string;
  confidence: number;
  /** Why it was proposed; null for proposals queued before reasons were kept. */
  reason: string | null;
};

/** The open review queue, least confident first. */
export async function listReviews(
  tx: Db,
  businessId: string,
  limit = 50,
): Promise<{ items: ReviewItem[]; total: number }> {
  const items = await queryRows<ReviewItem>(
    tx,
    sql`select r.transaction_id as "transactionId", t.date::text as date, t.description, t.base_amount::text as amount,
          r.category, r.account_code as "accountCode", r.source, r.confidence, r.reason
        from category_reviews r join transactions t on t.business_id = r.business_id and t.id = r.transaction_id
        where r.business_id = ${businessId} and r.status = 'open'
        order by r.confidence, t.date desc limit ${limit}`,
  );
  const [c] = await queryRows<{ n: number }>(
    tx,
    sql`select count(*)::int as n from category_reviews where business_id = ${businessId} and status = 'open'`,
  );
  return { items: items.map((i) => ({ ...i, confidence: Number(i.confidence) })), total: Number(c?.n ?? 0) };
}

/** The open review of one transaction, if any. */
export async function openReview(tx: Db, businessId: string, transactionId: string): Promise<ReviewItem | null> {
  if (!isUuid(transactionId)) return null;
  const [row] = await queryRows<ReviewItem>(
    tx,
    sql`select r.transaction_id as "transactionId", t.date::text as date, t.description, t.base_amount::text as amount,
          r.category, r.account_code as "accountCode", r.source, r.confidence, r.reason
        from category_reviews r join transactions t on t.business_id = r.business_id and t.id = r.transaction_id
        where r.business_id = ${businessId} and r.transaction_id = ${transactionId} and r.status = 'open'`,
  );
  return row ? { ...row, confidence: Number(row.confidence) } : null;
}
