/**
 * Bank descriptions carry the merchant wrapped in noise that changes on every line: card numbers, dates,
 * terminal and reference numbers, "POS"/"CARD PURCHASE"/"Kartenzahlung"/"DEBIT ORDER" prefixes, processor
 * tags ("SQ *", "PAYPAL *", "Yoco*"), store numbers, towns and country codes. Normalization keeps the
 * merchant so that the same merchant gives the same text — for rules, for exact-match lookups and for the
 * embedding.
 *
 * How: the prefixes go; numbers, dates, references and the like become boundaries, because banks print the
 * merchant first and its details (store number, town, date, card) after it; the merchant is the words up to
 * the first boundary. "STARBUCKS STORE 12345 SEATTLE WA" → "starbucks store", "DIRECT DEBIT PAYMENT TO
 * BRITISH GAS REF 8500123456" → "british gas", "PAYPAL *SPOTIFY 4029357733 LU" → "spotify".
 */

/** Prefixes banks put before the merchant, in several countries' formats. Applied repeatedly. */
const PREFIXES = [
  /^(?:pos|eft(?:pos)?|dd|so|fpo|fpi|bgc|tfr|vis|dbt|crd|sto|bac|checkcard|bea|interac(?: purchase)?|upi)\b\s*/i,
  /^(?:point of sale|card purchase|debit card purchase|credit card purchase|visa debit|visa purchase|debit card|purchase authori[sz]ed(?: on)?|purchase|recurring payment|recurring|contactless|apple pay|google pay|online payment|bill payment|direct debit|standing order|faster payment|card payment|card transaction|payment to|payment from|ach debit|ach credit|web pmt|pmt|preauthorized debit|pre-?auth|betaalpas)\b\s*/i,
  /^(?:kartenzahlung(?: girocard)?|lastschrift|sepa[- ]lastschrift|sepa[- ]überweisung|überweisung|gutschrift|dauerauftrag|paiement cb|paiement par carte|prlv sepa|prélèvement|virement(?: sepa)?(?: recu| emis)?|carte|cb|compra(?: tarj)?|pago con tarjeta|recibo|transferencia|pagamento pos|addebito|bonifico|betaling|pinbetaling|ideal|incasso)\b\s*/i,
  // South Africa.
  /^(?:debit order|local purchase|international purchase|card purchase|fnb app payment to|send money|immediate payment|int[- ]banking pmt (?:frm|to)|payshap|magtape credit|acb debit|acb credit)\s+/i,
  // Card processors and marketplaces whose name comes before the shop's: "SQ *BLUE BOTTLE", "Yoco*Mugg & Bean".
  /^(?:sq|tst|paypal|pp|zettle|izettle|sumup|wpy|ppl|yoco|zapper|payfast|snapscan|ikhokha|ikh|peach|dd|sp|gpay|checkout)\s+/i,
  // What is left of "payment to", "card payment at" once the payment is gone.
  /^(?:to|from|at|an|von|à|a|the)\s+/i,
];
const PROCESSOR =
  /^(?:sq|tst|paypal|pp|zettle|izettle|sumup|wpy|ppl|yoco|zapper|payfast|snapscan|ikhokha|ikh|peach|dd|sp|gpay|checkout|pos|purchase)$/i;

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*';

/** A boundary: what follows it is the line's details, not its merchant. */
const CUT = ' \u00a7 ';

const BOUNDARIES: RegExp[] = [
  // Card numbers, masked or partly shown: 4111********1111, 412345*6789, XXXX1234, "card 1234", "ending 1234".
  /\b(?:x{2,}|\*{2,})[\dx*]*\d{2,4}\b|\b\d{4,6}[\s*x]+\d{4}\b|\b(?:card|carte|karte|ending|tarjeta)\s*(?:no\.?|nr\.?|#)?\s*[\dx*]{4,}\b/gi,
  // Dates and times: 2026-03-14, 2024-03-12T10:11, 14/03/2026, 14.03.26, 03/14, 14MAR26, 14 Mar, "* 25 Sep", 12:31.
  /\b\d{4}-\d{2}-\d{2}(?:t\d{1,2}:\d{2}(?::\d{2})?)?\b/gi,
  /\b\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?\b/g,
  new RegExp(`\\b\\d{1,2}\\s?${MONTH}(?:\\s?\\d{2,4})?\\b`, 'gi'),
  new RegExp(`\\b${MONTH}\\s?\\d{1,2}\\b`, 'gi'),
  /\b\d{1,2}:\d{2}(?::\d{2})?\b/g,
  // References and ids: REF 123, Ref: AB12CD, TXN#, Auth code, mandate ids, "Nr. 1234".
  /\b(?:ref(?:erence)?|txn|trx|trans|auth(?:ori[sz]ation)?(?: code)?|id|mandate|mandat|invoice|inv|nr|no|order|beleg|réf|referencia|rif)\b\.?\s*[:#]?\s*[a-z0-9-]*\d[a-z0-9-]*/gi,
  // Words that start a line's details whatever follows: "REF RENT", ACH "DES:" and "PPD ID:", "Kundennr".
  /\b(?:ref|reference|des|ppd|ccd|web id|kundennr|folgenr|verfalld|rechnung|indn)\b/gi,
  // A payment address: "SWIGGY@YBL".
  /@\S*/g,
  // Store, terminal and branch numbers: #1234, store 0042, T/1234, branch 12.
  /#\s?\d+|\b(?:terminal|term|branch|filiale|agence|sucursal|tid|mid)\s*[:#]?\s*\d+\b/gi,
  // Any remaining token with a digit in it (store numbers, ids like 4PX2Q9, phone numbers, long numbers).
  /\b[a-z]*\d[a-z0-9]*\b/gi,
  // A web merchant's domain ends its name: "NETFLIX.COM LOS GATOS", "AMZN.COM/BILL".
  /\.(?:com|co\.uk|co\.za|de|fr|nl|es|it|net|org|io)\b(?:\/\S*)?/gi,
  // "MERCHANT - TOWN", "REWE//Berlin/DE".
  /\s-\s|\/\/+/g,
  // A company form followed by more text ends the name: "GITHUB, INC. HTTPSGITHUB.C CA", "IKEA Deutschland GmbH & Co. KG".
  /\b(?:gmbh|inc|ltd|llc|plc|pty)\b(?=.*\p{L})/giu,
];

/** Trailing country and US state codes after the merchant ("OAKLAND CA", "LONDON GB", "BERLIN DE"). */
const TRAILING_REGION =
  /\s(?:us|usa|gb|gbr|uk|de|deu|fr|fra|nl|nld|es|esp|it|ita|ie|irl|au|aus|nz|nzl|se|swe|dk|dnk|fi|fin|ch|che|at|aut|be|bel|pl|pol|pt|prt|ca|can|za|zaf|lu|lux|in|ind|sg|sgp|al|ak|az|ar|co|ct|dc|fl|ga|hi|il|ia|ks|ky|la|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|nc|ns|oh|ok|on|or|pa|ri|sc|tn|tx|ut|vt|va|wa|wv|wi|wy)$/i;
/** First words of towns of two words ("LOS GATOS", "NEW YORK", "CAPE TOWN"): dropped with the town. */
const TOWN_START = new Set(
  'los las san santa st saint new fort port cape el la le mount palm salt north south east west long del des'.split(
    ' ',
  ),
);
/** Company-form words at the end of a name: "Telekom Deutschland GmbH" is "Telekom Deutschland". */
const LEGAL_FORM = /(?:\s(?:gmbh|ag|kg|ug|ltd|limited|plc|inc|llc|llp|corp|pty|bv|nv|sa|sas|sarl|srl|spa|ab|as|oy))+$/i;

export function normalizeDescription(text: string | null | undefined): string {
  if (!text) return '';
  let s = text.normalize('NFKC').slice(0, 500).toLowerCase();
  // A card line in fixed-width fields, merchant, town and country (ISO 8583's card acceptor name and
  // location: "INKTHREADABLE          BLACKBURN     GBR"): the merchant is the first field.
  const fixed = /^\s*(\S.*?)\s{3,}\S.*?\s{2,}([a-z]{2,3})\s*$/.exec(s);
  if (fixed && TRAILING_REGION.test(` ${fixed[2]}`)) s = fixed[1]!;
  // A card number glued to a merchant cut short ("TAMBOERSWINKEL5412820027697970", as some card statements
  // print a 14-character name): the name is kept.
  s = s.replace(/(\p{L})(\d{8,})/gu, '$1 $2');
  // "UBER *TRIP", "AMAZON MKTPL*K8R2M5VN7": a merchant, then its detail; "SQ *SHOP", "Yoco*Shop": a processor,
  // then the merchant.
  const star = /^(.*?\p{L})\s*\*\s*(.+)$/u.exec(s);
  if (star) {
    const head = star[1]!.trim();
    const last =
      head
        .split(/[^\p{L}]+/u)
        .filter(Boolean)
        .at(-1) ?? '';
    if (PROCESSOR.test(last)) s = `${head} ${star[2]}`;
    else {
      // A short word after the star is the kind of service ("UBER *TRIP", "UBER *EATS"): part of the merchant.
      const detail = /^\p{L}{1,4}(?=\s|$)/u.exec(star[2]!)?.[0];
      s = `${head}${detail ? ` ${detail}` : ''}${CUT}${star[2]}`;
    }
  }
  for (const re of BOUNDARIES) s = s.replace(re, CUT);
  s = s
    .replace(/[^\p{L}\p{N}&'\u00a7 ]+/gu, ' ')
    // "… ON 03/05", "… le 12/03": the word that introduced a date goes with it.
    .replace(/\s(?:on|le|am|el|del)\s+(?=\u00a7)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // Prefixes and leading boundaries go; the merchant is what follows, up to the next boundary.
  for (let changed = true; changed; ) {
    changed = false;
    for (const re of [/^\u00a7\s*/, ...PREFIXES]) {
      const next = s.replace(re, '').trim();
      if (next !== s && next.replace(/\u00a7/g, '').trim().length > 0) {
        s = next;
        changed = true;
      }
    }
  }
  s = s.split('\u00a7')[0]!.trim();
  // A town and country or state code at the end ("GOLDEN DRAGON OAKLAND CA"): the code goes, and the town
  // with it when two words or more are left for the merchant.
  if (TRAILING_REGION.test(s)) {
    const words = s.split(' ').slice(0, -1);
    if (words.length >= 3) {
      words.pop();
      if (words.length >= 2 && TOWN_START.has(words.at(-1)!)) words.pop();
    }
    if (words.length) s = words.join(' ');
  }
  const named = s.replace(LEGAL_FORM, '') || s;
  // "SWIGGY SWIGGY": a word printed twice in a row is one word.
  return named
    .replace(/\b(\p{L}+) \1\b/gu, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The text that names a bank line's merchant: a statement's payee column when it had one (its description is
 * then the purpose: "REWE SAGT DANKE 45121234//Berlin"), otherwise the description, then the counterparty.
 */
export function merchantText(line: { source: string; description: string | null; counterparty: string | null }) {
  return line.source === 'csv' && line.counterparty ? line.counterparty : line.description || line.counterparty;
}
