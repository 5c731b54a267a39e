/**
 * Bank descriptions carry the merchant wrapped in noise that changes on every line: card numbers, dates,
 * terminal and reference numbers, "POS"/"CARD PURCHASE"/"Kartenzahlung" prefixes, processor tags ("SQ *",
 * "PAYPAL *"), store numbers and towns. Normalization keeps the merchant so that the same merchant gives the
 * same text — for rules, for exact-match lookups and for the embedding.
 */

/** Prefixes banks put before the merchant, in several countries' formats. Applied repeatedly. */
const PREFIXES = [
  /^(?:pos|eft(?:pos)?|dd|so|fpo|fpi|bgc|tfr|vis|dbt|crd|sto|bac)\b\s*/i,
  /^(?:point of sale|card purchase|debit card purchase|credit card purchase|visa debit|visa purchase|debit card|purchase authori[sz]ed on|purchase|recurring payment|recurring|contactless|apple pay|google pay|online payment|bill payment|direct debit|standing order|faster payment|card payment|card transaction|payment to|payment from|ach debit|ach credit|web pmt|pmt|preauthorized debit|pre-?auth)\b\s*/i,
  /^(?:kartenzahlung|lastschrift|sepa[- ]lastschrift|sepa[- ]überweisung|überweisung|gutschrift|dauerauftrag|paiement cb|paiement par carte|prlv sepa|prélèvement|virement(?: sepa)?(?: recu| emis)?|carte|compra|pago con tarjeta|recibo|transferencia|pagamento pos|addebito|bonifico|betaling|pinbetaling|ideal|incasso)\b\s*/i,
  /^(?:sq|tst|paypal|zettle|izettle|sumup|wpy|ppl)\b\s*/i,
];

const MONTH = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*';

const NOISE: RegExp[] = [
  // Card numbers, masked or partly shown: 4111********1111, XXXX1234, ****1234, "card 1234", "ending 1234".
  /\b(?:x{2,}|\*{2,})[\dx*]*\d{2,4}\b|\b\d{4}[\s*x]{4,}\d{4}\b|\b(?:card|carte|karte|ending|tarjeta)\s*(?:no\.?|nr\.?|#)?\s*[\dx*]{4,}\b/gi,
  // Dates and times: 2026-03-14, 14/03/2026, 14.03.26, 03/14, 14MAR26, 14 Mar, 12:31.
  /\b\d{4}-\d{2}-\d{2}\b/g,
  /\b\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?\b/g,
  new RegExp(`\\b\\d{1,2}\\s?${MONTH}(?:\\s?\\d{2,4})?\\b`, 'gi'),
  new RegExp(`\\b${MONTH}\\s?\\d{1,2}\\b`, 'gi'),
  /\b\d{1,2}:\d{2}(?::\d{2})?\b/g,
  // "on 03/14", "date", "value date" leftovers.
  /\b(?:on|date|value date|valuta|datum|le)\s*$/gi,
  // References and ids: REF 123, Ref: AB12CD, TXN#, Auth code, mandate ids, "Nr. 1234".
  /\b(?:ref(?:erence)?|txn|trx|trans|auth(?:ori[sz]ation)?(?: code)?|id|mandate|mandat|invoice|inv|nr|no|order|beleg|réf|referencia|rif)\b\.?\s*[:#]?\s*[a-z0-9-]*\d[a-z0-9-]*/gi,
  // Store, terminal and branch numbers: #1234, store 0042, T/1234, branch 12.
  /#\s?\d+|\b(?:store|str|terminal|term|branch|filiale|agence|sucursal|tid|mid)\s*[:#]?\s*\d+\b/gi,
  // Any remaining token with a digit in it (ids like 4PX2Q9, phone numbers, long numbers).
  /\b[a-z]*\d[a-z0-9]*\b/gi,
  // Web suffixes that vary: .com/bill, www.
  /\bwww\.|\.(?:com|co\.uk|de|fr|nl|es|it|net|org|io)(?:\/\S*)?\b/gi,
];

/** Trailing country and US state codes after the merchant ("OAKLAND CA", "LONDON GB", "BERLIN DE"). */
const TRAILING_REGION =
  /\s(?:us|usa|gb|uk|de|fr|nl|es|it|ie|au|nz|se|dk|fi|ch|at|be|pl|pt|ca|al|ak|az|ar|co|ct|dc|fl|ga|hi|il|in|ia|ks|ky|la|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|nc|oh|ok|or|pa|ri|sc|tn|tx|ut|vt|va|wa|wv|wi|wy)$/i;

export function normalizeDescription(text: string | null | undefined): string {
  if (!text) return '';
  let s = text.normalize('NFKC').slice(0, 500).toLowerCase();
  for (const re of NOISE) s = s.replace(re, ' ');
  s = s
    .replace(/[^\p{L}\p{N}&' ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  for (let changed = true; changed; ) {
    changed = false;
    for (const re of PREFIXES) {
      const next = s.replace(re, '').trim();
      if (next !== s && next.length > 0) {
        s = next;
        changed = true;
      }
    }
  }
  // Drop a trailing region code and a trailing town when the merchant name is long enough to stand alone.
  const words = s.split(' ');
  if (words.length > 2 && TRAILING_REGION.test(s)) s = words.slice(0, -1).join(' ');
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The text that names a bank line's merchant: a statement's payee column when it had one (its description is
 * then the purpose: "REWE SAGT DANKE 45121234//Berlin"), otherwise the description, then the counterparty.
 */
export function merchantText(line: { source: string; description: string | null; counterparty: string | null }) {
  return line.source === 'csv' && line.counterparty ? line.counterparty : line.description || line.counterparty;
}
