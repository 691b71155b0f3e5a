import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RejectReason } from '../model/llm-call.js';
import { BoundedLabel } from './bounded-label.js';
import { BucketedHistogram } from './bucketed-histogram.js';
import { CALL_SUMS_STRIDE, COUNT_STRIDE, INGEST_LAG_BUCKETS, callSumsIds, type IngestTallyData } from './ingest-tally.js';
import { KeyedSums } from '../text/keyed-sums.js';
import { CustomerLabels, OTHER_CUSTOMER } from './customer-labels.js';


/** Raw call sums waiting for their labels are folded in past this many keys, so memory stays bounded without scrapes. */
const MAX_RAW_CALL_SUMS = 20_000;

/** Per label set deltas accumulated on the hot path and applied to the counters at scrape time. */
interface CallDeltas {
  labels: { customer: string; feature: string; provider: string; model: string };
  costUsd: number;
  tokens: { input: number; cache_read: number; cache_write: number; output: number; reasoning: number };
  calls: { ok: number; error: number; unset: number };
  /** True until the label set's first flush, which also creates its error series at 0. */
  fresh: boolean;
}

/**
 * The exporter's Prometheus metrics, on a registry of its own. Recording a call costs a Map
 * lookup and a few additions; prom-client's `inc()` (with its label hashing) runs only at
 * scrape time, in each counter's `collect()`, so ingestion is not bound by metric updates.
 */
export class PnlMetrics {
  readonly registry = new Registry();
  readonly customers: CustomerLabels;

  private readonly callDeltas = new Map<string, CallDeltas>();
  /** Call sums by callSumsKey(), not yet labelled: usd, input, cacheRead, cacheWrite, output, reasoning, ok, error, unset. */
  private readonly rawCallSums = new KeyedSums(CALL_SUMS_STRIDE - 1);
  private readonly evolutionDeltas = new Map<string, LabelledDelta>();
  private readonly unpricedDeltas = new Map<string, LabelledDelta>();
  /** Every label set of pnl_agent_runs_total so far, by key. */
  private readonly runLabels = new Map<string, { customer: string; agent: string; outcome: string }>();

  readonly spansReceived: Counter;
  readonly spansRejected: Counter<'reason'>;
  readonly spansDuplicate: Counter;
  readonly wrapperSpans: Counter;
  readonly runs: Counter<'customer' | 'agent' | 'outcome'>;
  readonly ingestLag: BucketedHistogram;
  readonly insertDuration: Histogram;
  readonly insertErrors: Counter;
  readonly rowsWritten: Counter;
  readonly requests: Counter<'status'>;

  /** Bounds on the other label values that come from span attributes. */
  readonly features: BoundedLabel;
  private readonly providers: BoundedLabel;
  readonly models: BoundedLabel;
  private readonly agents: BoundedLabel;
  private readonly reasons: BoundedLabel;
  private readonly outcomes: BoundedLabel;

  constructor(options: { topCustomers: number; maxLabelValues?: number; defaultMetrics?: boolean }) {
    this.customers = new CustomerLabels(options.topCustomers);
    const maxValues = options.maxLabelValues ?? 500;
    this.features = new BoundedLabel(maxValues);
    this.providers = new BoundedLabel(maxValues);
    this.models = new BoundedLabel(maxValues);
    this.agents = new BoundedLabel(maxValues);
    this.reasons = new BoundedLabel(maxValues);
    this.outcomes = new BoundedLabel(maxValues);
    const registers = [this.registry];
    const flushCalls = (): void => this.flushCallDeltas();

    this.costTotal = new Counter({
      name: 'pnl_llm_cost_usd_total',
      help: 'LLM cost in USD of priced calls (unpriced calls are counted in pnl_llm_unpriced_calls_total, never as 0).',
      labelNames: ['customer', 'feature', 'provider', 'model'],
      registers,
      collect: flushCalls,
    });
    this.tokens = new Counter({
      name: 'pnl_llm_tokens_total',
      help: 'Tokens by kind: input (uncached), cache_read, cache_write, output (reasoning included), reasoning.',
      labelNames: ['customer', 'feature', 'provider', 'model', 'kind'],
      registers,
      collect: flushCalls,
    });
    this.calls = new Counter({
      name: 'pnl_llm_calls_total',
      help: 'LLM model calls by span status.',
      labelNames: ['customer', 'feature', 'provider', 'model', 'status'],
      registers,
      collect: flushCalls,
    });
    this.evolutionCost = new Counter({
      name: 'pnl_llm_evolution_cost_usd_total',
      help: 'LLM cost in USD of calls that were not first attempts (retry, escalation, reexecution, fallback).',
      labelNames: ['customer', 'feature', 'reason'],
      registers,
      collect: () => {
        for (const d of this.evolutionDeltas.values()) if (d.n > 0) (this.evolutionCost.inc(d.labels, d.n), (d.n = 0));
      },
    });
    this.unpriced = new Counter({
      name: 'pnl_llm_unpriced_calls_total',
      help: 'LLM calls stored without a price: unknown_model (add it to the price book) or no_usage (the span had no token counts).',
      labelNames: ['provider', 'model', 'reason'],
      registers,
      collect: () => {
        for (const d of this.unpricedDeltas.values()) if (d.n > 0) (this.unpriced.inc(d.labels, d.n), (d.n = 0));
      },
    });
    this.spansReceived = new Counter({ name: 'pnl_spans_received_total', help: 'Spans received over OTLP or in process.', registers });
    this.spansRejected = new Counter({
      name: 'pnl_spans_rejected_total',
      help: 'Spans refused (reported to the sender as OTLP partial success), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.spansDuplicate = new Counter({
      name: 'pnl_spans_duplicate_total',
      help: 'LLM and run spans delivered again after they were accepted; counted once, dropped here.',
      registers,
    });
    this.wrapperSpans = new Counter({
      name: 'pnl_llm_wrapper_spans_total',
      help: 'Model-call spans not priced because they contain another model call that reported usage (e.g. AI SDK 7 embeddings root spans).',
      registers,
    });
    this.runs = new Counter({
      name: 'pnl_agent_runs_total',
      help: 'Agent runs by outcome.',
      labelNames: ['customer', 'agent', 'outcome'],
      registers,
    });
    // Counted per bucket where requests are prepared: one observe per call cost ~10% of this thread.
    this.ingestLag = new BucketedHistogram({
      name: 'pnl_ingest_lag_seconds',
      help: 'Time from the end of an LLM span to its acceptance by the exporter.',
      buckets: INGEST_LAG_BUCKETS,
      registers,
    });
    this.insertDuration = new Histogram({
      name: 'pnl_clickhouse_insert_duration_seconds',
      help: 'Duration of one batch insert into ClickHouse.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.insertErrors = new Counter({ name: 'pnl_clickhouse_insert_errors_total', help: 'Failed batch inserts (retried).', registers });
    this.rowsWritten = new Counter({ name: 'pnl_clickhouse_rows_written_total', help: 'Rows (LLM calls and runs) committed to ClickHouse.', registers });
    this.requests = new Counter({
      name: 'pnl_otlp_requests_total',
      help: 'OTLP/HTTP export requests by response status code.',
      labelNames: ['status'],
      registers,
    });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'pnl_process_' });
  }

  private readonly costTotal: Counter<'customer' | 'feature' | 'provider' | 'model'>;
  private readonly tokens: Counter<'customer' | 'feature' | 'provider' | 'model' | 'kind'>;
  private readonly calls: Counter<'customer' | 'feature' | 'provider' | 'model' | 'status'>;
  private readonly evolutionCost: Counter<'customer' | 'feature' | 'reason'>;
  private readonly unpriced: Counter<'provider' | 'model' | 'reason'>;

  /**
   * Records what one accepted request added (see IngestTally). Call sums are added under the
   * raw ids as the worker keyed them, one lookup each; they get their bounded labels when they
   * are folded into the counters' deltas (at scrape time, or when too many are waiting).
   */
  recordTally(t: IngestTallyData): void {
    const c = t.calls;
    const raw = this.rawCallSums;
    for (let i = 0; i < c.length; i += CALL_SUMS_STRIDE) {
      const base = raw.slotOf(c[i] as string) * raw.width;
      const sums = raw.sums;
      for (let k = 0; k < raw.width; k++) sums[base + k]! += c[i + 1 + k] as number;
    }
    if (raw.size > MAX_RAW_CALL_SUMS) this.foldRawCallSums();
    const e = t.evolution;
    for (let i = 0; i < e.length; i += COUNT_STRIDE) {
      const labels = { customer: this.customers.label(e[i] as string), feature: this.features.label(e[i + 1] as string), reason: this.reasons.label(e[i + 2] as string) };
      addDelta(this.evolutionDeltas, labels, e[i + 3] as number);
    }
    const u = t.unpriced;
    for (let i = 0; i < u.length; i += COUNT_STRIDE) {
      const labels = { provider: this.providers.label(u[i] as string), model: this.models.label(u[i + 1] as string), reason: u[i + 2] as string };
      addDelta(this.unpricedDeltas, labels, u[i + 3] as number);
    }
    const r = t.runs;
    for (let i = 0; i < r.length; i += COUNT_STRIDE) {
      const labels = { customer: this.customers.label(r[i] as string), agent: this.agents.label(r[i + 1] as string), outcome: this.outcomes.label(r[i + 2] as string) };
      // Remembered so a customer's run series can be removed when it leaves the ranking.
      const key = `${labels.customer}\u0000${labels.agent}\u0000${labels.outcome}`;
      if (!this.runLabels.has(key)) this.runLabels.set(key, labels);
      this.runs.inc(labels, r[i + 3] as number);
    }
    this.ingestLag.add(t.lagCounts, t.lagSum);
  }

  /**
   * Applies a ranking of customers by spend (CustomerLabels.setRanking). The series of a customer
   * that drops out are removed: kept, every customer ever ranked held its series set, unchanging,
   * for the life of the process, and customers near rank N come and go every refresh (found by an
   * audit). What they added since the last scrape moves to `__other__`, so no spend is lost from
   * the sums; Prometheus sees their series end.
   */
  applyRanking(customerIds: readonly string[]): void {
    this.foldRawCallSums();
    const dropped = new Set(this.customers.setRanking(customerIds));
    if (dropped.size === 0) return;
    for (const [key, d] of this.callDeltas) {
      if (!dropped.has(d.labels.customer)) continue;
      const other = this.callDeltaFor({ ...d.labels, customer: OTHER_CUSTOMER });
      other.costUsd += d.costUsd;
      for (const kind of TOKEN_KINDS) {
        other.tokens[kind] += d.tokens[kind];
        this.tokens.remove({ ...d.labels, kind });
      }
      for (const status of CALL_STATUSES) {
        other.calls[status] += d.calls[status];
        this.calls.remove({ ...d.labels, status });
      }
      this.costTotal.remove(d.labels);
      this.callDeltas.delete(key);
    }
    for (const [key, d] of this.evolutionDeltas) {
      if (!dropped.has(d.labels['customer']!)) continue;
      addDelta(this.evolutionDeltas, { ...d.labels, customer: OTHER_CUSTOMER }, d.n);
      this.evolutionCost.remove(d.labels);
      this.evolutionDeltas.delete(key);
    }
    for (const [key, labels] of this.runLabels) {
      if (!dropped.has(labels.customer)) continue;
      this.runs.remove(labels);
      this.runLabels.delete(key);
    }
  }

  recordRejected(reason: RejectReason | string, n = 1): void {
    this.spansRejected.inc({ reason }, n);
  }

  /** Moves the raw call sums into the per label set deltas, labelling each raw key once. */
  private foldRawCallSums(): void {
    const raw = this.rawCallSums;
    raw.keys.forEach((key, slot) => {
      const v = raw.sums;
      const o = slot * raw.width;
      const [customerId, featureId, provider, model] = callSumsIds(key);
      const customer = this.customers.label(customerId);
      const feature = this.features.label(featureId);
      const d = this.callDeltaFor({ customer, feature, provider: this.providers.label(provider), model: this.models.label(model) });
      d.costUsd += v[o]!;
      d.tokens.input += v[o + 1]!;
      d.tokens.cache_read += v[o + 2]!;
      d.tokens.cache_write += v[o + 3]!;
      d.tokens.output += v[o + 4]!;
      d.tokens.reasoning += v[o + 5]!;
      d.calls.ok += v[o + 6]!;
      d.calls.error += v[o + 7]!;
      d.calls.unset += v[o + 8]!;
    });
    this.rawCallSums.clear();
  }

  /** The pending deltas of a label set, created empty on first use. */
  private callDeltaFor(labels: CallDeltas['labels']): CallDeltas {
    const labelKey = `${labels.customer}\u0000${labels.feature}\u0000${labels.provider}\u0000${labels.model}`;
    let d = this.callDeltas.get(labelKey);
    if (d === undefined) {
      d = {
        labels,
        costUsd: 0,
        tokens: { input: 0, cache_read: 0, cache_write: 0, output: 0, reasoning: 0 },
        calls: { ok: 0, error: 0, unset: 0 },
        fresh: true,
      };
      this.callDeltas.set(labelKey, d);
    }
    return d;
  }

  private flushCallDeltas(): void {
    this.foldRawCallSums();
    for (const d of this.callDeltas.values()) {
      if (d.costUsd > 0) this.costTotal.inc(d.labels, d.costUsd);
      for (const kind of TOKEN_KINDS) {
        const n = d.tokens[kind];
        if (n > 0) this.tokens.inc({ ...d.labels, kind }, n);
        d.tokens[kind] = 0;
      }
      // A counter series exists from its first increment, and rate() cannot see that first
      // value: the first failures of a model on a label set that so far only succeeded were
      // invisible to the error-rate rule. The error series is created at 0 with the label set.
      if (d.fresh && d.calls.error === 0) this.calls.inc({ ...d.labels, status: 'error' }, 0);
      d.fresh = false;
      for (const status of CALL_STATUSES) {
        const n = d.calls[status];
        if (n > 0) this.calls.inc({ ...d.labels, status }, n);
        d.calls[status] = 0;
      }
      d.costUsd = 0;
    }
  }

  /** The text exposition for `/metrics`. */
  async exposition(): Promise<string> {
    return this.registry.metrics();
  }
}

const TOKEN_KINDS = ['input', 'cache_read', 'cache_write', 'output', 'reasoning'] as const;
const CALL_STATUSES = ['ok', 'error', 'unset'] as const;

/** A counter increment waiting for the next scrape, with its label set. */
interface LabelledDelta {
  labels: Record<string, string>;
  n: number;
}

function addDelta(deltas: Map<string, LabelledDelta>, labels: Record<string, string>, n: number): void {
  const key = Object.values(labels).join('\u0000');
  let d = deltas.get(key);
  if (d === undefined) deltas.set(key, (d = { labels, n: 0 }));
  d.n += n;
}
