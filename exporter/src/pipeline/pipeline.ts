import { SeenSpans } from '../dedupe/seen-spans.js';
import type { DecodedSpan } from '../model/decoded-span.js';
import type { PnlMetrics } from '../metrics/pnl-metrics.js';
import { normalizeSpan, type NormalizeOptions } from '../normalize/index.js';
import type { PriceBook } from '../price/index.js';
import type { SampledCall, TokenCheck } from '../token-check/index.js';
import type { BatchWriter } from './batch-writer.js';
import { emptyRows } from './rows.js';

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
      /** Token double-entry; absent when PNL_TOKEN_CHECK_SAMPLE is 0, so its cost here is one branch. */
      tokenCheck?: TokenCheck;
    },
  ) {}

  /**
   * Ingests decoded spans. When it returns, the accepted rows are in the spool (they survive a
   * crash). Throws BufferFullError when the spool is full, or SpoolError when the disk refuses
   * the write, leaving no trace of the request, so the sender can retry it whole later.
   */
  ingest(spans: readonly DecodedSpan[]): IngestResult {
    const { normalizeOptions, priceBook, seen, metrics, writer, tokenCheck } = this.deps;
    writer.assertRoom();
    const result: IngestResult = { received: spans.length, accepted: 0, ignored: 0, duplicates: 0, rejected: 0, rejectMessage: '' };
    const messages: string[] = [];
    const rows = emptyRows();
    const keys: string[] = [];
    let sampled: SampledCall[] | undefined;
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
      const key = SeenSpans.key(span.traceId, span.spanId);
      if (!seen.add(key)) {
        result.duplicates++;
        continue;
      }
      keys.push(key);
      result.accepted++;
      if (n.kind === 'llm') {
        rows.calls.push(priceBook.rate(n.call));
        // The raw span still holds the content attributes the normalizer dropped; counted later, off this path.
        if (tokenCheck !== undefined && tokenCheck.sampled(span)) (sampled ??= []).push({ span, call: n.call });
      } else if (n.kind === 'run') rows.runs.push(n.run);
      else rows.outcomes.push(n.outcome);
    }
    try {
      writer.add(rows);
    } catch (err) {
      // Not stored, so not seen: the sender's retry must be accepted, not dropped as a duplicate.
      for (const key of keys) seen.delete(key);
      throw err;
    }
    // Counted only once durable, so a refused request moves no counter.
    const nowUs = Date.now() * 1000;
    for (const priced of rows.calls) metrics.recordCall(priced, nowUs);
    for (const run of rows.runs) metrics.recordRun(run);
    if (sampled !== undefined) tokenCheck?.enqueue(sampled);
    metrics.spansReceived.inc(spans.length);
    if (result.duplicates > 0) metrics.spansDuplicate.inc(result.duplicates);
    if (result.rejected > 0) {
      result.rejectMessage = `${result.rejected} span(s) rejected: ${messages.join('; ')}${result.rejected > messages.length ? '; ...' : ''}`;
    }
    return result;
  }
}

function validIds(span: DecodedSpan): boolean {
  return HEX32.test(span.traceId) && HEX16.test(span.spanId) && span.traceId !== ZERO32 && span.spanId !== ZERO16;
}
