import { describe, expect, it } from 'vitest';
import { BoundedLabel, MAX_LABEL_VALUE_LENGTH, OTHER_VALUE } from '../../exporter/src/metrics/bounded-label.js';
import { CustomerLabels } from '../../exporter/src/metrics/customer-labels.js';
import { INGEST_LAG_BUCKETS } from '../../exporter/src/metrics/ingest-tally.js';
import { PnlMetrics } from '../../exporter/src/metrics/pnl-metrics.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { metricSum, metricValue, startTestService } from '../helpers/test-service.js';

describe('BoundedLabel', () => {
  it('keeps the first N values and folds the rest into __other__', () => {
    const l = new BoundedLabel(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map((v) => l.label(v))).toEqual(['a', 'b', OTHER_VALUE, 'a', OTHER_VALUE, 'b']);
  });

  it('folds values longer than MAX_LABEL_VALUE_LENGTH into __other__ without using up a place', () => {
    const l = new BoundedLabel(2);
    const long = 'm'.repeat(MAX_LABEL_VALUE_LENGTH + 1);
    const longest = 'n'.repeat(MAX_LABEL_VALUE_LENGTH);
    expect([long, longest, 'a', long].map((v) => l.label(v))).toEqual([OTHER_VALUE, longest, 'a', OTHER_VALUE]);
  });
});

describe('CustomerLabels', () => {
  it('gives a customer id longer than MAX_LABEL_VALUE_LENGTH no label of its own, first come or ranked', () => {
    const long = 'c'.repeat(MAX_LABEL_VALUE_LENGTH + 1);
    const first = new CustomerLabels(5);
    expect([long, 'cust_a'].map((c) => first.label(c))).toEqual([OTHER_VALUE, 'cust_a']);
    const ranked = new CustomerLabels(1);
    ranked.setRanking([long, 'cust_b']);
    expect([ranked.label('cust_b'), ranked.label(long)]).toEqual(['cust_b', OTHER_VALUE]);
  });
});

describe('label values that prom-client would take for another label set', () => {
  it('fold into __other__, so "a,feature:b" with "c" and "a" with "b,feature:c" stay two series', async () => {
    const metrics = new PnlMetrics({ topCustomers: 10 });
    expect([metrics.customers.label('a,feature:b'), metrics.features.label('b,feature:c'), metrics.features.label('plain, with: spaces')]).toEqual([OTHER_VALUE, OTHER_VALUE, 'plain, with: spaces']);
    const labels = new BoundedLabel(5);
    expect(labels.label('x,model:y')).toBe(OTHER_VALUE);
  });

  it('leave the unattributed calls out of the ranking, so the top N are N customers', () => {
    const ranked = new CustomerLabels(2);
    ranked.setRanking(['', 'big', 'second']);
    expect(['', 'big', 'second', 'third'].map((c) => ranked.label(c))).toEqual(['__unattributed__', 'big', 'second', OTHER_VALUE]);
  });
});

describe('customers leaving the ranking', () => {
  /** One call of $1 and 10 input tokens for `customer`, as a worker's tally carries it. */
  const tally = (customer: string) => ({
    calls: [`${customer}\u0000chat\u0000openai\u0000gpt-4o`, 1, 10, 0, 0, 0, 0, 1, 0, 0],
    evolution: [customer, 'chat', 'retry', 0.5],
    unpriced: [],
    runs: [customer, 'support', 'success', 1],
    lagCounts: new Array<number>(INGEST_LAG_BUCKETS.length + 1).fill(0),
    lagSum: 0,
  });
  const customersIn = async (m: PnlMetrics): Promise<string[]> =>
    [...new Set([...(await m.exposition()).matchAll(/customer="([^"]*)"/g)].map((x) => x[1]!))].sort();

  it('lose their series, their unscraped spend moves to __other__, and the series stay bounded as the ranking churns', async () => {
    const m = new PnlMetrics({ topCustomers: 2, defaultMetrics: false });
    m.recordTally(tally('a'));
    m.recordTally(tally('b'));
    await m.exposition();
    m.recordTally(tally('b')); // not scraped yet when b leaves
    m.applyRanking(['a', 'c']);
    const text = await m.exposition();
    expect(await customersIn(m)).toEqual(['__other__', 'a']);
    expect(metricValue(text, 'pnl_llm_cost_usd_total', { customer: '__other__', feature: 'chat', provider: 'openai', model: 'gpt-4o' })).toBe(1);
    expect(metricValue(text, 'pnl_llm_evolution_cost_usd_total', { customer: '__other__', feature: 'chat', reason: 'retry' })).toBe(0.5);
    expect(metricValue(text, 'pnl_llm_tokens_total', { customer: '__other__', feature: 'chat', provider: 'openai', model: 'gpt-4o', kind: 'input' })).toBe(10);
    // Fifty rankings later, each with a new second customer: never more than the top 2 and __other__.
    for (let i = 0; i < 50; i++) {
      m.applyRanking(['a', `x${i}`]);
      m.recordTally(tally(`x${i}`));
      await m.exposition();
    }
    expect(await customersIn(m)).toEqual(['__other__', 'a', 'x49']);
  });

  it('keep the customers admitted first come while the ranking is shorter than N', () => {
    const labels = new CustomerLabels(3);
    expect(['a', 'b'].map((c) => labels.label(c))).toEqual(['a', 'b']);
    expect(labels.setRanking(['c'])).toEqual([]);
    expect(['a', 'b', 'c', 'd'].map((c) => labels.label(c))).toEqual(['a', 'b', 'c', OTHER_VALUE]);
    expect(labels.setRanking(['d', 'e', 'c'])).toEqual(['a', 'b']);
  });
});

describe('label bounds on the running service', () => {
  it('caps model and feature label values, while the totals and ClickHouse keep everything', async () => {
    const svc = await startTestService({ metricsMaxLabelValues: 2 });
    try {
      const models = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1', 'gpt-4.1-mini'];
      const { json } = await otlpBodies(
        models.map((model, i) => ({ name: `chat ${model}`, attributes: chatAttributes(model, { input_tokens: 1000, output_tokens: 100 }, { 'pnl.feature.id': `feature-${i}` }) })),
      );
      expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
      await svc.service.core.writer.flush();
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const modelLabels = new Set([...text.matchAll(/^pnl_llm_calls_total\{[^}]*model="([^"]+)"/gm)].map((m) => m[1]));
      const featureLabels = new Set([...text.matchAll(/^pnl_llm_calls_total\{[^}]*feature="([^"]+)"/gm)].map((m) => m[1]));
      expect(modelLabels).toEqual(new Set(['gpt-4o-mini', 'gpt-4o', OTHER_VALUE]));
      expect(featureLabels).toEqual(new Set(['feature-0', 'feature-1', OTHER_VALUE]));
      expect(metricSum(text, 'pnl_llm_calls_total')).toBe(4);
      const [row] = await svc.service.core.store.select<{ models: number; cost: string }>('SELECT uniqExact(request_model) AS models, toString(sum(cost_usd)) AS cost FROM pnl.llm_calls');
      expect(row!.models).toBe(4);
      expect(metricSum(text, 'pnl_llm_cost_usd_total')).toBeCloseTo(Number(row!.cost), 12);
    } finally {
      await svc.stop();
    }
  });
});
