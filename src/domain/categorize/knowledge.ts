/**
 * Cold start: what any bookkeeper knows about common money movements and merchants, mapped onto the
 * business's own category names where one resembles them. Used only when the business's own history has no
 * confident answer, and never applied without a person: its proposals go to the review queue.
 */

export interface Known {
  kind: string;
  /** Matched against the normalized description and the counterparty. */
  pattern: RegExp;
  direction?: 'in' | 'out';
}

export const KNOWLEDGE: Known[] = [
  {
    kind: 'bank_fees',
    pattern:
      /\b(?:fees?|service charge|maintenance fee|account fee|overdraft|wire fee|commission|kontoführung\w*|entgelt|frais|comisi[oó]n|bank charges?|sms notification|notific\w*|admin charge)\b/,
    direction: 'out',
  },
  {
    kind: 'interest_in',
    pattern: /\b(?:interest|zinsen|intérêts|intereses)\b/,
    direction: 'in',
  },
  {
    kind: 'interest_out',
    pattern: /\b(?:interest|zinsen|intérêts|intereses)\b/,
    direction: 'out',
  },
  {
    kind: 'transfer',
    pattern: /\b(?:transfer|tfr|sweep|own account|to savings|from savings|umbuchung|virement interne)\b/,
  },
  {
    kind: 'cash',
    pattern: /\b(?:atm|cash withdrawal|withdrawal|geldautomat|bargeld|retrait|cajero)\b/,
    direction: 'out',
  },
  {
    kind: 'payroll',
    pattern:
      /\b(?:payroll|salary|salaries|wages|gusto|adp|paychex|deel|rippling|remote com|justworks|lohn|gehalt|salaire|nómina|nomina)\b/,
    direction: 'out',
  },
  {
    kind: 'tax',
    pattern:
      /\b(?:irs|usataxpymt|eftps|hmrc|vat|gst|sales tax|tax|finanzamt|dgfip|impuestos?|aeat|agenzia entrate|belastingdienst)\b/,
    direction: 'out',
  },
  {
    kind: 'rent',
    pattern:
      /\b(?:rent(?![\s-]*a[\s-]*car)|lease|landlord|miete|loyer|alquiler|affitto|wework|regus|iwg|property management)\b/,
    direction: 'out',
  },
  {
    kind: 'insurance',
    pattern:
      /\b(?:insurance|insur\w*|hiscox|allianz|axa|geico|state farm|aviva|zurich|chubb|next insurance|versicherung|assurance|seguros?)\b/,
    direction: 'out',
  },
  {
    kind: 'fuel',
    pattern:
      /\b(?:shell|bp|exxon\w*|mobil|chevron|texaco|esso|totalenergies|aral|repsol|q8|circle k|valero|sunoco|petrol|fuel|gas station|tankstelle|jet)\b/,
    direction: 'out',
  },
  {
    kind: 'groceries',
    pattern:
      /\b(?:tesco|sainsbury\w*|asda|aldi|lidl|rewe|edeka|carrefour|whole foods|trader joe\w*|safeway|kroger|walmart|costco|mercadona|albert heijn|jumbo|woolworths|coles|waitrose|morrisons|monoprix|auchan|leclerc|intermarché|esselunga|publix|target)\b/,
    direction: 'out',
  },
  {
    kind: 'meals',
    pattern:
      /\b(?:restaurant|ristorante|café|cafe|coffee|starbucks|mcdonald\w*|burger king|kfc|subway|pret|costa|domino\w*|pizza\w*|chipotle|uber eats|deliveroo|doordash|grubhub|just eat|lieferando|bistro|brasserie|pub|diner|sushi|taco|bakery|bäckerei|boulangerie|blue bottle|dunkin|tim hortons|nando\w*|wagamama|five guys|shake shack|panera)\b/,
    direction: 'out',
  },
  {
    kind: 'software',
    pattern:
      /\b(?:aws|amazon web services|google cloud|gcp|google workspace|g suite|azure|microsoft|msft|office 365|adobe|slack|zoom|atlassian|jira|github|gitlab|notion|figma|dropbox|salesforce|hubspot|intercom|mailchimp|shopify|xero|quickbooks|intuit|openai|anthropic|heroku|digitalocean|cloudflare|vercel|netlify|1password|lastpass|canva|calendly|docusign|asana|trello|linear|sentry|datadog|twilio|sendgrid|zapier|airtable|webflow|squarespace|wix|godaddy|namecheap|apple com bill|itunes)\b/,
    direction: 'out',
  },
  {
    kind: 'travel',
    pattern:
      /\b(?:uber|lyft|bolt|taxi|cab|airlines?|airways|lufthansa|ryanair|easyjet|delta|united|american air\w*|british airways|klm|air france|southwest|jetblue|hotel|marriott|hilton|hyatt|ibis|novotel|premier inn|airbnb|booking com|expedia|trainline|amtrak|sncf|deutsche bahn|db bahn|bahn|eurostar|renfe|trenitalia|national rail|tfl|parking|car rental|hertz|avis|sixt|enterprise rent)\b/,
    direction: 'out',
  },
  {
    kind: 'telecom',
    pattern:
      /\b(?:verizon|at&t|att|t mobile|tmobile|vodafone|o2|ee|comcast|xfinity|spectrum|bt|orange|telekom|telstra|optus|sky|virgin media|internet|broadband|phone|mobile|telefónica|movistar|airtime|data bundle|prepaid data)\b/,
    direction: 'out',
  },
  {
    kind: 'utilities',
    pattern:
      /\b(?:electric\w*|gas|water|energy|edf|engie|british gas|octopus energy|e on|eon|pg&e|pge|con ed|duke energy|utility|utilities|stadtwerke|vattenfall|iberdrola|enel|thames water|prepaid electricity|eskom|municipality|rates and taxes)\b/,
    direction: 'out',
  },
  {
    kind: 'advertising',
    pattern:
      /\b(?:google ads|adwords|facebook|facebk|fb ads|meta ads|meta platforms|linkedin ads|linkedin|twitter ads|x ads|tiktok ads|bing ads|advertising|ads)\b/,
    direction: 'out',
  },
  {
    kind: 'postage',
    pattern:
      /\b(?:usps|ups|fedex|dhl|royal mail|post office|deutsche post|la poste|correos|postnl|shipping|postage|courier|stamps com)\b/,
    direction: 'out',
  },
  {
    kind: 'professional',
    pattern:
      /\b(?:accountants?|accounting|bookkeep\w*|cpa|cpas|lawyer|legal|solicitors?|law firm|attorneys?|notary|notaire|steuerberater|consulting)\b/,
    direction: 'out',
  },
  {
    kind: 'office',
    pattern:
      /\b(?:staples|office depot|officeworks|viking|ryman|bureau vallée|amazon|amzn|ikea|best buy|apple store|currys|mediamarkt)\b/,
    direction: 'out',
  },
  {
    kind: 'sales',
    pattern:
      /\b(?:stripe payout|stripe transfer|shopify payout|square payout|paypal transfer|sumup payout|deposit|customer payment|invoice payment|sales)\b/,
    direction: 'in',
  },
];

/** The confidence given to a knowledge proposal: below any sensible auto-apply threshold on purpose. */
export const KNOWLEDGE_CONFIDENCE = 0.5;
/**
 * A brand (name-suggestion-index) whose kind is clear and whose kind the business has a category for in
 * so many words: confident enough to apply at the default threshold. Knowledge never applies below this.
 */
export const BRAND_CONFIDENCE = 0.85;
/** A brand with a less certain kind (a chain that sells everything) or only a loose category match: review. */
export const BRAND_GUESS_CONFIDENCE = 0.6;

/**
 * Each kind's category names, as words the business's category name contains, best first. For a brand or a
 * merchant category code the first two are close enough to apply (BRAND_CONFIDENCE).
 */
const KIND_NAMES: Record<string, string[]> = {
  bank_fees: ['bank fees', 'bank charges', 'bank service', 'fees', 'charges'],
  interest_in: ['interest income', 'interest received', 'interest'],
  interest_out: ['interest expense', 'interest paid', 'interest'],
  transfer: ['transfer', 'internal transfer'],
  cash: ['cash', 'drawings', 'petty cash'],
  payroll: ['wages', 'salaries', 'payroll'],
  tax: ['payroll tax', 'taxes', 'tax', 'vat', 'gst'],
  rent: ['rent', 'lease', 'occupancy', 'premises'],
  insurance: ['insurance'],
  fuel: ['fuel', 'motor vehicle', 'automobile', 'vehicle', 'travel'],
  groceries: ['groceries', 'supplies', 'office expenses', 'general expenses', 'entertainment'],
  meals: ['meals', 'entertainment', 'food', 'staff amenities'],
  software: ['software', 'subscriptions', 'computer', 'it ', 'hosting', 'cloud', 'technology'],
  travel: ['travel', 'transport'],
  telecom: ['telephone', 'internet', 'telecom', 'phone', 'communications'],
  utilities: ['utilities', 'light', 'power', 'heating', 'electricity'],
  advertising: ['advertising', 'marketing', 'promotion'],
  postage: ['postage', 'freight', 'shipping', 'courier', 'delivery'],
  professional: ['consulting & accounting', 'accounting', 'legal', 'professional fees', 'professional services'],
  office: ['office expenses', 'office supplies', 'equipment', 'supplies', 'computer'],
  sales: ['sales', 'revenue', 'income'],
  // Kinds only brands and merchant category codes have.
  medical: ['medical', 'health', 'staff amenities', 'general expenses'],
  vehicle: ['motor vehicle', 'vehicle', 'automobile', 'repairs'],
  hardware: ['repairs', 'maintenance', 'supplies', 'equipment'],
  retail: ['general expenses', 'office expenses', 'supplies'],
  entertainment: ['entertainment', 'meals'],
};

/** The business category for a kind, and how far down the kind's names it was found (0 = the best). */
function categoryOf(kind: string, categories: CategoryOption[]): { category: CategoryOption; rank: number } | null {
  for (const [rank, name] of (KIND_NAMES[kind] ?? []).entries()) {
    const category = categories.find((c) => ` ${c.name.toLowerCase()} `.includes(name));
    if (category) return { category, rank };
  }
  return null;
}

/**
 * The business category for a spending kind (a brand's, or a merchant category code's), and whether it is one
 * of the kind's close names.
 */
export function kindCategory(
  kind: string,
  categories: CategoryOption[],
): { category: CategoryOption; close: boolean } | null {
  const hit = categoryOf(kind, categories);
  return hit && { category: hit.category, close: hit.rank < 2 };
}

export interface CategoryOption {
  name: string;
  code: string | null;
}

/** The business category a piece of knowledge maps onto, if one resembles it. */
export function knownCategory(
  text: string,
  direction: 'in' | 'out',
  categories: CategoryOption[],
): { kind: string; category: CategoryOption } | null {
  for (const k of KNOWLEDGE) {
    if (k.direction && k.direction !== direction) continue;
    if (!k.pattern.test(text)) continue;
    const hit = categoryOf(k.kind, categories);
    if (hit) return { kind: k.kind, category: hit.category };
  }
  return null;
}
