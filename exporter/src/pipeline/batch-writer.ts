import type { Logger } from '../log/logger.js';
import { BufferFullError } from './buffer-full-error.js';
import { emptyRows, rowCount, type Rows } from './rows.js';

/** Where batches go; PnlStore implements it. */
export interface BatchSink {
  insertBatch(rows: Rows, dedupToken: string): Promise<void>;
}

export interface BatchWriterOptions {
  /** Flush once this many rows are pending. */
  maxRows: number;
  /** Flush pending rows at least this often (ms). */
  maxDelayMs: number;
  /** Refuse new rows (503) beyond this many buffered rows. */
  maxBufferedRows: number;
  /** Called after each insert attempt with its duration in seconds, the rows, and the error if it failed. */
  onInsert?: (seconds: number, rows: number, error?: unknown) => void;
  logger: Logger;
}

interface Batch {
  rows: Rows;
  size: number;
  token: string;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Collects accepted rows and writes them in large batches, by size or by time, as ClickHouse
 * wants (thousands of rows per insert, about one insert per second). One insert runs at a time,
 * in arrival order. A failed batch stays at the head and is retried with backoff under the same
 * dedup token, so a retry of a batch that did commit is dropped by ClickHouse, not stored twice.
 */
export class BatchWriter {
  private pending: Rows = emptyRows();
  private readonly queue: Batch[] = [];
  private queuedRows = 0;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private closed = false;
  private lastError: unknown;

  constructor(
    private readonly sink: BatchSink,
    private readonly options: BatchWriterOptions,
  ) {}

  /** Rows accepted and not yet committed to ClickHouse. */
  get bufferedRows(): number {
    return rowCount(this.pending) + this.queuedRows;
  }

  /** True while the last insert attempt failed. */
  get failing(): boolean {
    return this.failures > 0;
  }

  get lastInsertError(): unknown {
    return this.lastError;
  }

  /** Throws BufferFullError if `rows` more would not fit. Call before marking spans as seen. */
  assertRoom(rows: number): void {
    if (this.bufferedRows + rows > this.options.maxBufferedRows) {
      const retryAfter = Math.min(60, Math.max(1, Math.ceil((this.options.maxDelayMs * (1 + this.failures)) / 1000)));
      throw new BufferFullError(this.bufferedRows, this.options.maxBufferedRows, retryAfter);
    }
  }

  add(rows: Rows): void {
    if (this.closed) throw new Error('BatchWriter is closed');
    for (const c of rows.calls) this.pending.calls.push(c);
    for (const r of rows.runs) this.pending.runs.push(r);
    for (const o of rows.outcomes) this.pending.outcomes.push(o);
    const size = rowCount(this.pending);
    if (size >= this.options.maxRows) this.cut();
    else if (this.timer === undefined && size > 0) {
      this.timer = setTimeout(() => this.cut(), this.options.maxDelayMs);
      this.timer.unref();
    }
  }

  /** Writes everything pending and waits for it. Used at shutdown and by tests. */
  async flush(): Promise<void> {
    this.cut();
    while (this.writing !== undefined) await this.writing;
  }

  /** Flushes, then refuses further rows. Idempotent. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  /** Moves pending rows into a batch and starts writing if idle. */
  private cut(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (rowCount(this.pending) > 0) this.queuePending();
    if (this.writing === undefined && this.queue.length > 0) {
      this.writing = this.drain().finally(() => {
        this.writing = undefined;
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue[0]!;
      const started = performance.now();
      try {
        await this.sink.insertBatch(batch.rows, batch.token);
        this.options.onInsert?.((performance.now() - started) / 1000, batch.size);
        this.queue.shift();
        this.queuedRows -= batch.size;
        if (this.failures > 0) this.options.logger.info('clickhouse insert recovered', { failedAttempts: this.failures });
        this.failures = 0;
        this.lastError = undefined;
      } catch (err) {
        this.failures += 1;
        this.lastError = err;
        this.options.onInsert?.((performance.now() - started) / 1000, batch.size, err);
        const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 10));
        this.options.logger.warn('clickhouse insert failed; batch kept and retried', {
          error: (err as Error).message,
          rows: batch.size,
          attempt: this.failures,
          retryInMs: backoff,
        });
        await new Promise((resolve) => setTimeout(resolve, backoff).unref());
      }
      // Rows that arrived meanwhile join the queue as their own batch once the size is reached.
      if (rowCount(this.pending) >= this.options.maxRows) this.queuePending();
    }
  }

  private queuePending(): void {
    const rows = this.pending;
    const size = rowCount(rows);
    this.pending = emptyRows();
    this.queue.push({ rows, size, token: batchToken(rows) });
    this.queuedRows += size;
  }
}

/** A token derived from the batch's content, so the same rows always carry the same token. */
function batchToken(rows: Rows): string {
  const ids = (r: { spanId: string; traceId: string } | undefined): string => (r ? r.spanId + r.traceId.slice(0, 8) : '');
  const first = rows.calls[0]?.call ?? rows.runs[0] ?? rows.outcomes[0];
  const last = rows.outcomes[rows.outcomes.length - 1] ?? rows.runs[rows.runs.length - 1] ?? rows.calls[rows.calls.length - 1]?.call;
  return `${ids(first)}-${ids(last)}-${rows.calls.length}-${rows.runs.length}-${rows.outcomes.length}`;
}
