/**
 * Builds brands.json, the brand knowledge categorization uses offline, from the name-suggestion-index
 * package (OpenStreetMap's canonical brand names, BSD-3-Clause: LICENSE.md beside this file). Each brand's
 * names (brand, name and the names NSI matches) become merchant keys as normalizeDescription writes them; its
 * OSM category (amenity=fuel, shop=supermarket, …) becomes one of the spending kinds in OSM_KINDS, which
 * knowledge.ts maps onto a business's chart of accounts. A key that brands of several kinds share (Tesco is
 * a supermarket, a filling station, a pharmacy and a phone shop) goes to the kind most of them have, and is
 * marked `sure` only when at least 60% of them have it: a chain that sells everything is a guess to review.
 *
 *   npm run brands          (after changing OSM_KINDS or updating name-suggestion-index)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brandKeys, canonicalKey } from './keys';

/** OSM category (NSI's `brands/<key>/<value>`) → spending kind. Categories not here are not used. */
export const OSM_KINDS: Record<string, string> = {
  'amenity/fuel': 'fuel',
  'amenity/charging_station': 'fuel',
  'man_made/charge_point': 'fuel',
  'shop/supermarket': 'groceries',
  'shop/convenience': 'groceries',
  'shop/greengrocer': 'groceries',
  'shop/butcher': 'groceries',
  'shop/deli': 'groceries',
  'shop/dairy': 'groceries',
  'shop/health_food': 'groceries',
  'shop/wholesale': 'groceries',
  'shop/frozen_food': 'groceries',
  'shop/seafood': 'groceries',
  'shop/cheese': 'groceries',
  'shop/food': 'groceries',
  'amenity/fast_food': 'meals',
  'amenity/restaurant': 'meals',
  'amenity/cafe': 'meals',
  'amenity/ice_cream': 'meals',
  'amenity/bar': 'meals',
  'amenity/pub': 'meals',
  'shop/bakery': 'meals',
  'shop/pastry': 'meals',
  'shop/coffee': 'meals',
  'shop/tea': 'meals',
  'amenity/pharmacy': 'medical',
  'shop/chemist': 'medical',
  'shop/optician': 'medical',
  'shop/medical_supply': 'medical',
  'shop/hearing_aids': 'medical',
  'amenity/clinic': 'medical',
  'amenity/dentist': 'medical',
  'healthcare/laboratory': 'medical',
  'healthcare/sample_collection': 'medical',
  'tourism/hotel': 'travel',
  'tourism/hostel': 'travel',
  'amenity/car_rental': 'travel',
  'amenity/bicycle_rental': 'travel',
  'shop/travel_agency': 'travel',
  'amenity/parking': 'travel',
  'shop/car_repair': 'vehicle',
  'shop/tyres': 'vehicle',
  'shop/car_parts': 'vehicle',
  'amenity/car_wash': 'vehicle',
  'shop/mobile_phone': 'telecom',
  'shop/telecommunication': 'telecom',
  'office/telecommunication': 'telecom',
  'office/insurance': 'insurance',
  'amenity/post_office': 'postage',
  'amenity/parcel_locker': 'postage',
  'shop/stationery': 'office',
  'shop/computer': 'office',
  'shop/electronics': 'office',
  'shop/books': 'office',
  'shop/furniture': 'office',
  'shop/doityourself': 'hardware',
  'shop/hardware': 'hardware',
  'shop/trade': 'hardware',
  'shop/paint': 'hardware',
  'shop/electrical': 'hardware',
  'shop/tool_hire': 'hardware',
  'shop/department_store': 'retail',
  'shop/variety_store': 'retail',
  'amenity/cinema': 'entertainment',
  'shop/alcohol': 'entertainment',
  'shop/wine': 'entertainment',
  'shop/beverages': 'entertainment',
};

/** The shape of brands.json: each merchant key with its kind and the brand's name as NSI writes it. */
export interface BrandFile {
  source: string;
  kinds: string[];
  /**
   * [name as found, index into kinds, the brand's name, 1 when sure (most of the brands under the name are that
   * kind), the merchant key (keys.ts canonicalKey)]
   */
  brands: [string, number, string, 0 | 1, string][];
}

interface NsiItem {
  displayName: string;
  matchNames?: string[];
  tags: Record<string, string>;
}

export function buildBrands(nsi: { _meta: { version: string }; nsi: Record<string, { items: NsiItem[] }> }): BrandFile {
  const votes = new Map<string, { kinds: Map<string, number>; names: Map<string, number> }>();
  for (const [path, group] of Object.entries(nsi.nsi)) {
    if (!path.startsWith('brands/')) continue;
    const kind = OSM_KINDS[path.slice('brands/'.length)];
    if (!kind) continue;
    for (const item of group.items) {
      const name = item.tags['brand:en'] ?? item.tags.brand ?? item.tags.name ?? item.displayName;
      const names = [
        item.tags.brand,
        item.tags['brand:en'],
        item.tags.name,
        item.tags['name:en'],
        ...(item.matchNames ?? []),
      ];
      for (const key of new Set(names.flatMap((n) => (n ? brandKeys(n) : [])))) {
        const v = votes.get(key) ?? { kinds: new Map(), names: new Map() };
        v.kinds.set(kind, (v.kinds.get(kind) ?? 0) + 1);
        v.names.set(name, (v.names.get(name) ?? 0) + 1);
        votes.set(key, v);
      }
    }
  }
  const kinds = [...new Set(Object.values(OSM_KINDS))].sort();
  const brands: BrandFile['brands'] = [];
  for (const [key, v] of [...votes.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const total = [...v.kinds.values()].reduce((a, b) => a + b, 0);
    const [kind, n] = most(v.kinds);
    const name = most(v.names)[0];
    brands.push([key, kinds.indexOf(kind), name, n / total >= 0.6 ? 1 : 0, canonicalKey(name, key)]);
  }
  return { source: `name-suggestion-index ${nsi._meta.version} (BSD-3-Clause)`, kinds, brands };
}

/** The entry with the most votes; ties go to the first in alphabetical order, so the build is reproducible. */
const most = (votes: Map<string, number>) =>
  [...votes.entries()].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a));

export function readNsi() {
  const require = createRequire(import.meta.url);
  // The package's main entry is dist/js/nsi.cjs; its data sits beside it in dist/json.
  const main = require.resolve('name-suggestion-index');
  return JSON.parse(readFileSync(join(dirname(main), '..', 'json', 'nsi.min.json'), 'utf8'));
}

if (process.argv[1]?.endsWith('build.ts')) {
  const file = buildBrands(readNsi());
  const out = join(import.meta.dirname, 'brands.json');
  writeFileSync(out, `${JSON.stringify(file)}\n`);
  console.log(`${file.brands.length} merchant keys from ${file.source} → ${out}`);
}
