import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BucketCounts, BucketedHistogram } from '../../exporter/src/metrics/bucketed-histogram.js';

const BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];
const config = { name: 'pnl_test_lag_seconds', help: 'Lag of something.', buckets: BUCKETS };

/** Values on and around every bound, below the first and past the last, in quarters so sums are exact. */
function values(): number[] {
  const out: number[] = [0, 0.25];
  for (const b of BUCKETS) out.push(b, b + 0.25, Math.max(0, b - 0.25));
  out.push(5000, 1e6);
  return out;
}

describe('BucketedHistogram', () => {
  it('exposes exactly the text a prom-client Histogram gives for the same values, added in per-request counts', async () => {
    const theirs = new Registry();
    const reference = new Histogram({ ...config, registers: [theirs] });
    const ours = new Registry();
    const bucketed = new BucketedHistogram({ ...config, registers: [ours] });
    const all = values();
    // Three "requests", each counted on its own (as an ingest worker does), then added.
    for (let part = 0; part < 3; part++) {
      const counts = new BucketCounts(BUCKETS);
      for (const v of all.filter((_, i) => i % 3 === part)) {
        counts.observe(v);
        reference.observe(v);
      }
      bucketed.add(counts.counts, counts.sum);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain(`pnl_test_lag_seconds_count ${all.length}`);
    expect(text).toContain('pnl_test_lag_seconds_bucket{le="0.1"} 3'); // 0, 0.1 itself, and 0.1 - 0.25 clamped to 0
    // The JSON form too (prom-client adds an empty exemplar to its buckets).
    const withoutExemplars = (json: unknown): unknown => JSON.parse(JSON.stringify(json, (k, v: unknown) => (k === 'exemplar' ? undefined : v)));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(withoutExemplars(await theirs.getMetricsAsJSON()));
  });

  it('starts from zero after a registry reset, and refuses counts over other buckets', async () => {
    const registry = new Registry();
    const h = new BucketedHistogram({ ...config, registers: [registry] });
    const counts = new BucketCounts(BUCKETS);
    counts.observe(3);
    h.add(counts.counts, counts.sum);
    expect(await registry.metrics()).toContain('pnl_test_lag_seconds_bucket{le="5"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).toContain('pnl_test_lag_seconds_count 0');
    expect(() => h.add([1, 2], 3)).toThrow(/2 bucket counts given, 12 expected/);
  });
});
