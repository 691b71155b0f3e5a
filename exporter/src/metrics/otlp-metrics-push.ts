import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';

/**
 * Pushes the service's Prometheus metrics to an OTLP/HTTP metrics endpoint (a Collector feeding
 * Mimir, Grafana Cloud, Datadog...), for teams whose metrics pipeline has no Prometheus scraping
 * it. The metrics stay prom-client's, one registry for both ways out: a MetricProducer reads the
 * registry at each export and hands the values to the OpenTelemetry SDK's periodic reader and
 * OTLP exporter, which carry them as cumulative sums, gauges and histograms. The standard
 * OTEL_EXPORTER_OTLP_METRICS_HEADERS / _TIMEOUT / _COMPRESSION variables apply.
 */
export class OtlpMetricsPush {
  private constructor(private readonly provider: MeterProvider) {}

  static start(registry: Registry, options: { url: string; intervalMs: number; serviceName: string; logger: Logger }): OtlpMetricsPush {
    const exporter = new OTLPMetricExporter({ url: options.url });
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: options.intervalMs,
      exportTimeoutMillis: Math.min(30_000, options.intervalMs),
      metricProducers: [new PromRegistryProducer(registry)],
    });
    const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': options.serviceName }), readers: [reader] });
    options.logger.info('pushing metrics over OTLP', { url: options.url, intervalMs: options.intervalMs });
    return new OtlpMetricsPush(provider);
  }

  /**
   * Pushes once more (the last values), then stops; gives up after `timeoutMs`, so an endpoint
   * that does not answer cannot eat the stop's time for writing the last rows.
   */
  async shutdown(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.provider.shutdown(), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The values of a prom-client registry as OpenTelemetry metric data, read at each collection. */
export class PromRegistryProducer implements MetricProducer {
  /** Counters and histograms count from the process's start, as prom-client's do. */
  private readonly startTime: HrTime = msToHrTime(Date.now() - process.uptime() * 1000);

  constructor(private readonly registry: Registry) {}

  async collect(): Promise<CollectionResult> {
    const endTime = msToHrTime(Date.now());
    const metrics: MetricData[] = [];
    for (const m of await this.registry.getMetricsAsJSON()) {
      const data = this.convert(m, endTime);
      if (data !== undefined) metrics.push(data);
    }
    return {
      resourceMetrics: { resource: resourceFromAttributes({}), scopeMetrics: [{ scope: { name: 'agentic-pnl' }, metrics }] },
      errors: [],
    };
  }

  private convert(m: MetricObjectWithValues<MetricValue<string>>, endTime: HrTime): MetricData | undefined {
    const times = { startTime: this.startTime, endTime };
    const descriptor = { description: m.help, unit: '', valueType: ValueType.DOUBLE };
    const values = () => m.values.map((v) => ({ ...times, attributes: v.labels as Attributes, value: v.value }));
    switch (String(m.type)) {
      case 'counter':
        return {
          // OpenTelemetry's Prometheus compatibility rules: a counter's `_total` is the exposition's suffix, not part of its name.
          descriptor: { ...descriptor, name: m.name.replace(/_total$/, '') },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: values(),
        };
      case 'gauge':
        return { descriptor: { ...descriptor, name: m.name }, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: values() };
      case 'histogram':
        return {
          descriptor: { ...descriptor, name: m.name },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: histogramPoints(m.name, m.values as Array<MetricValueWithName<string>>).map((p) => ({ ...times, ...p })),
        };
      default:
        // Summaries (none of ours; prom-client's defaults have none either) have no OTLP equivalent here.
        return undefined;
    }
  }
}

/**
 * prom-client's histogram values, one `_bucket` per `le` (cumulative counts) plus `_sum` and
 * `_count` per label set, as OTLP histogram points: finite upper bounds, and the count in each
 * bucket on its own (the last one above the largest bound).
 */
function histogramPoints(name: string, values: ReadonlyArray<MetricValueWithName<string>>): Array<{ attributes: Attributes; value: { buckets: { boundaries: number[]; counts: number[] }; sum: number; count: number } }> {
  const points = new Map<string, { attributes: Attributes; bounds: Array<[number, number]>; sum: number; count: number }>();
  for (const v of values) {
    const { le, ...labels } = v.labels as Record<string, string | number>;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let p = points.get(key);
    if (p === undefined) points.set(key, (p = { attributes: labels, bounds: [], sum: 0, count: 0 }));
    if (v.metricName === `${name}_bucket`) p.bounds.push([le === '+Inf' ? Infinity : Number(le), v.value]);
    else if (v.metricName === `${name}_sum`) p.sum = v.value;
    else if (v.metricName === `${name}_count`) p.count = v.value;
  }
  return [...points.values()].map((p) => {
    const sorted = p.bounds.sort((a, b) => a[0] - b[0]);
    const finite = sorted.filter(([bound]) => Number.isFinite(bound));
    const counts: number[] = [];
    let below = 0;
    for (const [, cumulative] of finite) {
      counts.push(cumulative - below);
      below = cumulative;
    }
    counts.push(p.count - below);
    return { attributes: p.attributes, value: { buckets: { boundaries: finite.map(([bound]) => bound), counts }, sum: p.sum, count: p.count } };
  });
}

function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
