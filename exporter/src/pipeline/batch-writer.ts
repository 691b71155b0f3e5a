import type { AgentRun } from '../model/llm-call.js';
import type { PricedCall } from '../model/priced-call.js';
import type { Logger } from '../log/logger.js';
import { BufferFullError } from './buffer-full-error.js';

/** Where batches go; PnlStore implements it. */
export interface BatchSink {
  insertBatch(calls: readonly PricedCall[], runs: readonly AgentRun[], dedupToken: string): Promise<void>;
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
  calls: PricedCall[];
  runs: AgentRun[];
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
  private calls: PricedCall[] = [];
  private runs: AgentRun[] = [];
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
    return this.calls.length + this.runs.length + this.queuedRows;
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

  add(calls: readonly PricedCall[], runs: readonly AgentRun[]): void {
    if (this.closed) throw new Error('BatchWriter is closed');
    for (const c of calls) this.calls.push(c);
    for (const r of runs) this.runs.push(r);
    if (this.calls.length + this.runs.length >= this.options.maxRows) this.cut();
    else if (this.timer === undefined && this.calls.length + this.runs.length > 0) {
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
    if (this.calls.length + this.runs.length > 0) {
      const batch: Batch = { calls: this.calls, runs: this.runs, token: batchToken(this.calls, this.runs) };
      this.calls = [];
      this.runs = [];
      this.queue.push(batch);
      this.queuedRows += batch.calls.length + batch.runs.length;
    }
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
        await this.sink.insertBatch(batch.calls, batch.runs, batch.token);
        this.options.onInsert?.((performance.now() - started) / 1000, batch.calls.length + batch.runs.length);
        this.queue.shift();
        this.queuedRows -= batch.calls.length + batch.runs.length;
        if (this.failures > 0) this.options.logger.info('clickhouse insert recovered', { failedAttempts: this.failures });
        this.failures = 0;
        this.lastError = undefined;
      } catch (err) {
        this.failures += 1;
        this.lastError = err;
        this.options.onInsert?.((performance.now() - started) / 1000, batch.calls.length + batch.runs.length, err);
        const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 10));
        this.options.logger.warn('clickhouse insert failed; batch kept and retried', {
          error: (err as Error).message,
          rows: batch.calls.length + batch.runs.length,
          attempt: this.failures,
          retryInMs: backoff,
        });
        await new Promise((resolve) => setTimeout(resolve, backoff).unref());
      }
      // Rows that arrived meanwhile join the queue as their own batch once the size is reached.
      if (this.calls.length + this.runs.length >= this.options.maxRows) this.cutPendingOnly();
    }
  }

  private cutPendingOnly(): void {
    const batch: Batch = { calls: this.calls, runs: this.runs, token: batchToken(this.calls, this.runs) };
    this.calls = [];
    this.runs = [];
    this.queue.push(batch);
    this.queuedRows += batch.calls.length + batch.runs.length;
  }
}

/** A token derived from the batch's content, so the same rows always carry the same token. */
function batchToken(calls: readonly PricedCall[], runs: readonly AgentRun[]): string {
  const first = calls[0]?.call ?? runs[0];
  const last = runs[runs.length - 1] ?? calls[calls.length - 1]?.call;
  return `${first?.spanId ?? ''}${first?.traceId.slice(0, 8) ?? ''}-${last?.spanId ?? ''}-${calls.length}-${runs.length}`;
}
