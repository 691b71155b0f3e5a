import { describe, expect, it } from 'vitest';
import { retentionStartUs } from '../../exporter/src/pipeline/prepare-spans.js';

const us = (iso: string) => Date.parse(iso) * 1000;
const day = (usValue: number) => new Date(usValue / 1000).toISOString();

describe('the earliest start a stored row keeps (raw retention)', () => {
  it('is now less the months, clamped to the month\'s length as ClickHouse adds months, less a day', () => {
    // 31 March less a month: 28 February (not 3 March, where a rolled-over date lands), then a day of margin.
    expect(day(retentionStartUs(us('2026-03-31T10:00:00Z'), 1))).toBe('2026-02-27T10:00:00.000Z');
    expect(day(retentionStartUs(us('2028-03-31T10:00:00Z'), 1))).toBe('2028-02-28T10:00:00.000Z');
    expect(day(retentionStartUs(us('2026-11-24T08:00:00Z'), 24))).toBe('2024-11-23T08:00:00.000Z');
    expect(day(retentionStartUs(us('2026-01-15T00:00:00Z'), 13))).toBe('2024-12-14T00:00:00.000Z');
  });
});
