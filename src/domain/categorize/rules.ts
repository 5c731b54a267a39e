/**
 * Category rules: contains / equals / regex on the description, or an exact counterparty, with an optional
 * direction and amount range. The highest priority wins (then the oldest rule). A rule can never hang the
 * service: patterns are capped in length, and regexes with nested or overlapping repetition (the shapes
 * that backtrack catastrophically), backreferences and lookarounds are refused before they are ever run.
 */
import { InvalidInputError } from '../../errors';
import { D } from '../../money';
import { normalizeDescription } from './normalize';

export const MAX_PATTERN_LENGTH = 200;

export type Rule = {
  id: string;
  matchType: 'contains' | 'equals' | 'regex' | 'counterparty';
  pattern: string;
  direction: 'in' | 'out' | 'any';
  minAmount: string | null;
  maxAmount: string | null;
  category: string;
  accountCode: string | null;
  priority: number;
  createdAt?: string | Date;
};

export interface RuleTarget {
  description: string | null;
  counterparty: string | null;
  /** In the base currency; money in > 0. */
  baseAmount: string;
}

/** Why a regex is refused, or null when it is safe to run. */
export function unsafeRegex(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH) return `longer than ${MAX_PATTERN_LENGTH} characters`;
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not allowed';
  if (/\(\?<?[=!]/.test(pattern)) return 'lookarounds are not allowed';
  // A quantified group that itself contains a quantifier or an alternation: (a+)+, (a*)*, (a|aa)+, (\w+\s?)*.
  const stripped = pattern.replace(/\\./g, 'x').replace(/\[[^\]]*\]/g, 'x');
  const stack: { quantified: boolean; alternation: boolean }[] = [];
  for (let i = 0; i < stripped.length; i++) {
    const ch = stripped[i];
    if (ch === '(') stack.push({ quantified: false, alternation: false });
    else if (ch === '|' && stack.length) stack[stack.length - 1]!.alternation = true;
    else if (ch === ')') {
      const group = stack.pop();
      const next = stripped[i + 1];
      const repeated = next === '*' || next === '+' || next === '{';
      if (group && repeated && (group.quantified || group.alternation))
        return 'nested or overlapping repetition can take exponential time';
      if (stack.length && (repeated || group?.quantified)) stack[stack.length - 1]!.quantified = true;
    } else if ((ch === '*' || ch === '+' || ch === '{' || ch === '?') && stack.length) {
      stack[stack.length - 1]!.quantified = true;
    }
  }
  if (stack.length) return 'unbalanced parentheses';
  // Adjacent unbounded repeats of overlapping classes also backtrack polynomially at scale: .*.*.*
  if (/(?:\.\*|\.\+|\\[sSwWdD][*+]|x[*+]){3,}/.test(stripped)) return 'too many adjacent unbounded repeats';
  try {
    new RegExp(pattern, 'i');
  } catch (err) {
    return `not a valid regular expression (${(err as Error).message})`;
  }
  return null;
}

/** Validates a rule's pattern; throws InvalidInputError naming the problem. */
export function validateRule(r: Pick<Rule, 'matchType' | 'pattern' | 'minAmount' | 'maxAmount'>): void {
  const pattern = r.pattern.trim();
  if (!pattern) throw new InvalidInputError('pattern: give a pattern.');
  if (pattern.length > MAX_PATTERN_LENGTH)
    throw new InvalidInputError(`pattern: at most ${MAX_PATTERN_LENGTH} characters.`);
  if (r.matchType === 'regex') {
    const why = unsafeRegex(pattern);
    if (why) throw new InvalidInputError(`pattern: refused, ${why}.`);
  }
  if (r.minAmount !== null && r.maxAmount !== null && new D(r.minAmount).gt(r.maxAmount))
    throw new InvalidInputError('minAmount: larger than maxAmount.');
}

const compiled = new Map<string, RegExp>();
function regexOf(pattern: string): RegExp | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    // Stored rules were validated on the way in; re-check anyway, so a row written around the API is inert.
    if (unsafeRegex(pattern)) return null;
    re = new RegExp(pattern, 'i');
    if (compiled.size > 1000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

export function ruleMatches(rule: Rule, t: RuleTarget, normalized = normalizeDescription(t.description)): boolean {
  const amount = new D(t.baseAmount);
  if (rule.direction === 'in' && amount.lte(0)) return false;
  if (rule.direction === 'out' && amount.gte(0)) return false;
  const abs = amount.abs();
  if (rule.minAmount !== null && abs.lt(rule.minAmount)) return false;
  if (rule.maxAmount !== null && abs.gt(rule.maxAmount)) return false;
  const p = rule.pattern.toLowerCase();
  switch (rule.matchType) {
    case 'counterparty':
      return (t.counterparty ?? '').trim().toLowerCase() === p.trim();
    case 'equals':
      return (
        normalized === normalizeDescription(rule.pattern) || (t.description ?? '').trim().toLowerCase() === p.trim()
      );
    case 'contains':
      return normalized.includes(p) || (t.description ?? '').toLowerCase().includes(p);
    case 'regex': {
      const re = regexOf(rule.pattern);
      // Descriptions are capped, so even a slow pattern has little to chew on.
      return re !== null && (re.test((t.description ?? '').slice(0, 500)) || re.test(normalized));
    }
  }
}

/** Highest priority first, then the oldest: the order rules are tried in. */
export function orderRules<T extends Rule>(rules: T[]): T[] {
  return [...rules].sort(
    (a, b) => b.priority - a.priority || new Date(a.createdAt ?? 0).getTime() - new Date(b.createdAt ?? 0).getTime(),
  );
}

export function firstMatch<T extends Rule>(ordered: T[], t: RuleTarget): T | null {
  const normalized = normalizeDescription(t.description);
  return ordered.find((r) => ruleMatches(r, t, normalized)) ?? null;
}
