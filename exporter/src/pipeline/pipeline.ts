import type { SeenSpans } from '../dedupe/seen-spans.js';
import type { DecodedSpan } from '../model/decoded-span.js';
import type { PnlMetrics } from '../metrics/pnl-metrics.js';
import type { NormalizeOptions } from '../normalize/index.js';
import type { PriceBook } from '../price/index.js';
import type { TokenCheck } from '../token-check/index.js';
import type { BatchWriter } from './batch-writer.js';
import { prepareSpans, type PreparedRequest } from './prepare-spans.js';
import { WrappedCalls } from './wrapped-calls.js';

/** What happened to the spans of one request. */
export interface IngestResult {
  received: number;
  /** LLM calls, runs and outcomes newly accepted for storage. */
  accepted: number;
  /** Spans that are neither LLM calls nor runs (HTTP, DB, tool spans...), and model-call spans that only wrap another (WrappedCalls). */
  ignored: number;
  duplicates: number;
  rejected: number;
  /** Why spans were rejected: the first few messages, for the OTLP partial_success answer. */
  rejectMessage: string;
}

/**
 * The ingestion path shared by the OTLP/HTTP receiver and the in-process SpanExporter:
 * normalize -> drop duplicates -> rate -> encode (prepareSpans, here or in an ingest worker)
 * -> remember the keys -> spool and buffer for ClickHouse -> count.
 */
export class Pipeline {
  /** For the requests prepared on this thread; made on first use (with ingest workers, rarely: each keeps its own). */
  private wrappedCalls: WrappedCalls | undefined;

  constructor(
    private readonly deps: {
      normalizeOptions: NormalizeOptions;
      priceBook: PriceBook;
      seen: SeenSpans;
      metrics: PnlMetrics;
      writer: BatchWriter;
      /** Token double-entry; absent when PNL_TOKEN_CHECK_SAMPLE is 0, so its cost here is one branch. */
      tokenCheck?: TokenCheck;
      /** Spans older than this many months are refused (see PrepareContext). */
      rawRetentionMonths?: number;
    },
  ) {}

  /** Prices the requests prepared on this thread from now on with `priceBook` (a price reload). */
  usePriceBook(priceBook: PriceBook): void {
    this.deps.priceBook = priceBook;
  }

  /** Throws BufferFullError while the spool is full: worth checking before preparing a request. */
  assertRoom(): void {
    this.deps.writer.assertRoom();
  }

  /**
   * Ingests decoded spans. When it returns, the accepted rows are in the spool (they survive a
   * crash). Throws BufferFullError when the spool is full, or SpoolError when the disk refuses
   * the write, leaving no trace of the request, so the sender can retry it whole later.
   */
  ingest(spans: readonly DecodedSpan[]): IngestResult {
    const { normalizeOptions, priceBook, seen, writer, tokenCheck, rawRetentionMonths } = this.deps;
    writer.assertRoom();
    const prepared = prepareSpans(spans, {
      normalizeOptions,
      priceBook,
      isKnown: (key) => seen.has(key),
      tokenCheck,
      wrappedCalls: (this.wrappedCalls ??= new WrappedCalls()),
      rawRetentionMonths,
    });
    const result = this.commit(prepared);
    // Synchronous since the check above, so no key can have become known in between.
    if (result === undefined) throw new Error('a span key became known while its request was being ingested');
    return result;
  }

  /**
   * Accepts a prepared request: remembers its keys, spools and buffers its rows, counts it.
   * Returns undefined, changing nothing, when one of its keys became known after it was
   * prepared (by a worker, while another request carrying the same span was accepted); the
   * caller then ingests the request's spans again with ingest(), which drops that duplicate.
   */
  commit(prepared: PreparedRequest): IngestResult | undefined {
    const { seen, metrics, writer, tokenCheck } = this.deps;
    const keys = prepared.encoded.keys;
    writer.assertRoom();
    if (!seen.addAllIfNew(keys)) return undefined;
    try {
      writer.addEncoded(prepared.encoded);
    } catch (err) {
      // Not stored, so not seen: the sender's retry must be accepted, not dropped as a duplicate.
      for (const key of keys) seen.delete(key);
      throw err;
    }
    // Counted only once durable, so a refused request moves no counter: its spans are counted
    // once as refused (spool_error, by the route) and again, as they are, when the sender retries.
    for (const [reason, n] of Object.entries(prepared.rejectedByReason)) metrics.recordRejected(reason, n);
    metrics.recordTally(prepared.tally);
    if (prepared.sampled !== undefined) tokenCheck?.enqueue(prepared.sampled);
    metrics.spansReceived.inc(prepared.received);
    if (prepared.duplicates > 0) metrics.spansDuplicate.inc(prepared.duplicates);
    if (prepared.wrappers > 0) metrics.wrapperSpans.inc(prepared.wrappers);
    const { rejected, rejectMessages } = prepared;
    return {
      received: prepared.received,
      accepted: keys.length,
      ignored: prepared.ignored,
      duplicates: prepared.duplicates,
      rejected,
      rejectMessage: rejected > 0 ? `${rejected} span(s) rejected: ${rejectMessages.join('; ')}${rejected > rejectMessages.length ? '; ...' : ''}` : '',
    };
  }
}
