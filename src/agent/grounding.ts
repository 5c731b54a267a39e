/**
 * The grounding check: every figure in an answer must come from a tool result of the same turn. A figure
 * matches a result value when it equals it after the rounding the text shows ("$133,663.29", "$133.7k",
 * "1.3 million"), as a percentage of a ratio ("2.3%" for 0.023041), or ignoring sign ("down $7,129.22").
 * Dates, years, quarters and aging-bucket labels are not figures.
 */
import { D } from '../money';

type Decimal = InstanceType<typeof D>;

const MONTH =
  '(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)';

/** Things with digits that are names of times or labels, not figures. */
const NOT_FIGURES = [
  /\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b/g,
  new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH}\\.?(?:,?\\s+\\d{4})?\\b`, 'gi'),
  new RegExp(`\\b${MONTH}\\.?\\s+\\d{1,2}(?:st|nd|rd|th)?(?:,\\s*\\d{4})?\\b`, 'gi'),
  new RegExp(`\\b${MONTH}\\.?\\s+\\d{4}\\b`, 'gi'),
  /\bQ[1-4](?:\s+\d{4})?\b/gi,
  /\bFY\s?'?\d{2,4}\b/gi,
  /\b(?:19|20)\d{2}\b(?![.,]\d)/g,
  /\b\d{1,2}\s*[–-]\s*\d{2,3}\s+days?\b/gi,
  /\b(?:over|more than)\s+90\s+days\b|\b90\+/gi,
  /\b(?:thirteen|13)[- ]weeks?\b/gi,
];

const FIGURE =
  /(?<![\w.])[-−]?[$€£¥]?\s?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:\s?(%|k|m|bn|thousand|million|billion)\b|(%))?/gi;
const SCALE: Record<string, number> = { k: 3, thousand: 3, m: 6, million: 6, bn: 9, billion: 9 };

export interface Figure {
  text: string;
  value: Decimal;
  decimals: number;
  percent: boolean;
}

export function extractFigures(text: string): Figure[] {
  let clean = text;
  for (const re of NOT_FIGURES) clean = clean.replace(re, ' ');
  const out: Figure[] = [];
  for (const m of clean.matchAll(FIGURE)) {
    const int = m[1]!.replace(/,/g, '');
    const frac = m[2] ?? '';
    const unit = (m[3] ?? m[4] ?? '').toLowerCase();
    const zeros = SCALE[unit] ?? 0;
    out.push({
      text: m[0].trim(),
      value: new D(`${int}${frac}`).times(new D(10).pow(zeros)),
      // Digits shown after the point, less the scale: "$133.7k" is exact to the hundred.
      decimals: (frac.length ? frac.length - 1 : 0) - zeros,
      percent: unit === '%',
    });
  }
  return out;
}

/** Every number in a tool result: JSON numbers, numeric strings, and numbers inside text fields. */
export function resultNumbers(value: unknown, into: Decimal[] = []): Decimal[] {
  if (typeof value === 'number' && Number.isFinite(value)) into.push(new D(value).abs());
  else if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) into.push(new D(value).abs());
    else for (const f of extractFigures(value)) into.push(f.value.abs());
  } else if (Array.isArray(value)) for (const v of value) resultNumbers(v, into);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) resultNumbers(v, into);
  return into;
}

function matches(f: Figure, v: Decimal): boolean {
  // Half a unit of the last digit shown: "$133.7k" covers 133,650 to 133,750.
  const tolerance = new D(5).times(new D(10).pow(-f.decimals - 1));
  if (v.minus(f.value).abs().lte(tolerance)) return true;
  return f.percent && v.times(100).minus(f.value).abs().lte(tolerance);
}

/** The figures in `text` that no number in `results` supports. */
export function unmatchedFigures(text: string, results: unknown[]): string[] {
  const numbers = results.flatMap((r) => resultNumbers(r));
  return extractFigures(text)
    .filter((f) => !numbers.some((v) => matches(f, v)))
    .map((f) => f.text);
}
