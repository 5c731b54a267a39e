/**
 * Merchant keys for brand names and bank text alike: normalizeDescription's text with accents and
 * apostrophes folded and "&" read as "and" ("Intermarché" and "INTERMARCHE", "McDonald's" and "MCDONALDS",
 * "Mugg & Bean" and "MUGG AND BEAN" meet), and for names of
 * several words the same without spaces ("BURGERKING").
 */
import { normalizeDescription } from '../normalize';

export function fold(normalized: string): string {
  return normalized
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/'/g, '')
    .replace(/&/g, ' and ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Single words that name too many things in bank text to mean one brand on their own ("TOTAL", "EXPRESS",
 * "COOP", "AMAZON" is also a parcel locker, "APPLE" a phone shop). Such a brand still matches by its full
 * name ("total energies", "co op food").
 */
export const TOO_COMMON = new Set(
  `bank card cash pay payment payments transfer online store stores shop shops market markets mart express service services
  the one mobile phone direct total city local central family star super best first national united american royal
  post home health energy food foods fresh car cars auto fuel gas petrol oil coffee cafe pizza burger hotel hotels
  pharmacy apotheke bakery restaurant bar pub kiosk deli fitness gym parking taxi sale sales debit credit refund fee fees
  interest salary rent tax insurance transport travel club plus max go easy smart giro paypal amazon apple google
  microsoft uber bolt coop co op spar eat eats deposit purchase pos visa mastercard amex tesla
  three next metro day night new station`.split(/\s+/),
);

/** The keys a brand name is found under; none for a name too short or too common to mean one brand. */
export function brandKeys(name: string): string[] {
  const key = fold(normalizeDescription(name));
  if (key.length < 3) return [];
  const words = key.split(' ');
  if (words.length === 1) return TOO_COMMON.has(key) ? [] : [key];
  if (words.every((w) => TOO_COMMON.has(w))) return [];
  return [key, words.join('')];
}

/** Words that name a store format of a brand, not another brand: "Tesco Express", "Checkers Hyper". */
const STORE_FORMAT = new Set(
  `express expres extra metro local hyper hypermarket superstore supercenter supermarket supermarkets family city market
  mini to go select shop store stores delight quickshop connect food clothing pharmacy pharmacies kitchen cafe
  petrol fuel station warehouse plus and more`.split(/\s+/),
);

/**
 * The merchant key every name of a brand gives: its own name's ("HERTZ RENT A CAR" and "HERTZ" are one
 * merchant), without the words that only name a store format ("Tesco Express", "Pick n Pay Hypermarket" and
 * "Whole Foods Market" are Tesco, Pick n Pay and Whole Foods, as banks often print them).
 */
export function canonicalKey(name: string, alias: string): string {
  const words = (fold(normalizeDescription(name)) || alias).split(' ');
  while (words.length > 1 && STORE_FORMAT.has(words.at(-1)!)) words.pop();
  return words.join(' ');
}
