import { dashboard } from './dashboard.js';
import type { Dashboard } from './model.js';
import { bargauge, table, timeseries } from './panels.js';
import { chTable, chTimeSeries, prom } from './targets.js';
import { clickHouseVariable, inVariable } from './variables.js';

const PROVIDERS_SQL = 'SELECT DISTINCT provider FROM pnl.llm_costs_daily ORDER BY provider';
const MODELS_SQL = `SELECT DISTINCT model FROM pnl.llm_costs_daily WHERE ${inVariable('provider', 'provider')} ORDER BY model`;
/** The providers and (request) models chosen above the panels, all by default. */
const CHOSEN_CALLS = `${inVariable('provider', 'provider')} AND ${inVariable('request_model', 'model')}`;
const CHOSEN_DAILY = `${inVariable('provider', 'provider')} AND ${inVariable('model', 'model')}`;
/*
 * The Prometheus panels are not filtered: "All" expands to the models ClickHouse has rows for,
 * which would hide the metrics' __other__ series and the models an invoice bills but no span
 * rated (the invoice variance panels exist to show those).
 */
const ALL_MODELS = ' Not filtered by the Provider and Model choices.';

/** Where the money goes by provider and model, and how the calls behave (tokens, cache, latency, errors). */
export function modelSpend(): Dashboard {
  return dashboard({
    uid: 'pnl-models',
    title: 'Agentic P&L: model spend and telemetry',
    description: 'LLM cost by provider and model, tokens by billing kind, cache hit rate, latency, errors and unpriced calls, for the providers and models chosen (all by default).',
    variables: [
      clickHouseVariable({ name: 'provider', label: 'Provider', description: 'Providers (gen_ai.provider.name, canonical) to include, from ClickHouse pnl.llm_costs_daily.', sql: PROVIDERS_SQL, filter: true }),
      clickHouseVariable({ name: 'model', label: 'Model', description: 'Request models of the chosen providers to include, from ClickHouse pnl.llm_costs_daily.', sql: MODELS_SQL, filter: true }),
    ],
    time: { from: 'now-7d', to: 'now' },
    panels: [
      timeseries({
        title: 'LLM cost by provider and model',
        description: 'Priced cost per interval for each provider/model (request model). ClickHouse pnl.llm_calls; unpriced calls are not included.',
        unit: 'currencyUSD', w: 12, h: 9, stack: true,
        targets: [chTimeSeries(`
          SELECT $__timeInterval(start_time) AS time, concat(provider, '/', request_model) AS model_key,
                 toFloat64(sum(cost_usd)) AS llm_cost_usd
          FROM pnl.llm_calls
          WHERE $__timeFilter(start_time) AND ${CHOSEN_CALLS}
          GROUP BY time, model_key
          ORDER BY time, model_key`)],
      }),
      timeseries({
        title: 'Tokens by kind',
        description: 'Tokens per interval by billing kind: input (uncached), cache read, cache write, output (reasoning included) and reasoning alone. ClickHouse pnl.llm_calls.',
        unit: 'short', w: 12, h: 9,
        targets: [chTimeSeries(`
          SELECT $__timeInterval(start_time) AS time,
                 sum(input_tokens) AS input_uncached, sum(cache_read_tokens) AS cache_read, sum(cache_write_tokens) AS cache_write,
                 sum(output_tokens) AS output_total, sum(reasoning_tokens) AS reasoning
          FROM pnl.llm_calls
          WHERE $__timeFilter(start_time) AND ${CHOSEN_CALLS}
          GROUP BY time
          ORDER BY time`)],
      }),
      timeseries({
        title: 'Latency p50 / p95',
        description: 'Median and 95th percentile of model call duration per interval, from span durations (pnl.llm_calls duration_us).',
        unit: 's', w: 12, h: 8,
        targets: [chTimeSeries(`
          SELECT $__timeInterval(start_time) AS time,
                 quantile(0.5)(duration_us) / 1e6 AS p50_seconds,
                 quantile(0.95)(duration_us) / 1e6 AS p95_seconds
          FROM pnl.llm_calls
          WHERE $__timeFilter(start_time) AND ${CHOSEN_CALLS}
          GROUP BY time
          ORDER BY time`)],
      }),
      bargauge({
        title: 'Cache hit rate by feature',
        description: 'Cache read tokens / all input tokens (uncached + cache read + cache write) per feature in the range. ClickHouse pnl.llm_costs_daily.',
        unit: 'percentunit', w: 12, h: 8, max: 1, baseColor: 'orange', thresholds: [[0.3, 'green']],
        targets: [chTable(`
          SELECT feature_id AS feature,
                 sum(cache_read_tokens) / greatest(sum(input_tokens) + sum(cache_read_tokens) + sum(cache_write_tokens), 1) AS cache_hit_rate
          FROM pnl.llm_costs_daily
          WHERE $__dateFilter(day) AND ${CHOSEN_DAILY}
          GROUP BY feature_id
          ORDER BY cache_hit_rate DESC`)],
      }),
      table({
        title: 'Errors by type',
        description: 'Model calls with error status per provider, model and error type (error.type or exception type) in the range. ClickHouse pnl.llm_calls.',
        unit: 'short', w: 8, h: 9, sortBy: 'n_calls',
        targets: [chTable(`
          SELECT provider AS provider_name, request_model AS model_name, if(error_type = '', '(none)', error_type) AS error_kind,
                 count() AS n_calls
          FROM pnl.llm_calls
          WHERE status = 'error' AND $__timeFilter(start_time) AND ${CHOSEN_CALLS}
          GROUP BY provider_name, model_name, error_kind
          ORDER BY n_calls DESC`)],
      }),
      table({
        title: 'Unpriced calls',
        description: 'Calls stored without a price (cost NULL, never $0) per provider, model and reason: unknown_model needs a price override (PNL_PRICES_FILE), no_usage an instrumentation fix. ClickHouse pnl.llm_calls.',
        unit: 'short', w: 8, h: 9, sortBy: 'n_calls',
        targets: [chTable(`
          SELECT provider AS provider_name, request_model AS model_name, unpriced_reason AS reason, count() AS n_calls,
                 max(start_time) AS last_seen
          FROM pnl.llm_calls
          WHERE NOT priced AND $__timeFilter(start_time) AND ${CHOSEN_CALLS}
          GROUP BY provider_name, model_name, reason
          ORDER BY n_calls DESC`)],
      }),
      timeseries({
        title: 'Live calls by status',
        description: 'Model calls per second by status (ok, error, unset), from the exporter counter (Prometheus pnl_llm_calls_total).' + ALL_MODELS,
        unit: 'short', w: 8, h: 9, stack: true,
        targets: [prom('sum by (status) (rate(pnl_llm_calls_total[5m]))', '{{status}}')],
      }),
      bargauge({
        title: 'Invoice variance by model',
        description:
          '(rated - invoiced) / invoiced on the worst invoiced day of the last 45 days, per provider/model (Prometheus pnl_invoice_variance_ratio, from the imported provider invoices: docs/reconciliation.md). Red beyond the default 2% tolerance (PNL_INVOICE_TOLERANCE_PCT); +Inf: rated on a day the invoice bills that provider but not that model; -100%: billed, never rated.' + ALL_MODELS,
        unit: 'percentunit', w: 12, h: 8, baseColor: 'red', thresholds: [[-0.02, 'green'], [0.02, 'red']],
        targets: [prom('sort_desc(max by (provider, model) (pnl_invoice_variance_ratio))', '{{provider}}/{{model}}', { instant: true })],
      }),
      bargauge({
        title: 'Invoice variance in USD',
        description: 'Rated - invoiced cost on the same day as the variance beside it, per provider/model (Prometheus pnl_invoice_variance_usd). Positive: we rated more than the provider billed.' + ALL_MODELS,
        unit: 'currencyUSD', w: 12, h: 8, baseColor: 'blue',
        targets: [prom('sort_desc(max by (provider, model) (pnl_invoice_variance_usd))', '{{provider}}/{{model}}', { instant: true })],
      }),
    ],
  });
}
