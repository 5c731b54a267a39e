import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brandOf, merchantKey } from '../../src/domain/categorize/brands';

/** test/fixtures/merchant-shapes.txt: blocks of one merchant's lines, each opened by "= expected key". */
function blocks(): { key: string; lines: string[]; known: boolean }[] {
  const out: { key: string; lines: string[]; known: boolean }[] = [];
  for (const raw of readFileSync(new URL('../fixtures/merchant-shapes.txt', import.meta.url), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('= ') || line.startsWith('! '))
      out.push({ key: line.slice(2), lines: [], known: line.startsWith('= ') });
    else out.at(-1)!.lines.push(line);
  }
  return out;
}

describe('merchant keys from bank text', () => {
  const all = blocks().filter((b) => b.known);
  const misses = blocks().filter((b) => !b.known);

  it('the fixture is what it says: a few hundred lines of dozens of merchants', () => {
    expect(all.length).toBeGreaterThanOrEqual(50);
    expect(all.reduce((n, b) => n + b.lines.length, 0)).toBeGreaterThanOrEqual(190);
    expect(new Set(all.map((b) => b.key)).size).toBe(all.length);
  });

  it('lines of one merchant share one key, whatever the card number, date, terminal, town or processor', () => {
    const wrong = all.flatMap((b) =>
      b.lines.map((line) => ({ line, want: b.key, got: merchantKey(line) })).filter((r) => r.got !== r.want),
    );
    expect(wrong).toEqual([]);
    const lines = misses.flatMap((b) => b.lines.map((line) => ({ line, want: b.key, got: merchantKey(line) })));
    console.log(
      `merchant keys: ${all.reduce((n, b) => n + b.lines.length, 0)} lines of ${all.length} merchants right; known misses: ${lines.filter((r) => r.got === r.want).length} of ${lines.length} right`,
    );
  });

  it('brands are known whichever of their names a bank prints', () => {
    expect(brandOf('hertz rent a car johannesburg')).toMatchObject({ key: 'hertz', kind: 'travel', sure: true });
    expect(brandOf('engen sandton')).toMatchObject({ key: 'engen', kind: 'fuel' });
    expect(brandOf('mugg & bean rosebank')).toMatchObject({ name: 'Mugg & Bean', kind: 'meals' });
    // A one-word brand followed by a company's words is another business of that name.
    expect(brandOf('acme consulting llc')).toBeNull();
    // Words too common to mean one brand alone.
    expect(brandOf('total')).toBeNull();
    expect(brandOf('express delivery')).toBeNull();
  });
});

describe('merchant category codes', () => {
  it('map ISO 18245 codes and ranges onto spending kinds, and nothing else', async () => {
    const { mccKind } = await import('../../src/domain/categorize/mcc');
    expect(mccKind('5541')).toBe('fuel');
    expect(mccKind('3000')).toBe('travel'); // first airline code
    expect(mccKind('3299')).toBe('travel'); // last airline code
    expect(mccKind('3300')).toBeNull();
    expect(mccKind('5411')).toBe('groceries');
    expect(mccKind('8062')).toBe('medical'); // hospitals
    expect(mccKind('7399')).toBeNull();
    expect(mccKind('541')).toBeNull();
    expect(mccKind(null)).toBeNull();
  });
});
