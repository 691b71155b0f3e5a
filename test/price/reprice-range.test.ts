import { describe, expect, it } from 'vitest';
import { repriceCalls } from '../../exporter/src/pnl/reprice.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import type { PnlStore } from '../../exporter/src/store/pnl-store.js';

// The range is checked before ClickHouse is touched, so a store that fails on any use proves nothing was read.
const untouchable = new Proxy({}, { get: (_t, key) => { throw new Error(`the store was used (${String(key)})`); } }) as PnlStore;
const book = createPriceBook();

describe('reprice --from / --to', () => {
  it.each([
    ['2026-02-30', '2026-03-05', /--from "2026-02-30" is not a day of the calendar.*YYYY-MM-DD/],
    ['2026-02-01', '2026-02-29', /--to "2026-02-29" is not a day of the calendar/],
    ['2026-04-31', '2026-05-01', /--from "2026-04-31"/],
    ['2026-13-01', '2027-01-01', /--from "2026-13-01"/],
    ['2026-1-01', '2026-02-01', /--from "2026-1-01"/],
  ])('refuses %s .. %s, which does not exist, instead of rolling it over', async (from, to, message) => {
    await expect(repriceCalls(untouchable, book, { from, to, dryRun: true })).rejects.toThrow(message);
  });

  it('accepts real days, leap days included', async () => {
    // Past validation the store is used: the error is the proxy's, not a date complaint.
    await expect(repriceCalls(untouchable, book, { from: '2028-02-29', to: '2028-03-01', dryRun: true })).rejects.toThrow(/the store was used/);
  });
});
