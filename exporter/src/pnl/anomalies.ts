import type { PnlStore } from '../store/pnl-store.js';
import { query } from '../store/query-files.js';
import {
  cacheHitDrops,
  costSpikes,
  errorRateBreaches,
  unitCostBreaches,
  utcDayNumber,
  utcDayString,
  type CacheHitDropOptions,
  type CostSpikeOptions,
  type ErrorRateOptions,
  type UnitCostOptions,
} from './math/index.js';

/** Which seed 004 rule fired. */
export type AnomalyKind = 'cost_spike' | 'cache_hit_drop' | 'error_rate' | 'unit_cost';

/**
 * One fired anomaly rule, flat so that it maps onto one gauge series and one table row.
 * `value` and `threshold` are in the same unit, and the rule fired because value > threshold:
 * - `cost_spike`: the day's cost (USD) > multiplier × mean cost of the 7 days before it;
 * - `cache_hit_drop`: the relative (or absolute, per option) fall of the hit rate > 0.2;
 * - `error_rate`: error calls / calls in the window > 0.03;
 * - `unit_cost`: cost per outcome (USD) > target × 1.3.
 */
export interface Anomaly {
  kind: AnomalyKind;
  /** '' for a per-model rule (error rate). */
  customer: string;
  /** '' for a per-model rule (error rate). */
  feature: string;
  /** Requested model; '' for the per customer × feature rules. */
  model: string;
  /** UTC day judged (`YYYY-MM-DD`) by the daily rules; null for the error rate. */
  day: string | null;
  /** ISO instants `[start, end)` judged by the error rate; null for the daily rules. */
  window: { start: string; end: string } | null;
  value: number;
  threshold: number;
  /** One sentence for a person: what, where, how far over. */
  message: string;
}

/** Settings of the detector; every rule's own options default to seed 004's numbers (see docs/pnl-formulas.md). */
export interface AnomalyDetectorOptions {
  /** Feature → target cost per outcome (USD). Without it (or empty) the unit-cost rule is skipped. */
  unitCostTargets?: Record<string, number>;
  /** Length of the error-rate window in minutes (default 15). */
  errorWindowMinutes?: number;
  costSpike?: CostSpikeOptions;
  cacheHitDrop?: CacheHitDropOptions;
  errorRate?: ErrorRateOptions;
  unitCost?: UnitCostOptions;
}

/** ClickHouse returns 64-bit integers as JSON strings; Number() reads either. */
type Count = number | string;

interface FeatureCostRow { customer: string; feature: string; day_text: string; cost_usd_text: string }
interface CacheUseRow { customer: string; feature: string; day_text: string; n_cache_read: Count; n_input_total: Count }
interface ModelErrorRow { model_name: string; n_calls: Count; n_errors: Count }
interface UnitCostRow { customer: string; feature: string; cost_usd_text: string; n_units: Count }

const MINUTE_MS = 60_000;

/**
 * Seed 004's anomaly rules over stored calls: it aggregates in ClickHouse (`clickhouse/queries/anomaly-*.sql`)
 * and judges with the pure functions of `./math`, so the thresholds and edge cases are those documented in
 * docs/pnl-formulas.md. "Today" is the UTC day containing `now`.
 */
export class AnomalyDetector {
  constructor(
    private readonly store: PnlStore,
    private readonly options: AnomalyDetectorOptions = {},
  ) {}

  /** Every rule that fires at `now`, in rule order: cost spikes, cache-hit drops, error rates, unit costs. */
  async detect(now: Date): Promise<Anomaly[]> {
    const day = utcDayString(utcDayNumber(now));
    const rules = await Promise.all([this.costSpikes(day), this.cacheHitDrops(day), this.errorRates(now), this.unitCosts(day)]);
    return rules.flat();
  }

  /** Today's cost per customer × feature against the mean of the 7 days before. */
  private async costSpikes(day: string): Promise<Anomaly[]> {
    const windowDays = this.options.costSpike?.windowDays ?? 7;
    const from = shiftDay(day, -windowDays);
    const rows = await this.store.select<FeatureCostRow>(query('anomaly-feature-costs'), { from, day });
    const series = rows.map((r) => ({ customerId: r.customer, featureId: r.feature, day: r.day_text, costUsd: Number(r.cost_usd_text) }));
    // The query returns the whole window so the baseline is complete; only today is news.
    return costSpikes(series, this.options.costSpike)
      .filter((s) => s.day === day)
      .map((s) => ({
        ...where('cost_spike', s.customerId, s.featureId, ''),
        day: s.day,
        window: null,
        value: s.costUsd,
        threshold: s.multiplier * s.baselineUsd,
        message:
          `${s.customerId} / ${s.featureId} cost ${usd(s.costUsd)} on ${s.day}, ` +
          (s.ratio === null ? `after ${windowDays} days without spend` : `${s.ratio.toFixed(2)}× its ${windowDays}-day average of ${usd(s.baselineUsd)}`) +
          ` (limit ${s.multiplier}×).`,
      }));
  }

  /** Today's cache hit rate per customer × feature against yesterday's. */
  private async cacheHitDrops(day: string): Promise<Anomaly[]> {
    const rows = await this.store.select<CacheUseRow>(query('anomaly-cache-use'), { day });
    const series = rows.map((r) => ({
      key: JSON.stringify([r.customer, r.feature]),
      day: r.day_text,
      cacheReadTokens: Number(r.n_cache_read),
      inputTokensTotal: Number(r.n_input_total),
    }));
    return cacheHitDrops(series, this.options.cacheHitDrop)
      .filter((d) => d.day === day)
      .map((d) => {
        const [customer, feature] = JSON.parse(d.key) as [string, string];
        return {
          ...where('cache_hit_drop', customer, feature, ''),
          day: d.day,
          window: null,
          value: d.drop,
          threshold: d.threshold,
          message:
            `${customer} / ${feature} cache hit rate fell from ${pct(d.previousHitRate)} to ${pct(d.hitRate)} on ${d.day}, ` +
            `a ${d.mode} drop of ${d.mode === 'relative' ? pct(d.drop) : `${(d.drop * 100).toFixed(1)} points`} (limit ${pct(d.threshold)}).`,
        };
      });
  }

  /** Error rate per requested model over the last `errorWindowMinutes` before `now`. */
  private async errorRates(now: Date): Promise<Anomaly[]> {
    const end = now.getTime();
    const start = end - (this.options.errorWindowMinutes ?? 15) * MINUTE_MS;
    const rows = await this.store.select<ModelErrorRow>(query('anomaly-model-errors'), { from_us: start * 1000, to_us: end * 1000 });
    const window = { start: new Date(start).toISOString(), end: new Date(end).toISOString() };
    const windows = rows.map((r) => ({ model: r.model_name, windowStart: window.start, calls: Number(r.n_calls), errorCalls: Number(r.n_errors) }));
    return errorRateBreaches(windows, this.options.errorRate).map((b) => ({
      ...where('error_rate', '', '', b.model),
      day: null,
      window,
      value: b.errorRate,
      threshold: b.threshold,
      message: `${b.model}: ${b.errorCalls} of ${b.calls} calls failed between ${window.start} and ${window.end} (${pct(b.errorRate)}, limit ${pct(b.threshold)}).`,
    }));
  }

  /** Today's cost per outcome per customer × feature against the feature's target; skipped without targets. */
  private async unitCosts(day: string): Promise<Anomaly[]> {
    const targets = this.options.unitCostTargets ?? {};
    if (Object.keys(targets).length === 0) return [];
    const rows = await this.store.select<UnitCostRow>(query('anomaly-unit-costs'), { from: day, to: shiftDay(day, 1) });
    const items = rows
      .filter((r) => Object.hasOwn(targets, r.feature))
      .map((r) => ({ customerId: r.customer, featureId: r.feature, units: Number(r.n_units), costUsd: Number(r.cost_usd_text), targetUnitCostUsd: targets[r.feature] ?? 0 }));
    return unitCostBreaches(items, this.options.unitCost).map((b) => ({
      ...where('unit_cost', b.customerId, b.featureId, ''),
      day,
      window: null,
      value: b.unitCostUsd,
      threshold: b.targetUnitCostUsd * (1 + b.overBy),
      message:
        `${b.customerId} / ${b.featureId} cost ${usd(b.unitCostUsd)} per outcome on ${day} (${b.units} outcome${b.units === 1 ? '' : 's'}, ${usd(b.costUsd)}), ` +
        `${pct(b.ratio - 1)} over the target of ${usd(b.targetUnitCostUsd)} (limit ${pct(b.overBy)} over).`,
    }));
  }
}

function where(kind: AnomalyKind, customer: string, feature: string, model: string): Pick<Anomaly, 'kind' | 'customer' | 'feature' | 'model'> {
  return { kind, customer, feature, model };
}

function shiftDay(day: string, days: number): string {
  return utcDayString(utcDayNumber(day) + days);
}

/** Dollars for a message: cents from $1 up, else six decimals so sub-cent LLM costs stay readable. */
function usd(amount: number): string {
  return `$${amount.toFixed(Math.abs(amount) >= 1 ? 2 : 6)}`;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
