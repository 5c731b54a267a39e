/**
 * Merchant category codes (ISO 18245, as Visa and Mastercard publish them): the four digits a card network
 * gives every merchant, which some banks put in their statements. Mapped onto the same spending kinds as
 * brands (knowledge.ts turns a kind into the business's category). Codes not listed say nothing here.
 */
const RANGES: [from: number, to: number, kind: string][] = [
  [3000, 3299, 'travel'], // airlines
  [3351, 3441, 'travel'], // car rental agencies
  [3501, 3999, 'travel'], // hotels and lodging
  [4011, 4011, 'travel'], // railroads (freight)
  [4111, 4131, 'travel'], // commuter transport, passenger railways, taxis, bus lines
  [4411, 4411, 'travel'], // cruise lines
  [4511, 4511, 'travel'], // airlines, air carriers
  [4722, 4722, 'travel'], // travel agencies
  [4784, 4784, 'travel'], // tolls and bridge fees
  [4789, 4789, 'travel'], // transportation services
  [4214, 4215, 'postage'], // motor freight, courier services
  [9402, 9402, 'postage'], // postal services
  [4812, 4816, 'telecom'], // telecommunication equipment and services, computer network services
  [4899, 4899, 'telecom'], // cable and other pay television
  [4900, 4900, 'utilities'], // electric, gas, water, sanitary
  [5044, 5045, 'office'], // office and photographic equipment, computers and peripherals
  [5111, 5111, 'office'], // stationery, office supplies
  [5072, 5072, 'hardware'], // hardware equipment and supplies
  [5200, 5200, 'hardware'], // home supply warehouse stores
  [5211, 5211, 'hardware'], // lumber and building materials
  [5231, 5231, 'hardware'], // glass, paint and wallpaper
  [5251, 5251, 'hardware'], // hardware stores
  [5310, 5311, 'retail'], // discount stores, department stores
  [5331, 5331, 'retail'], // variety stores
  [5399, 5399, 'retail'], // miscellaneous general merchandise
  [5411, 5411, 'groceries'], // grocery stores, supermarkets
  [5422, 5422, 'groceries'], // freezer and locker meat provisioners
  [5441, 5451, 'groceries'], // candy, nut and confectionery stores; dairy products stores
  [5462, 5462, 'meals'], // bakeries
  [5499, 5499, 'groceries'], // miscellaneous food stores, convenience stores
  [5531, 5533, 'vehicle'], // auto and home supply, automotive parts
  [5541, 5542, 'fuel'], // service stations, automated fuel dispensers
  [5552, 5552, 'fuel'], // electric vehicle charging
  [5983, 5983, 'fuel'], // fuel dealers
  [5732, 5732, 'office'], // electronics stores
  [5734, 5734, 'software'], // computer software stores
  [5811, 5814, 'meals'], // caterers, restaurants, bars, fast food
  [5817, 5818, 'software'], // digital goods: applications, large digital goods merchants
  [5912, 5912, 'medical'], // drug stores and pharmacies
  [5921, 5921, 'entertainment'], // package stores: beer, wine, liquor
  [5943, 5943, 'office'], // stationery, office and school supply stores
  [5976, 5976, 'medical'], // orthopedic goods, prosthetic devices
  [6011, 6011, 'cash'], // automated cash disbursements
  [6300, 6300, 'insurance'], // insurance sales, underwriting and premiums
  [6381, 6381, 'insurance'], // insurance premiums
  [7011, 7011, 'travel'], // hotels, motels, resorts
  [7311, 7311, 'advertising'], // advertising services
  [7372, 7372, 'software'], // computer programming, data processing, integrated systems design
  [7512, 7512, 'travel'], // automobile rental agencies
  [7523, 7523, 'travel'], // parking lots and garages
  [7531, 7535, 'vehicle'], // auto body repair, tire retreading, paint shops
  [7538, 7538, 'vehicle'], // automotive service shops
  [7542, 7542, 'vehicle'], // car washes
  [7832, 7832, 'entertainment'], // motion picture theatres
  [8011, 8099, 'medical'], // doctors, dentists, opticians, hospitals, laboratories, health services
  [8111, 8111, 'professional'], // legal services, attorneys
  [8931, 8931, 'professional'], // accounting, auditing and bookkeeping services
  [9311, 9311, 'tax'], // tax payments
];

/** The spending kind of a merchant category code, if it says one. */
export function mccKind(code: string | null | undefined): string | null {
  if (!code || !/^\d{4}$/.test(code)) return null;
  const n = Number(code);
  return RANGES.find(([from, to]) => n >= from && n <= to)?.[2] ?? null;
}
