import { describe, expect, it } from 'vitest';
import { OTHER_CUSTOMER } from '../../exporter/src/metrics/customer-labels.js';
import { RESERVED_CUSTOMER_IDS } from '../../exporter/src/normalize/normalize-span.js';
import { PORTFOLIO_BUDGET } from '../../exporter/src/pnl/pnl-engine.js';
import { PORTFOLIO_BUDGET as GUARD_PORTFOLIO_BUDGET } from '../../instrumentation/src/budget-guard.js';
import { RESERVED_CUSTOMER_IDS as INSTRUMENTATION_RESERVED } from '../../instrumentation/src/validate-attribution.js';

describe('reserved customer ids', () => {
  // The normalizer and the instrumentation cannot import the engine's and the metrics' constants
  // (layers, and a separate package); this keeps the copies equal.
  it('are exactly the ids the P&L engine and the metrics give a meaning of their own, on both sides', () => {
    const expected = [PORTFOLIO_BUDGET, OTHER_CUSTOMER].sort();
    expect([...RESERVED_CUSTOMER_IDS].sort()).toEqual(expected);
    expect([...INSTRUMENTATION_RESERVED].sort()).toEqual(expected);
    expect(GUARD_PORTFOLIO_BUDGET).toBe(PORTFOLIO_BUDGET);
  });
});
