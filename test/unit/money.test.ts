import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors';
import { add, convert, D, format, fromApiNumber, fromMinor, money, sum, toDb, toFixedMinor } from '../../src/money';

describe('money', () => {
  it('one million additions of 0.01 equal exactly 10000.00', () => {
    let total = money('0', 'USD');
    const cent = money('0.01', 'USD');
    for (let i = 0; i < 1_000_000; i++) total = add(total, cent);
    expect(toFixedMinor(total)).toBe('10000.00');
    expect(total.amount.eq(new D('10000'))).toBe(true);
    // The float way is wrong, which is why we never do it.
    let f = 0;
    for (let i = 0; i < 1_000_000; i++) f += 0.01;
    expect(f).not.toBe(10000);
  });

  it('sums exactly', () => {
    const items = ['0.1', '0.2', '0.3'].map((a) => money(a, 'EUR'));
    expect(toDb(sum(items, 'EUR'))).toBe('0.6000');
    expect(toDb(sum([], 'EUR'))).toBe('0.0000');
  });

  it('rounds half-up to the currency minor unit for display', () => {
    expect(toFixedMinor(money('2.345', 'USD'))).toBe('2.35');
    expect(toFixedMinor(money('2.344', 'USD'))).toBe('2.34');
    expect(toFixedMinor(money('-2.345', 'USD'))).toBe('-2.35');
    expect(toFixedMinor(money('1234.5', 'JPY'))).toBe('1235');
    expect(toFixedMinor(money('1.2345', 'KWD'))).toBe('1.235');
    expect(format(money('1234567.891', 'USD'))).toBe('USD 1,234,567.89');
    expect(format(money('-12', 'GBP'))).toBe('-GBP 12.00');
  });

  it('converts Stripe minor units by the currency exponent', () => {
    expect(toDb(fromMinor(12345, 'usd'))).toBe('123.4500');
    expect(toDb(fromMinor(12345, 'JPY'))).toBe('12345.0000');
    expect(toDb(fromMinor(12345, 'KWD'))).toBe('12.3450');
    expect(() => fromMinor(1.5, 'USD')).toThrow(InvalidInputError);
  });

  it('reads API JSON numbers through their decimal literal, not float arithmetic', () => {
    expect(toDb(fromApiNumber(46.0, 'NZD'))).toBe('46.0000');
    expect(toDb(fromApiNumber(0.1, 'USD'))).toBe('0.1000');
    expect(toDb(fromApiNumber(1234567.89, 'USD'))).toBe('1234567.8900');
    expect(() => fromApiNumber(Number.NaN, 'USD')).toThrow(InvalidInputError);
    expect(() => fromApiNumber(Number.POSITIVE_INFINITY, 'USD')).toThrow(InvalidInputError);
  });

  it('refuses to mix currencies without conversion', () => {
    expect(() => add(money('1', 'USD'), money('1', 'EUR'))).toThrow(/without conversion/);
    expect(() => sum([money('1', 'USD')], 'EUR')).toThrow(/without conversion/);
    expect(toDb(convert(money('10', 'EUR'), '1.0825', 'USD'))).toBe('10.8250');
  });

  it('rejects malformed amounts and currencies', () => {
    expect(() => money('1e3', 'USD')).toThrow(InvalidInputError);
    expect(() => money('12,50', 'USD')).toThrow(InvalidInputError);
    expect(() => money('1', 'US')).toThrow(/ISO 4217/);
  });
});
