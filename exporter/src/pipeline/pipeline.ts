import { SeenSpans } from '../dedupe/seen-spans.js';
import type { DecodedSpan } from '../model/decoded-span.js';
import type { PnlMetrics } from '../metrics/pnl-metrics.js';
import { normalizeSpan, type NormalizeOptions } from '../normalize/index.js';
import type { PriceBook } from '../price/index.js';
import type { BatchWriter } from './batch-writer.js';
import { emptyRows, rowCount } from './rows.js';

/** What happened to the spans of one request. */
export interface IngestResult {
  received: number;
  /** LLM calls, runs and outcomes newly accepted for storage. */
  accepted: number;
  /** Spans that are neither LLM calls nor runs (HTTP, DB, tool spans...). */
  ignored: number;
  duplicates: number;
  rejected: number;
  /** Why spans were rejected: the first few messages, for the OTLP partial_success answer. */
  rejectMessage: string;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);
const MAX_REJECT_MESSAGES = 3;

/**
 * The ingestion path shared by the OTLP/HTTP receiver and the in-process SpanExporter:
 * normalize -> drop duplicates -> rate -> count -> buffer for ClickHouse.
 * Synchronous and allocation-light: it runs once per span at tens of thousands of spans/s.
 */
export class Pipeline {
  constructor(
    private readonly deps: {
      normalizeOptions: NormalizeOptions;
      priceBook: PriceBook;
      seen: SeenSpans;
      metrics: PnlMetrics;
      writer: BatchWriter;
    },
  ) {}

  /**
   * Ingests decoded spans. Throws BufferFullError (before changing any state) when the write
   * buffer cannot take them, so the sender can retry the whole request later.
   */
  ingest(spans: readonly DecodedSpan[]): IngestResult {
    const { normalizeOptions, priceBook, seen, metrics, writer } = this.deps;
    writer.assertRoom(spans.length);
    const result: IngestResult = { received: spans.length, accepted: 0, ignored: 0, duplicates: 0, rejected: 0, rejectMessage: '' };
    const messages: string[] = [];
    const rows = emptyRows();
    const nowUs = Date.now() * 1000;
    for (const span of spans) {
      const n = normalizeSpan(span, normalizeOptions);
      if (n.kind === 'ignore') {
        result.ignored++;
        continue;
      }
      if (n.kind === 'reject' || !validIds(span)) {
        const reason = n.kind === 'reject' ? n.reason : 'invalid_ids';
        const message = n.kind === 'reject' ? n.message : `span ${span.spanId || '(none)'} has an invalid trace or span id`;
        result.rejected++;
        metrics.recordRejected(reason);
        if (messages.length < MAX_REJECT_MESSAGES) messages.push(message);
        continue;
      }
      if (!seen.add(SeenSpans.key(span.traceId, span.spanId))) {
        result.duplicates++;
        continue;
      }
      result.accepted++;
      if (n.kind === 'llm') {
        const priced = priceBook.rate(n.call);
        rows.calls.push(priced);
        metrics.recordCall(priced, nowUs);
      } else if (n.kind === 'run') {
        rows.runs.push(n.run);
        metrics.recordRun(n.run);
      } else {
        rows.outcomes.push(n.outcome);
      }
    }
    metrics.spansReceived.inc(spans.length);
    if (result.duplicates > 0) metrics.spansDuplicate.inc(result.duplicates);
    if (rowCount(rows) > 0) writer.add(rows);
    metrics.bufferedRows.set(writer.bufferedRows);
    if (result.rejected > 0) {
      result.rejectMessage = `${result.rejected} span(s) rejected: ${messages.join('; ')}${result.rejected > messages.length ? '; ...' : ''}`;
    }
    return result;
  }
}

function validIds(span: DecodedSpan): boolean {
  return HEX32.test(span.traceId) && HEX16.test(span.spanId) && span.traceId !== ZERO32 && span.spanId !== ZERO16;
}
