import { describe, expect, it } from 'vitest';
import { callSumsIds, callSumsKey, CALL_SUMS_STRIDE, INGEST_LAG_BUCKETS, type IngestTallyData } from '../../exporter/src/metrics/ingest-tally.js';
import { PnlMetrics } from '../../exporter/src/metrics/pnl-metrics.js';
import { metricSum } from '../helpers/test-service.js';

const tally = (calls: Array<string | number>): IngestTallyData => ({ calls, evolution: [], unpriced: [], runs: [], lagCounts: INGEST_LAG_BUCKETS.map(() => 0).concat(0), lagSum: 0 });
/** One call sum entry: the key, then usd, input, cacheRead, cacheWrite, output, reasoning, ok, error, unset. */
const entry = (key: string, usd: number, input: number): Array<string | number> => [key, usd, input, 0, 0, 10, 0, 1, 0, 0];

describe('call sums keys', () => {
  it('split back into the four ids, even when an id holds the separator', () => {
    expect(callSumsIds(callSumsKey('acme', 'search', 'openai', 'gpt-4o'))).toEqual(['acme', 'search', 'openai', 'gpt-4o']);
    expect(callSumsIds(callSumsKey('a\u0000b', '', 'openai', 'm\u0000'))).toEqual(['a\uFFFDb', '', 'openai', 'm\uFFFD']);
    expect(entry('k', 0, 0)).toHaveLength(CALL_SUMS_STRIDE);
  });
});

describe('PnlMetrics.recordTally', () => {
  it('labels raw call sums when they are scraped, bounding customers and models, with exact totals', async () => {
    const m = new PnlMetrics({ topCustomers: 2, maxLabelValues: 3, defaultMetrics: false });
    m.recordTally(tally([...entry(callSumsKey('c1', 'f', 'openai', 'm1'), 0.5, 100), ...entry(callSumsKey('c2', 'f', 'openai', 'm2'), 0.25, 50)]));
    m.recordTally(tally([...entry(callSumsKey('c3', 'f', 'openai', 'm3'), 1, 7), ...entry(callSumsKey('c1', 'f', 'openai', 'm4'), 2, 3)]));
    const text = await m.exposition();
    expect(text).toContain('pnl_llm_cost_usd_total{customer="c1",feature="f",provider="openai",model="m1"} 0.5');
    expect(text).toContain('pnl_llm_cost_usd_total{customer="__other__",feature="f",provider="openai",model="m3"} 1');
    expect(text).toContain('pnl_llm_cost_usd_total{customer="c1",feature="f",provider="openai",model="__other__"} 2');
    expect(metricSum(text, 'pnl_llm_cost_usd_total')).toBe(3.75);
    expect(metricSum(text, 'pnl_llm_tokens_total', { kind: 'input' })).toBe(160);
    expect(metricSum(text, 'pnl_llm_calls_total')).toBe(4);
    // Scraped sums are not counted again at the next scrape.
    expect(metricSum(await m.exposition(), 'pnl_llm_cost_usd_total')).toBe(3.75);
  });

  it('creates a label set\'s error series at 0, so its first failures are an increase Prometheus can see', async () => {
    const m = new PnlMetrics({ topCustomers: 10, maxLabelValues: 10, defaultMetrics: false });
    const key = callSumsKey('c1', 'f', 'openai', 'gpt-4o');
    m.recordTally(tally(entry(key, 0.5, 100))); // one successful call
    const errors = (text: string): string | undefined => /^pnl_llm_calls_total\{customer="c1",feature="f",provider="openai",model="gpt-4o",status="error"\} (\S+)$/m.exec(text)?.[1];
    expect(errors(await m.exposition())).toBe('0');
    m.recordTally(tally([key, 0.5, 100, 0, 0, 10, 0, 0, 1, 0])); // then one failed call
    expect(errors(await m.exposition())).toBe('1');
    // Only the error series: no unset series appears for a label set that has none.
    expect(await m.exposition()).not.toMatch(/status="unset"/);
  });

  it('folds waiting raw sums into the labelled ones when there are too many, so nothing is lost without scrapes', async () => {
    const m = new PnlMetrics({ topCustomers: 10, maxLabelValues: 10, defaultMetrics: false });
    // 25,000 distinct raw keys (more than the 20,000 that may wait), 2,500 requests of 10.
    for (let r = 0; r < 2500; r++) {
      const calls: Array<string | number> = [];
      for (let i = 0; i < 10; i++) calls.push(...entry(callSumsKey(`c${(r * 10 + i) % 20}`, `f${r}`, 'openai', `m${i}`), 0.001, 1));
      m.recordTally(tally(calls));
    }
    // The waiting map itself is private; its bound is what this test is about.
    expect((m as unknown as { rawCallSums: Map<string, unknown> }).rawCallSums.size).toBeLessThanOrEqual(20_000);
    const text = await m.exposition();
    expect(metricSum(text, 'pnl_llm_calls_total')).toBe(25_000);
    expect(metricSum(text, 'pnl_llm_tokens_total', { kind: 'input' })).toBe(25_000);
    expect(metricSum(text, 'pnl_llm_cost_usd_total')).toBeCloseTo(25, 9);
  });
});
