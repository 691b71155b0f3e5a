import { describe, expect, it } from 'vitest';
import { createLogger } from '../../exporter/src/log/logger.js';
import { PnlMetrics } from '../../exporter/src/metrics/pnl-metrics.js';
import type { Anomaly, AnomalyDetector } from '../../exporter/src/pnl/anomalies.js';
import type { PnlEngine } from '../../exporter/src/pnl/pnl-engine.js';
import { PnlGauges } from '../../exporter/src/pnl/pnl-gauges.js';

const anomaly = (kind: Anomaly['kind'], customer: string, feature: string, model: string): Anomaly => ({ kind, customer, feature, model, day: null, window: null, value: 2, threshold: 1, message: '' });

describe('pnl_anomaly labels', () => {
  it("are bounded like the counters' labels: in number and in length", async () => {
    const metrics = new PnlMetrics({ topCustomers: 2, maxLabelValues: 2 });
    const engine = {
      summary: async () => ({ customers: [], totals: { revenue: 0, totalCost: 0 } }),
      budgetStatuses: async () => [],
      forecasts: async () => [],
    } as unknown as PnlEngine;
    const found = [
      ...Array.from({ length: 50 }, (_, i) => anomaly('cost_spike', 'cust_a', `feature-${i}`, '')),
      anomaly('cost_spike', 'cust_a', 'f'.repeat(1000), ''),
      anomaly('error_rate', '', '', 'm'.repeat(5000)),
    ];
    const detector = { detect: async () => found } as unknown as AnomalyDetector;
    await new PnlGauges(engine, metrics, createLogger('silent'), 50, detector).refresh();
    const lines = (await metrics.exposition()).split('\n').filter((l) => l.startsWith('pnl_anomaly{'));
    expect(lines).toEqual([
      'pnl_anomaly{customer="cust_a",feature="feature-0",model="",kind="cost_spike"} 1',
      'pnl_anomaly{customer="cust_a",feature="feature-1",model="",kind="cost_spike"} 1',
      'pnl_anomaly{customer="cust_a",feature="__other__",model="",kind="cost_spike"} 1',
      'pnl_anomaly{customer="",feature="",model="__other__",kind="error_rate"} 1',
    ]);
  });
});
