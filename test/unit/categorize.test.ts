import { describe, expect, it, vi } from 'vitest';
import { hashEmbedding } from '../../src/domain/categorize/embed';
import { knownCategory } from '../../src/domain/categorize/knowledge';
import { normalizeDescription as n } from '../../src/domain/categorize/normalize';
import { firstMatch, orderRules, type Rule, unsafeRegex, validateRule } from '../../src/domain/categorize/rules';

describe('normalizing bank descriptions', () => {
  it.each([
    ['POS 3949 SQ *BLUE BOTTLE COFFEE OAKLAND CA', 'blue bottle coffee'], // the town and state go
    ['CARD PURCHASE 03/14 STARBUCKS #1234 SEATTLE WA XXXX1234', 'starbucks'], // after the store number: its details
    ['Kartenzahlung REWE Markt GmbH 14.03.2026 Karte 1234', 'rewe markt'], // the company form goes
    ['SEPA-Lastschrift Telekom Deutschland GmbH Ref 4411223', 'telekom deutschland'],
    ['PRLV SEPA EDF CLIENTS PARTICULIERS REF 123456', 'edf clients particuliers'],
    ['PAIEMENT CB 1403 CARREFOUR MARKET PARIS', 'carrefour market paris'],
    ['DD BRITISH GAS 600012345678', 'british gas'],
    ['PAYPAL *NETFLIX 4029357733', 'netflix'],
    ['TESCO STORES 3412 LONDON GB', 'tesco stores'],
    ['COMPRA TARJETA 4512********1234 MERCADONA VALENCIA 12/03', 'mercadona valencia'],
    ['Pinbetaling Albert Heijn 1234 Amsterdam 14-03-2026 12:31', 'albert heijn'],
    ['EFTPOS WOOLWORTHS 1234 SYDNEY AU', 'woolworths'],
    ['  Monthly   Maintenance Fee  ', 'monthly maintenance fee'],
    ['Transfer to Savings 1234', 'transfer to savings'],
  ])('%s → %s', (raw, expected) => {
    expect(n(raw)).toBe(expected);
  });

  it('gives the same text for the same merchant on different days and cards', () => {
    expect(n('CARD PURCHASE 01/02 ADOBE *CREATIVE CLOUD 4029357733')).toBe(n('ADOBE *CREATIVE CLOUD 8812399 02/03'));
  });
});

const rule = (over: Partial<Rule>): Rule => ({
  id: 'r',
  matchType: 'contains',
  pattern: 'x',
  direction: 'any',
  minAmount: null,
  maxAmount: null,
  category: 'C',
  accountCode: null,
  priority: 0,
  ...over,
});

describe('rules', () => {
  const line = { description: 'POS 1234 UBER *TRIP SAN FRANCISCO', counterparty: 'Uber', baseAmount: '-23.50' };

  it('the highest priority wins, then the oldest', () => {
    const rules = orderRules([
      rule({ id: 'low', pattern: 'uber', priority: 1, category: 'Travel' }),
      rule({ id: 'high', matchType: 'counterparty', pattern: 'UBER', priority: 9, category: 'Client travel' }),
      rule({ id: 'high-newer', pattern: 'trip', priority: 9, createdAt: '2026-02-01', category: 'X' }),
    ]);
    expect(firstMatch(rules, line)?.id).toBe('high');
    expect(
      orderRules([rule({ id: 'b', createdAt: '2026-03-01' }), rule({ id: 'a', createdAt: '2026-01-01' })])[0]!.id,
    ).toBe('a');
  });

  it('respects direction and the amount range', () => {
    expect(firstMatch([rule({ pattern: 'uber', direction: 'in' })], line)).toBeNull();
    expect(firstMatch([rule({ pattern: 'uber', minAmount: '50.00' })], line)).toBeNull();
    expect(
      firstMatch([rule({ pattern: 'uber', minAmount: '20.00', maxAmount: '30.00', direction: 'out' })], line),
    ).not.toBeNull();
    // "Equals" compares merchants: the line's and the pattern's text normalized alike.
    expect(firstMatch([rule({ matchType: 'equals', pattern: 'UBER *TRIP' })], line)).not.toBeNull();
    expect(firstMatch([rule({ matchType: 'equals', pattern: 'uber eats' })], line)).toBeNull();
    expect(firstMatch([rule({ matchType: 'regex', pattern: '^uber\\s+trip' })], line)).not.toBeNull();
  });

  it.each([
    '(a+)+$',
    '(a*)*b',
    '(a|aa)+',
    '(\\w+\\s?)*$',
    '(.*a){20}',
    '(x+x+)+y',
    '.*.*.*=.*',
    '(?<=a)b',
    '(a)\\1',
    'x'.repeat(201),
  ])('refuses the regex %s before running it', (pattern) => {
    expect(unsafeRegex(pattern)).not.toBeNull();
    expect(() => validateRule({ matchType: 'regex', pattern, minAmount: null, maxAmount: null })).toThrow(/pattern/);
  });

  it('accepts ordinary patterns, and a refused pattern stored anyway never runs', () => {
    for (const ok of ['^uber', 'amzn|amazon', 'tesco (stores|express)', '\\bfee\\b', '[0-9]{4}$', 'a.*b'])
      expect(unsafeRegex(ok), ok).toBeNull();
    // Which patterns were run: every regex match goes through RegExp.prototype.exec.
    const exec = vi.spyOn(RegExp.prototype, 'exec');
    try {
      const target = { ...line, description: `${'a'.repeat(12)}!` }; // short: were it run, it would end
      expect(firstMatch([rule({ matchType: 'regex', pattern: '(a+)+$' })], target)).toBeNull();
      expect(firstMatch([rule({ matchType: 'regex', pattern: '^a{3}' })], target)).not.toBeNull();
      const ran = exec.mock.contexts.map((re) => (re as RegExp).source);
      expect(ran).toContain('^a{3}');
      expect(ran).not.toContain('(a+)+$');
    } finally {
      exec.mockRestore();
    }
  });

  it('rejects an inverted amount range', () => {
    expect(() => validateRule({ matchType: 'contains', pattern: 'x', minAmount: '10', maxAmount: '5' })).toThrow(
      /minAmount/,
    );
  });
});

describe('local embedding', () => {
  const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
  it('is 256-dimensional, unit length and deterministic', () => {
    const v = hashEmbedding('starbucks seattle');
    expect(v).toHaveLength(256);
    expect(Math.abs(cos(v, v) - 1)).toBeLessThan(1e-4);
    expect(hashEmbedding('starbucks seattle')).toEqual(v);
  });
  it('puts the same merchant closer than a different one', () => {
    const a = hashEmbedding('starbucks seattle');
    expect(cos(a, hashEmbedding('starbucks boston'))).toBeGreaterThan(cos(a, hashEmbedding('shell oil seattle')));
  });
});

describe('built-in knowledge', () => {
  const categories = [
    { name: 'Travel', code: '493' },
    { name: 'Bank Fees', code: '404' },
    { name: 'Wages and Salaries', code: '477' },
  ];
  it('maps common movements onto the business’s own names, or nothing', () => {
    expect(knownCategory('uber trip', 'out', categories)?.category.name).toBe('Travel');
    expect(knownCategory('monthly maintenance fee', 'out', categories)?.category.name).toBe('Bank Fees');
    expect(knownCategory('gusto payroll', 'out', categories)?.category.name).toBe('Wages and Salaries');
    expect(knownCategory('starbucks', 'out', categories)).toBeNull();
    expect(knownCategory('uber trip', 'in', categories)).toBeNull();
  });
});

describe('words for common movements', () => {
  const categories = [
    { name: 'Telephone & Internet', code: '489' },
    { name: 'Utilities', code: '445' },
    { name: 'Bank Fees', code: '404' },
  ];
  it.each([
    ['vodacom airtime', 'Telephone & Internet'],
    ['prepaid electricity', 'Utilities'],
    ['sms notification fee', 'Bank Fees'],
  ])('%s → %s', (text, category) => {
    expect(knownCategory(text, 'out', categories)?.category.name).toBe(category);
  });
});
