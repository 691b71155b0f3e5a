import type { Logger } from '../log/logger.js';
import type { SegmentRecord } from '../spool/segment-file.js';
import type { Spool, SpooledSegment } from '../spool/spool.js';
import { BufferFullError } from './buffer-full-error.js';
import { encodedRowCount, fromSpoolPayload, toSpoolParts, type EncodedRows } from './encoded-rows.js';
import { RowBatch } from './row-batch.js';
import { MAX_RETRY_AFTER_S } from '../receive/retry-after.js';

/** Where batches go; PnlStore implements it. */
export interface BatchSink {
  insertBatch(batch: RowBatch, dedupToken: string): Promise<void>;
}

export interface BatchWriterOptions {
  /** Flush once this many rows are pending. */
  maxRows: number;
  /** Flush pending rows at least this often (ms). */
  maxDelayMs: number;
  /**
   * Flush once no rows arrived for this long (ms), if at least IDLE_FLUSH_MIN_ROWS are pending:
   * the end of a burst is committed at once instead of waiting out maxDelayMs. Sooner when
   * requests have been coming faster (see idleAfterMs). 0 = off.
   */
  idleMs?: number;
  /** Rows of waiting batches kept in memory; beyond it they wait on disk only and are read back in turn. */
  maxMemoryRows: number;
  /** Called after each insert attempt with its duration in seconds, the rows, and the error if it failed. */
  onInsert?: (seconds: number, rows: number, error?: unknown) => void;
  /** Called when a spooled batch cannot be read back (its rows are lost). */
  onLost?: (rows: number) => void;
  logger: Logger;
}

/** A batch a previous process spooled and maybe did not commit, with its rows if already read. */
export interface RecoveredBatch {
  segment: SpooledSegment;
  rows: RowBatch | undefined;
}

interface Batch {
  segment: SpooledSegment;
  /** undefined while the rows are on disk only. */
  rows: RowBatch | undefined;
  size: number;
  /** When it was sealed (or found in the spool at start), Date.now() ms. */
  sealedAt: number;
}

/** The batch a spool segment's records make; `onKey` sees the dedup key of every row. */
export function batchOfRecords(records: readonly SegmentRecord[], onKey?: (key: string) => void): RowBatch {
  const batch = new RowBatch();
  for (const r of records) {
    const encoded = fromSpoolPayload(r.payload);
    if (onKey !== undefined) for (const key of encoded.keys) onKey(key);
    batch.add(encoded, r.crc);
  }
  return batch;
}

const MAX_BACKOFF_MS = 30_000;
/** ClickHouse's advice: inserts of fewer rows than this are not worth their part; they wait for the timer. */
export const IDLE_FLUSH_MIN_ROWS = 1000;
/**
 * Senders count as gone quiet after this many mean gaps between requests with none. For
 * requests arriving at random, a gap that long comes once in e^8 (~3,000) gaps, so a steady
 * stream is not cut into small inserts; a burst's end is seen within ~8 of its gaps.
 */
const IDLE_GAPS = 8;
/** ...but not sooner than this (ms): requests sent at once arrive microseconds apart. */
const IDLE_MIN_MS = 20;
/** The running mean of gaps weighs the newest 1/8: about the last 8 requests count. */
const GAP_WINDOW = 8;

/**
 * How long after the last request to declare the senders quiet: IDLE_GAPS times the running
 * mean gap between requests, within [IDLE_MIN_MS, idleMs]. A Collector sending every 200 ms
 * keeps the whole idleMs (so its requests are not inserted one by one); a burst of requests a
 * few ms apart is committed tens of ms after its last one instead of idleMs after it.
 */
export function idleAfterMs(meanGapMs: number, idleMs: number): number {
  return Math.min(idleMs, Math.max(IDLE_MIN_MS, IDLE_GAPS * meanGapMs));
}

/**
 * Collects accepted rows and writes them in large batches, by size or by time, as ClickHouse
 * wants (thousands of rows per insert, about one insert per second). Every row is first
 * appended to the spool (before its sender is answered); a batch is one spool segment, deleted
 * once committed. One insert runs at a time, in acceptance order. A failed batch stays at the
 * head and is retried with backoff under the same dedup token (derived from its rows), so a
 * retry of a batch that did commit, in this process or before a crash, is dropped by
 * ClickHouse, not stored twice.
 */
export class BatchWriter {
  private pending = new RowBatch();
  private readonly queue: Batch[] = [];
  private queuedRows = 0;
  private memoryRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleTimerMs = 0;
  /** When rows last arrived (performance.now()), and the running mean of the gaps between arrivals. */
  private lastArrival: number | undefined;
  private meanGapMs: number;
  private gaps = 0;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private stopped = false;
  private wake: (() => void) | undefined;
  private lastError: unknown;
  /** Set while inserts are paused (whilePaused); the drain loop waits on it before each insert. */
  private paused: Promise<void> | undefined;
  private unpause: (() => void) | undefined;
  /** The insert under way, if any. */
  private inserting: Promise<void> | undefined;

  constructor(
    private readonly sink: BatchSink,
    private readonly spool: Spool,
    private readonly options: BatchWriterOptions,
    recovered: readonly RecoveredBatch[] = [],
  ) {
    // Counted as one gap of the slowest pace: the first few requests (maybe a clump sent at once)
    // cannot make the wait short on their own.
    this.meanGapMs = options.idleMs ?? 0;
    for (const r of recovered) this.enqueue(r.segment, r.rows);
    if (this.queue.length > 0) this.startDraining();
  }

  /** Rows accepted and not yet committed to ClickHouse (in memory or on disk). */
  get bufferedRows(): number {
    return this.pending.rows + this.queuedRows;
  }

  /** Batches sealed and waiting for ClickHouse. */
  get queuedBatches(): number {
    return this.queue.length;
  }

  /**
   * Seconds the oldest batch waiting for ClickHouse has waited since it was sealed (since this
   * process found it, for a batch left in the spool by the last one); 0 when none waits. How far
   * behind ClickHouse is, whether its inserts fail or only keep up too slowly.
   */
  oldestBatchAgeSeconds(now = Date.now()): number {
    const oldest = this.queue[0];
    return oldest === undefined ? 0 : Math.max(0, now - oldest.sealedAt) / 1000;
  }

  /** True while the last insert attempt failed. */
  get failing(): boolean {
    return this.failures > 0;
  }

  get lastInsertError(): unknown {
    return this.lastError;
  }

  /** Throws BufferFullError if the spool is at its limit. Call before marking spans as seen. */
  assertRoom(): void {
    if (this.spool.wouldOverflow(0)) {
      const retryAfter = Math.min(MAX_RETRY_AFTER_S, Math.max(1, Math.ceil((this.options.maxDelayMs * (1 + this.failures)) / 1000)));
      throw new BufferFullError(
        `the spool holds ${this.spool.bytes} of at most ${this.spool.maxBytes} bytes (${this.bufferedRows} rows) because ClickHouse is not keeping up or is unavailable`,
        retryAfter,
      );
    }
  }

  /**
   * Appends a request's encoded rows to the spool, then buffers them for the next batch. When
   * this returns, the rows survive a crash; if it throws (SpoolError), nothing was accepted.
   */
  addEncoded(encoded: EncodedRows): void {
    if (this.closed) throw new Error('BatchWriter is closed');
    const size = encodedRowCount(encoded);
    if (size === 0) return;
    const crc = this.spool.append(toSpoolParts(encoded), size);
    this.pending.add(encoded, crc);
    const idleMs = this.options.idleMs ?? 0;
    const now = performance.now();
    // A gap longer than idleMs is a pause between bursts, not their pace.
    if (this.lastArrival !== undefined) {
      const gap = Math.min(now - this.lastArrival, idleMs);
      this.gaps++;
      this.meanGapMs += (gap - this.meanGapMs) / Math.min(this.gaps + 1, GAP_WINDOW);
    }
    this.lastArrival = now;
    if (this.pending.rows >= this.options.maxRows) {
      this.cut();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.cut(), this.options.maxDelayMs);
      this.timer.unref();
    }
    if (idleMs > 0 && this.pending.rows >= IDLE_FLUSH_MIN_ROWS) {
      const after = Math.round(idleAfterMs(this.meanGapMs, idleMs));
      if (this.idleTimer !== undefined && after === this.idleTimerMs) this.idleTimer.refresh();
      else {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.cut(), after);
        this.idleTimer.unref();
        this.idleTimerMs = after;
      }
    }
  }

  /** Writes everything pending and waits for it. Used by tests and the in-process exporter. */
  async flush(): Promise<void> {
    this.cut();
    while (this.writing !== undefined) await this.writing;
  }

  /**
   * Runs `fn` with no insert under way and none starting: for a backup whose tables must agree
   * with each other. Requests are still accepted meanwhile; their batches wait in the spool and
   * are written once `fn` settles. One pause at a time.
   */
  async whilePaused<T>(fn: () => Promise<T>): Promise<T> {
    if (this.paused !== undefined) throw new Error('inserts are already paused');
    this.paused = new Promise<void>((resolve) => (this.unpause = resolve));
    try {
      await this.inserting?.catch(() => undefined);
      return await fn();
    } finally {
      this.paused = undefined;
      this.unpause?.();
      this.startDraining();
    }
  }

  /**
   * Seals what is pending, gives ClickHouse up to `graceMs` to take the waiting batches, then
   * stops. Batches not written stay in the spool and are written by the next process. Idempotent.
   */
  async close(graceMs = 10_000): Promise<void> {
    if (this.closed) return;
    this.cut();
    this.closed = true;
    if (this.writing !== undefined) {
      let timeout: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([
        this.writing.then(() => false),
        new Promise<boolean>((resolve) => {
          timeout = setTimeout(() => resolve(true), graceMs);
        }),
      ]);
      clearTimeout(timeout);
      if (gaveUp) {
        this.stopped = true;
        this.wake?.();
        this.unpause?.();
        await this.writing;
        this.options.logger.warn('shutdown: ClickHouse did not take every batch in time; they stay in the spool for the next start', {
          batches: this.queue.length,
          rows: this.queuedRows,
        });
      }
    }
    this.spool.close();
  }

  /** Seals pending rows into a batch and starts writing if idle. */
  private cut(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.idleTimer !== undefined) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    if (this.pending.rows > 0) {
      const segment = this.spool.seal()!;
      const rows = this.pending;
      this.pending = new RowBatch();
      this.enqueue(segment, rows);
    }
    this.startDraining();
  }

  private enqueue(segment: SpooledSegment, rows: RowBatch | undefined): void {
    // Keep rows in memory while there is room; otherwise they wait on disk only (an outage).
    const keep = rows !== undefined && this.memoryRows + segment.rows <= this.options.maxMemoryRows;
    this.queue.push({ segment, rows: keep ? rows : undefined, size: segment.rows, sealedAt: Date.now() });
    this.queuedRows += segment.rows;
    if (keep) this.memoryRows += segment.rows;
  }

  private startDraining(): void {
    if (this.writing === undefined && this.queue.length > 0 && !this.stopped) {
      this.writing = this.drain().finally(() => {
        this.writing = undefined;
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      if (this.paused !== undefined) {
        await this.paused;
        continue;
      }
      const batch = this.queue[0]!;
      if (batch.rows === undefined) {
        try {
          batch.rows = batchOfRecords(this.spool.read(batch.segment));
        } catch (err) {
          // Unreadable (deleted or damaged by hand): nothing can bring it back; say so loudly and go on.
          this.options.logger.error('spool segment unreadable; its rows are lost', { segment: batch.segment.path, rows: batch.size, error: (err as Error).message });
          this.options.onLost?.(batch.size);
          this.queue.shift();
          this.queuedRows -= batch.size;
          this.spool.remove(batch.segment);
          continue;
        }
        this.memoryRows += batch.size;
      }
      const started = performance.now();
      try {
        this.inserting = this.sink.insertBatch(batch.rows, batch.rows.token());
        await this.inserting;
        this.queue.shift();
        this.queuedRows -= batch.size;
        this.memoryRows -= batch.size;
        this.spool.remove(batch.segment);
        // After the bookkeeping, so a gauge read in the callback no longer counts this batch.
        this.options.onInsert?.((performance.now() - started) / 1000, batch.size);
        if (this.failures > 0) this.options.logger.info('clickhouse insert recovered', { failedAttempts: this.failures, waitingBatches: this.queue.length });
        this.failures = 0;
        this.lastError = undefined;
      } catch (err) {
        this.failures += 1;
        this.lastError = err;
        this.options.onInsert?.((performance.now() - started) / 1000, batch.size, err);
        const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 10));
        this.options.logger.warn('clickhouse insert failed; batch kept in the spool and retried', {
          error: (err as Error).message,
          rows: batch.size,
          // Named so that a batch refused for its content every time can be found and moved aside (runbook PnlClickHouseWritesFailing).
          segment: batch.segment.path,
          attempt: this.failures,
          retryInMs: backoff,
          waitingBatches: this.queue.length,
        });
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoff);
          t.unref();
          this.wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
