import { describe, expect, it } from 'vitest';
import { revenueMetrics } from '../../exporter/src/pnl/math/index.js';

describe('revenueMetrics', () => {
  it('computes MRR, ARR, ARPA, NRR, GRR and the movers from MRR at both ends', () => {
    const m = revenueMetrics([
      { customerId: 'flat', startMrrUsd: 100, endMrrUsd: 100 },
      { customerId: 'grows', startMrrUsd: 100, endMrrUsd: 150 },
      { customerId: 'shrinks', startMrrUsd: 250, endMrrUsd: 200 },
      { customerId: 'leaves', startMrrUsd: 50, endMrrUsd: 0 },
      { customerId: 'joins', startMrrUsd: 0, endMrrUsd: 80 },
      { customerId: 'never', startMrrUsd: 0, endMrrUsd: 0 },
    ]);
    expect(m).toEqual({
      mrrUsd: 530, // 100 + 150 + 200 + 80
      arrUsd: 6360, // 530 × 12
      arpaUsd: 132.5, // 530 / 4 paying at the end
      activeCustomers: 4,
      startingMrrUsd: 500, // 100 + 100 + 250 + 50
      newMrrUsd: 80,
      expansionMrrUsd: 50, // 150 − 100
      contractionMrrUsd: 50, // 250 − 200
      churnedMrrUsd: 50,
      nrrPct: 90, // (500 + 50 − 50 − 50) × 100 / 500
      grrPct: 80, // (500 − 50 − 50) × 100 / 500
      customerChurnRatePct: 25, // 1 × 100 / 4 paying at the start
      newCustomers: ['joins'],
      expandingCustomers: ['grows'],
      contractingCustomers: ['shrinks'],
      churnedCustomers: ['leaves'],
    });
  });

  it.each([
    // 100 → 300: NRR (100 + 200) × 100 / 100 = 300; GRR never exceeds 100
    ['expansion lifts NRR past 100 but not GRR', [{ customerId: 'a', startMrrUsd: 100, endMrrUsd: 300 }], 300, 100, 0],
    // both churn: (40 + 60 − 40 − 60) × 100 / 100 = 0
    ['everyone churns', [{ customerId: 'b', startMrrUsd: 60, endMrrUsd: 0 }, { customerId: 'a', startMrrUsd: 40, endMrrUsd: 0 }], 0, 0, 100],
    ['only new customers: no base to retain', [{ customerId: 'a', startMrrUsd: 0, endMrrUsd: 10 }], null, null, null],
    ['no customers', [], null, null, null],
  ] as const)('%s', (_name, customers, nrr, grr, churnRate) => {
    const m = revenueMetrics(customers);
    expect([m.nrrPct, m.grrPct, m.customerChurnRatePct]).toEqual([nrr, grr, churnRate]);
  });

  it('sorts mover ids and treats no customers as no ARPA', () => {
    const m = revenueMetrics([{ customerId: 'b', startMrrUsd: 1, endMrrUsd: 0 }, { customerId: 'a', startMrrUsd: 1, endMrrUsd: 0 }]);
    expect(m.churnedCustomers).toEqual(['a', 'b']);
    expect(m.arpaUsd).toBeNull();
    expect(m.mrrUsd).toBe(0);
  });

  it('refuses a customer listed twice rather than count its MRR twice', () => {
    expect(() =>
      revenueMetrics([{ customerId: 'a', startMrrUsd: 1, endMrrUsd: 1 }, { customerId: 'a', startMrrUsd: 1, endMrrUsd: 1 }]),
    ).toThrow('Customer a appears twice');
  });
});
