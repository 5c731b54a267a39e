/**
 * Which brand a bank line names, from brands.json (built from name-suggestion-index: build.ts). Read once, on
 * first use. A line's merchant text is looked up by its first words: a brand of several words anywhere in the
 * first three, a one-word brand only as the first word (or the second, when it is long enough not to be an
 * ordinary word), longest name first — "PICK N PAY HYPER SANDTON" is Pick n Pay Hypermarket (whose merchant key,
 * like every store format's, is Pick n Pay's: keys.ts canonicalKey).
 */
import { readFileSync } from 'node:fs';
import { normalizeDescription } from '../normalize';
import type { BrandFile } from './build';
import { fold } from './keys';

export interface Brand {
  /** The merchant key: the same for every line of this brand, whatever the town or store number. */
  key: string;
  name: string;
  /** A spending kind (knowledge.ts maps it onto the business's chart of accounts). */
  kind: string;
  /** Most of the brands under this name are this kind: false for a chain that sells everything. */
  sure: boolean;
}

let index: Map<string, Brand> | null = null;

function brands(): Map<string, Brand> {
  if (index) return index;
  const file = JSON.parse(readFileSync(new URL('./brands.json', import.meta.url), 'utf8')) as BrandFile;
  index = new Map(
    file.brands.map(([alias, kind, name, sure, key]) => [
      alias,
      { key, name, kind: file.kinds[kind]!, sure: sure === 1 },
    ]),
  );
  return index;
}

/**
 * Words that make a name a company's or a service's rather than a shop's: "ACME CONSULTING LLC" is not the Acme
 * supermarket, "SHELL ENERGY RETAIL LTD" not a filling station, "DISCOVERY HEALTH" not the car dealer, and
 * "GUSTO NET" and "GUSTO TAX" (payroll) not the Gusto restaurants.
 */
const COMPANY = new Set(
  `llc ltd limited inc incorporated corp corporation gmbh ag kg ug sarl sas bv nv pty plc llp lp co consulting consultants
  solutions services law legal attorneys solicitors accounting accountants agency holdings group energy
  insurance software technologies systems studio design media health life medical bank financial capital invest
  investments tax net pay payroll wages salary bill billing sub subscription premium pro cloud office loan credit
  interest fee fees refund deposit transfer order app invoice rent lease`.split(/\s+/),
);

const LONGEST = 4;

/** The merchant key of a bank line's merchant text: its brand's when it names one, else its normalized text. */
export function merchantKey(text: string | null | undefined): string {
  const normalized = normalizeDescription(text);
  return brandOf(normalized)?.key ?? normalized;
}

/** The brand a normalized merchant text (normalizeDescription's) names, if any. */
export function brandOf(normalized: string): Brand | null {
  if (!normalized) return null;
  const words = fold(normalized).split(' ');
  const map = brands();
  for (let start = 0; start < Math.min(3, words.length); start++) {
    for (let n = Math.min(LONGEST, words.length - start); n >= 1; n--) {
      const part = words.slice(start, start + n);
      if (n === 1 && !(start === 0 || (start === 1 && part[0]!.length >= 6))) continue;
      const hit = map.get(part.join(' ')) ?? (n > 1 ? map.get(part.join('')) : undefined);
      // A one-word brand followed by a company's or a service's words is another business of that name.
      if (hit) return n === 1 && words.slice(start + 1).some((w) => COMPANY.has(w)) ? null : hit;
    }
  }
  return null;
}
