import { serialize } from 'node:v8';
import { SeenSpans } from '../../exporter/src/dedupe/seen-spans.js';
import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { PnlMetrics } from '../../exporter/src/metrics/pnl-metrics.js';
import { defaultNormalizeOptions } from '../../exporter/src/normalize/index.js';
import type { BatchWriter } from '../../exporter/src/pipeline/batch-writer.js';
import { Pipeline } from '../../exporter/src/pipeline/pipeline.js';
import type { Rows } from '../../exporter/src/pipeline/rows.js';
import { loadPriceBook, type PriceBook } from '../../exporter/src/price/index.js';
import { aggregateDaily, writeDailyAggregate } from '../../exporter/src/store/daily-aggregates.js';
import { RowBinaryWriter } from '../../exporter/src/store/row-binary-writer.js';
import { writeAgentRun, writeLlmCall, writeOutcome } from '../../exporter/src/store/row-format.js';

/** Microseconds of 2299-12-31T23:59:59.999999Z, the end of ClickHouse's DateTime64 range. */
const DATETIME64_MAX_US = Date.UTC(2299, 11, 31, 23, 59, 59, 999) * 1000 + 999;
/** Days of 2149-06-06, the end of ClickHouse's Date range (UInt16 days). */
const DATE_MAX_DAY = 65_535;
const UINT32_MAX = 4_294_967_295;
const US_PER_DAY = 86_400_000_000;

/**
 * The real ingest pipeline (normalize, dedupe, rate, metrics) with a writer that does, in
 * memory, what the spool and ClickHouse insert do with accepted rows: v8-serialize them and
 * write them as RowBinary. It also checks that every value fits its column, because a value
 * that does not either throws in the background flush (a batch that can never be inserted,
 * retried forever, so everything behind it waits) or wraps silently. Rebuilt every
 * `renewEvery` ingests so fuzzing does not accumulate metric series without bound.
 */
export class PipelineHarness {
  private pipeline!: Pipeline;
  private uses = 0;
  rowsChecked = 0;

  private constructor(
    private readonly priceBook: PriceBook,
    private readonly renewEvery: number,
  ) {
    this.renew();
  }

  static async create(renewEvery = 2000): Promise<PipelineHarness> {
    return new PipelineHarness(await loadPriceBook(), renewEvery);
  }

  /** Ingests spans; throws whatever the pipeline or the row checks throw. */
  ingest(spans: readonly DecodedSpan[]): void {
    if (++this.uses % this.renewEvery === 0) this.renew();
    this.pipeline.ingest(spans);
  }

  private renew(): void {
    const writer = { bufferedRows: 0, assertRoom: () => undefined, add: (rows: Rows) => this.checkRows(rows) };
    this.pipeline = new Pipeline({
      normalizeOptions: defaultNormalizeOptions(),
      priceBook: this.priceBook,
      seen: new SeenSpans(100_000),
      metrics: new PnlMetrics({ topCustomers: 20 }),
      writer: writer as unknown as BatchWriter,
    });
  }

  private checkRows(rows: Rows): void {
    serialize(rows);
    const w = new RowBinaryWriter(4096);
    for (const p of rows.calls) {
      const c = p.call;
      const u = c.usage;
      for (const [name, v] of Object.entries({ input: u.inputUncached, inputReported: u.inputReported, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, output: u.output, reasoning: u.reasoning })) {
        if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) throw new Error(`llm_calls token count ${name} = ${v} does not fit UInt32 (span ${c.spanId})`);
      }
      checkTime('llm_calls.start_time', c.startTimeUs, c.spanId);
      if (Math.floor(c.startTimeUs / US_PER_DAY) > DATE_MAX_DAY) throw new Error(`llm_costs_daily.day of ${c.startTimeUs} µs is past ClickHouse's Date range (span ${c.spanId})`);
      writeLlmCall(w, p);
    }
    for (const a of aggregateDaily(rows.calls)) writeDailyAggregate(w, a);
    for (const r of rows.runs) {
      checkTime('agent_runs.start_time', r.startTimeUs, r.spanId);
      writeAgentRun(w, r);
    }
    for (const o of rows.outcomes) {
      checkTime('outcomes.at', o.atUs, o.spanId);
      writeOutcome(w, o);
    }
    this.rowsChecked += rows.calls.length + rows.runs.length + rows.outcomes.length;
  }
}

function checkTime(column: string, us: number, spanId: string): void {
  if (!Number.isSafeInteger(us) || us < 0 || us > DATETIME64_MAX_US) throw new Error(`${column} = ${us} µs is outside ClickHouse's DateTime64 range (span ${spanId})`);
}
