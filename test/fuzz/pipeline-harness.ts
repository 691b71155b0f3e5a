import { SeenSpans } from '../../exporter/src/dedupe/seen-spans.js';
import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { PnlMetrics } from '../../exporter/src/metrics/pnl-metrics.js';
import { defaultNormalizeOptions, normalizeSpan, type NormalizeOptions } from '../../exporter/src/normalize/index.js';
import type { BatchWriter } from '../../exporter/src/pipeline/batch-writer.js';
import { Pipeline } from '../../exporter/src/pipeline/pipeline.js';
import { fromSpoolPayload, toSpoolPayload, type EncodedRows } from '../../exporter/src/pipeline/encoded-rows.js';
import { loadPriceBook, type PriceBook } from '../../exporter/src/price/index.js';

/** Microseconds of 2299-12-31T23:59:59.999999Z, the end of ClickHouse's DateTime64 range. */
const DATETIME64_MAX_US = Date.UTC(2299, 11, 31, 23, 59, 59, 999) * 1000 + 999;
/** Days of 2149-06-06, the end of ClickHouse's Date range (UInt16 days). */
const DATE_MAX_DAY = 65_535;
const UINT32_MAX = 4_294_967_295;
const US_PER_DAY = 86_400_000_000;

/**
 * The real ingest pipeline (normalize, dedupe, rate, metrics) with a writer that does, in
 * memory, what the spool and ClickHouse insert do with accepted rows: encode them as RowBinary
 * and frame them as a spool record, read back. It also checks that every value fits its column, because a value
 * that does not either throws in the background flush (a batch that can never be inserted,
 * retried forever, so everything behind it waits) or wraps silently. Rebuilt every
 * `renewEvery` ingests so fuzzing does not accumulate metric series without bound.
 */
export class PipelineHarness {
  private pipeline!: Pipeline;
  private readonly options: NormalizeOptions = defaultNormalizeOptions();
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
    this.checkValues(spans);
  }

  private renew(): void {
    const writer = { bufferedRows: 0, assertRoom: () => undefined, addEncoded: (e: EncodedRows) => this.checkRecord(e) };
    this.pipeline = new Pipeline({
      normalizeOptions: this.options,
      priceBook: this.priceBook,
      seen: new SeenSpans(100_000),
      metrics: new PnlMetrics({ topCustomers: 20 }),
      writer: writer as unknown as BatchWriter,
    });
  }

  /** The rows the pipeline accepted survive the spool record format unchanged. */
  private checkRecord(encoded: EncodedRows): void {
    const back = fromSpoolPayload(toSpoolPayload(encoded));
    if (back.keys.join() !== encoded.keys.join() || !back.calls.equals(encoded.calls) || !back.runs.equals(encoded.runs) || !back.daily.equals(encoded.daily) || back.dailyRows !== encoded.dailyRows) {
      throw new Error('a spool record does not read back as written');
    }
    this.rowsChecked += encoded.keys.length;
  }

  /** Every value the normalizer produces for these spans fits its ClickHouse column. */
  private checkValues(spans: readonly DecodedSpan[]): void {
    for (const span of spans) {
      const n = normalizeSpan(span, this.options);
      if (n.kind === 'llm') {
        const c = n.call;
        const u = c.usage;
        for (const [name, v] of Object.entries({ input: u.inputUncached, inputReported: u.inputReported, cacheRead: u.cacheRead, cacheWrite: u.cacheWrite, output: u.output, reasoning: u.reasoning })) {
          if (!Number.isInteger(v) || v < 0 || v > UINT32_MAX) throw new Error(`llm_calls token count ${name} = ${v} does not fit UInt32 (span ${c.spanId})`);
        }
        checkTime('llm_calls.start_time', c.startTimeUs, c.spanId);
        if (Math.floor(c.startTimeUs / US_PER_DAY) > DATE_MAX_DAY) throw new Error(`llm_costs_daily.day of ${c.startTimeUs} µs is past ClickHouse's Date range (span ${c.spanId})`);
      } else if (n.kind === 'run') checkTime('agent_runs.start_time', n.run.startTimeUs, n.run.spanId);
      else if (n.kind === 'outcome') checkTime('outcomes.at', n.outcome.atUs, n.outcome.spanId);
    }
  }
}

function checkTime(column: string, us: number, spanId: string): void {
  if (!Number.isSafeInteger(us) || us < 0 || us > DATETIME64_MAX_US) throw new Error(`${column} = ${us} µs is outside ClickHouse's DateTime64 range (span ${spanId})`);
}
