import { describe, expect, it } from 'vitest';
import { buildForecast, type ForecastInputs } from '../../src/domain/forecast';
import { D } from '../../src/money';

// Monday 4 May 2026; week 1 is 4–10 May, week 2 11–17 May, … week 13 ends 2 August.
const inputs: ForecastInputs = {
  asOf: '2026-05-04',
  currency: 'USD',
  openingCash: '10000.00',
  receivables: [
    { id: 'a', counterparty: 'Alpha', amount: '1000.00', dueDate: '2026-05-06', averageDaysLate: 10 }, // expected 16 May: week 2
    { id: 'b', counterparty: 'Beta', amount: '2000.00', dueDate: '2026-04-20', averageDaysLate: 0 }, // overdue: next week at the earliest (week 2)
    { id: 'c', counterparty: 'Gamma', amount: '500.00', dueDate: '2026-01-01', averageDaysLate: 0 }, // 123 days overdue: excluded in base
  ],
  payables: [
    { id: 'r', counterparty: 'Landlord', amount: '3000.00', dueDate: '2026-05-10' }, // week 1
    { id: 'o', counterparty: 'Printer Co', amount: '200.00', dueDate: '2026-04-01' }, // overdue: this week
  ],
  mrr: '5200.00',
  feeRate: 0.03, // 5,200 × 12 / 52 = 1,200 a week, less 3% = 1,164
  recurringOutflows: [
    { counterparty: 'Gusto', monthlyAmount: '8000.00', dayOfMonth: 15, category: 'Wages' }, // 15 May (w2), 15 Jun (w7), 15 Jul (w11)
    { counterparty: 'Landlord', monthlyAmount: '3000.00', dayOfMonth: 10, category: 'Rent' }, // May already billed; 10 Jun (w6), 10 Jul (w10)
  ],
  recurringReceipts: [],
};

describe('13-week cash-flow forecast', () => {
  const f = buildForecast(inputs);
  const base = f.scenarios.find((s) => s.scenario === 'base')!;

  it('places each flow in its week (base)', () => {
    expect(base.weeks).toHaveLength(13);
    expect(base.weeks[0]).toMatchObject({
      start: '2026-05-04',
      end: '2026-05-10',
      openingCash: '10000.00',
      receipts: '0.00',
      recurringInflows: '1164.00',
      payments: '3200.00',
      recurringOutflows: '0.00',
      net: '-2036.00',
      closingCash: '7964.00',
    });
    // 1,000 + 2,000 received; payroll 8,000 out
    expect(base.weeks[1]).toMatchObject({
      receipts: '3000.00',
      recurringOutflows: '8000.00',
      net: '-3836.00',
      closingCash: '4128.00',
    });
    // weeks 3–5: subscriptions only
    expect(base.weeks[4]!.closingCash).toBe('7620.00');
    // June rent (the May one is the open bill, not counted twice)
    expect(base.weeks[5]).toMatchObject({ recurringOutflows: '3000.00', closingCash: '5784.00' });
    // June payroll takes cash below zero
    expect(base.weeks[6]).toMatchObject({ recurringOutflows: '8000.00', closingCash: '-1052.00' });
    expect(base.belowZeroWeek).toBe(7);
    expect(base.lowestCash.week).toBeGreaterThanOrEqual(7);
  });

  it('every week closes at its opening plus its net, and weeks chain', () => {
    for (const s of f.scenarios) {
      s.weeks.forEach((w, k) => {
        expect((Number(w.openingCash) * 100 + Number(w.net) * 100) / 100).toBeCloseTo(Number(w.closingCash), 6);
        if (k > 0) expect(w.openingCash).toBe(s.weeks[k - 1]!.closingCash);
      });
      expect(s.endingCash).toBe(s.weeks[12]!.closingCash);
    }
  });

  it('scenarios bracket the base case', () => {
    const opt = f.scenarios.find((s) => s.scenario === 'optimistic')!;
    const pes = f.scenarios.find((s) => s.scenario === 'pessimistic')!;
    expect(Number(opt.endingCash)).toBeGreaterThan(Number(base.endingCash));
    expect(Number(pes.endingCash)).toBeLessThan(Number(base.endingCash));
    // Optimistic: Alpha pays on its due date (week 1); Beta and the old Gamma invoice arrive next week.
    expect(opt.weeks[0]!.receipts).toBe('1000.00');
    expect(opt.weeks[1]!.receipts).toBe('2500.00');
    expect(pes.belowZeroWeek!).toBeLessThanOrEqual(base.belowZeroWeek!);
  });

  it('customers invoiced every month: next invoices on their usual day, cash after their usual lag', () => {
    const withRetainer = buildForecast({
      ...inputs,
      mrr: '0',
      // Invoiced around the 3rd, paid 35 days later; May is already invoiced (it is in the receivables).
      recurringReceipts: [
        { counterparty: 'Alpha', monthlyAmount: '4000.00', dayOfMonth: 3, lagDays: 35, invoicedMonths: ['2026-05'] },
      ],
    }).scenarios.find((s) => s.scenario === 'base')!;
    // June invoice on 3 June, cash on 8 July (week 10); July invoice on 3 July, cash on 7 August (beyond week 13)
    const weeksWithInflow = withRetainer.weeks
      .filter((w) => w.recurringInflows !== '0.00')
      .map((w) => [w.week, w.recurringInflows]);
    expect(weeksWithInflow).toEqual([[10, '4000.00']]);
  });

  it('reports the week cash falls below a floor', () => {
    const floored = buildForecast(inputs, { floor: '5000' }).scenarios.find((s) => s.scenario === 'base')!;
    expect(floored.belowFloorWeek).toBe(2); // 4,128 after week 2
  });
});

describe('the forecast as shown adds up', () => {
  it('every week closes at its opening plus its flows as shown, to the cent, what-if amounts included', () => {
    // MRR 1,234.56 with a 2.9% fee: 1,234.56 × 12 / 52 × 0.971 = 276.6287… a week, never a whole cent.
    const f = buildForecast(
      { ...inputs, openingCash: '10000.0049', mrr: '1234.56', feeRate: 0.029 },
      { monthlyChange: '-333.33' },
    );
    for (const s of f.scenarios)
      for (const w of s.weeks) {
        const sum = new D(w.openingCash)
          .plus(w.receipts)
          .plus(w.recurringInflows)
          .minus(w.payments)
          .minus(w.recurringOutflows)
          .plus(w.adjustments ?? '0');
        expect(sum.toFixed(2), `${s.scenario} week ${w.week}`).toBe(w.closingCash);
        expect(new D(w.closingCash).minus(w.openingCash).toFixed(2)).toBe(w.net);
      }
  });
});
