import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildBrands, readNsi } from '../../src/domain/categorize/brands/build';

describe('brands.json', () => {
  it('is what `npm run brands` builds from the installed name-suggestion-index', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../src/domain/categorize/brands/brands.json', import.meta.url), 'utf8'),
    );
    const built = buildBrands(readNsi());
    expect(built.source).toBe(committed.source);
    expect(built.brands.length).toBe(committed.brands.length);
    expect(built).toEqual(committed);
  });

  it('knows the brands bank lines name, each with the kind of spending it is', () => {
    const built = buildBrands(readNsi());
    const kindOf = new Map(built.brands.map(([key, kind]) => [key, built.kinds[kind]]));
    // Hand-checked against the brands' OSM tags in name-suggestion-index.
    expect(kindOf.get('engen')).toBe('fuel'); // amenity=fuel
    expect(kindOf.get('hertz')).toBe('travel'); // amenity=car_rental
    expect(kindOf.get('pick n pay')).toBe('groceries'); // shop=supermarket
    expect(kindOf.get('clicks')).toBe('medical'); // shop=chemist
    expect(kindOf.get('starbucks')).toBe('meals'); // amenity=cafe
    expect(kindOf.get('officeworks')).toBe('office'); // shop=stationery
    // Too common a word to mean one brand alone.
    expect(kindOf.has('total')).toBe(false);
  });
});
