import { describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/db/businesses';
import { withBusiness } from '../../src/db/client';
import { disputeMonitoring } from '../../src/domain/disputes';
import { ingestStripe, type StripeCharge } from '../../src/integrations/stripe/mappers';
import { useTestDatabase } from '../helpers/db';

const t = useTestDatabase();
const unix = (d: string) => Math.floor(Date.parse(`${d}T12:00:00Z`) / 1000);
let n = 0;
const charge = (date: string, brand: string, type = 'card'): StripeCharge => ({
  id: `ch_${++n}`,
  object: 'charge',
  amount: 5000,
  currency: 'usd',
  created: unix(date),
  status: 'succeeded',
  payment_method_details: { type, card: { brand } },
});

describe('dispute monitoring from Stripe data', () => {
  it('splits by network, counts only card-not-present for Visa, and uses last month’s transactions for Mastercard', async () => {
    const biz = await createBusiness(t.db, { name: 'Disputes Co' });
    const visaApril = Array.from({ length: 10 }, (_, i) => charge(`2026-04-${String(i + 1).padStart(2, '0')}`, 'visa'));
    const visaPresent = charge('2026-04-03', 'visa', 'card_present');
    const mcApril = [charge('2026-04-02', 'mastercard'), charge('2026-04-05', 'mastercard')];
    const mcMarch = Array.from({ length: 5 }, (_, i) => charge(`2026-03-${10 + i}`, 'mastercard'));
    const visaMarch = charge('2026-03-20', 'visa');
    const dispute = (id: string, ch: StripeCharge, date: string) => ({
      id,
      object: 'dispute' as const,
      amount: 5000,
      charge: ch.id,
      currency: 'usd',
      created: unix(date),
      reason: 'fraudulent',
      status: 'needs_response',
    });
    await withBusiness(t.db, biz.id, (tx) =>
      ingestStripe(
        tx,
        { id: biz.id, baseCurrency: 'USD' },
        {
          charges: [...visaApril, visaPresent, ...mcApril, ...mcMarch, visaMarch],
          // Two Visa disputes this month (one on a March charge), one Mastercard; one from March is out of the month.
          disputes: [
            dispute('dp_1', visaApril[0]!, '2026-04-08'),
            dispute('dp_2', visaMarch, '2026-04-09'),
            dispute('dp_3', mcMarch[0]!, '2026-04-10'),
            dispute('dp_4', mcMarch[1]!, '2026-03-30'),
          ],
        },
      ),
    );
    const m = await withBusiness(t.db, biz.id, (tx) => disputeMonitoring(tx, biz.id, '2026-04-15'));
    expect(m).toMatchObject({ month: { start: '2026-04-01', end: '2026-04-30' }, daysElapsed: 15, daysInMonth: 30 });
    const vamp = m.programs.find((p) => p.program === 'VAMP')!;
    // 2 disputes / 10 Visa card-not-present charges this month (the card-present one is excluded)
    expect(vamp.threshold).toBe(0.015);
    expect(vamp.monthToDate).toEqual({ events: 2, transactions: 10, ratio: 0.2 });
    // Halfway through: both sides doubled; 20% is far above 1.5% but 4 events are far below 1,500.
    expect(vamp.projected).toEqual({ events: 4, transactions: 20, ratio: 0.2 });
    expect(vamp.status).toBe('watch');
    const ecm = m.programs.find((p) => p.program === 'ECM')!;
    // 1 Mastercard chargeback this month / 5 Mastercard transactions last month
    expect(ecm.monthToDate).toEqual({ events: 1, transactions: 5, ratio: 0.2 });
    expect(ecm.projected).toEqual({ events: 2, transactions: 5, ratio: 0.4 });
    expect(m.status).toBe('watch');

    // Before April 2026 the Visa threshold is 2.2%.
    const march = await withBusiness(t.db, biz.id, (tx) => disputeMonitoring(tx, biz.id, '2026-03-31'));
    expect(march.programs.find((p) => p.program === 'VAMP')!.threshold).toBe(0.022);
  });
});
