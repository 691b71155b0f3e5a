import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { PnlConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import { OtlpDecodeError } from '../receive/decode-error.js';
import type { OtlpEncoding } from '../receive/otlp-response.js';
import type { PreparedRequest } from './prepare-spans.js';

/** What a worker is started with (cloned into it). */
export interface IngestWorkerSetup {
  config: PnlConfig;
  hashSalt: string;
  /** The overrides YAML of the last price reload; absent, a worker reads PNL_PRICES_FILE. */
  prices?: OverridesText;
}

/** Price overrides YAML and where it came from (named in its problems). */
export interface OverridesText {
  text: string;
  source: string;
}

export type WorkerRequest = { id: number; body: Uint8Array; encoding: OtlpEncoding } | { id: number; prices: OverridesText };

export type WorkerReply =
  | { id: number; prepared: PreparedRequest }
  | { id: number; reloaded: true }
  | { id: number; error: { message: string; undecodable: boolean } };

interface Pending {
  resolve: (p: PreparedRequest | undefined) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** Raised when an ingest worker dies with requests in flight. */
export class IngestWorkerError extends Error {
  override readonly name = 'IngestWorkerError';
}

/**
 * A few worker threads that decode and prepare OTLP requests (PNL_INGEST_WORKERS), so the
 * main thread keeps only HTTP, dedup, the spool and metrics. A request goes to the worker with
 * the fewest in flight. A worker that dies is replaced; its requests fail (answered 500, and
 * the sender retries them).
 */
export class IngestWorkers {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly setup: IngestWorkerSetup,
    private readonly logger: Logger,
  ) {}

  /** Starts `count` workers and waits until each has loaded the price book. */
  static async start(count: number, setup: IngestWorkerSetup, logger: Logger): Promise<IngestWorkers> {
    const pool = new IngestWorkers(setup, logger);
    try {
      await Promise.all(Array.from({ length: count }, () => pool.spawn()));
    } catch (err) {
      await pool.close();
      throw err;
    }
    logger.info('ingest workers ready', { workers: count });
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Decodes and prepares one request body. Rejects with OtlpDecodeError for a body that is not OTLP. */
  prepare(body: Buffer, encoding: OtlpEncoding): Promise<PreparedRequest> {
    if (this.slots.length === 0) return Promise.reject(new IngestWorkerError('no ingest worker is running'));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    return this.send(slot, (id) => ({ id, body, encoding })) as Promise<PreparedRequest>;
  }

  /**
   * Makes every worker price with a new price book built from `prices` (already validated by
   * the caller). Requests sent after this resolves are priced with it; a worker started later
   * (replacing one that died) builds its book from the same text.
   */
  async reloadPrices(prices: OverridesText): Promise<void> {
    this.setup.prices = prices;
    await Promise.all(this.slots.map((slot) => this.send(slot, (id) => ({ id, prices }))));
  }

  private send(slot: Slot, request: (id: number) => WorkerRequest): Promise<PreparedRequest | undefined> {
    const id = this.nextId++;
    return new Promise<PreparedRequest | undefined>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.postMessage(request(id));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private spawn(): Promise<void> {
    const worker = new Worker(workerScript(), { workerData: this.setup });
    const slot: Slot = { worker, pending: new Map() };
    const startedWith = this.setup.prices;
    return new Promise<void>((ready, failed) => {
      let started = false;
      worker.on('message', (m: WorkerReply | { ready: true }) => {
        if ('ready' in m) {
          started = true;
          this.slots.push(slot);
          // Prices reloaded while it started (replacing a worker that died) reach it before any request.
          const now = this.setup.prices;
          if (now !== undefined && now !== startedWith) {
            this.send(slot, (id) => ({ id, prices: now })).catch((err: unknown) => this.logger.error('an ingest worker could not load the reloaded prices', { error: (err as Error).message }));
          }
          ready();
          return;
        }
        const p = slot.pending.get(m.id);
        if (p === undefined) return;
        slot.pending.delete(m.id);
        if ('error' in m) p.reject(m.error.undecodable ? new OtlpDecodeError(m.error.message) : new IngestWorkerError(m.error.message));
        else if ('reloaded' in m) p.resolve(undefined);
        else {
          // Buffers arrive as plain Uint8Arrays: make them Buffers again, without copying.
          const e = m.prepared.encoded as unknown as Record<'calls' | 'runs' | 'outcomes' | 'daily', Uint8Array>;
          const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
          Object.assign(m.prepared.encoded, { calls: asBuffer(e.calls), runs: asBuffer(e.runs), outcomes: asBuffer(e.outcomes), daily: asBuffer(e.daily) });
          p.resolve(m.prepared);
        }
      });
      worker.on('error', (err) => {
        this.logger.error('ingest worker failed', { error: err.message });
        if (!started) failed(new IngestWorkerError(`an ingest worker could not start: ${err.message}`));
      });
      worker.on('exit', (code) => {
        const index = this.slots.indexOf(slot);
        if (index >= 0) this.slots.splice(index, 1);
        for (const p of slot.pending.values()) p.reject(new IngestWorkerError(`the ingest worker exited (code ${code}) while preparing this request; retry it`));
        slot.pending.clear();
        if (!started) failed(new IngestWorkerError(`an ingest worker exited with code ${code} before it was ready`));
        else if (!this.closed) {
          this.logger.warn('ingest worker exited; starting another', { code });
          this.spawn().catch((err: unknown) => this.logger.error('could not replace an ingest worker', { error: (err as Error).message }));
        }
      });
    });
  }
}

/**
 * The compiled worker next to this module; when running from TypeScript sources (tests), the
 * built copy in dist/ (the tests build it first: test/global-setup.ts).
 */
function workerScript(): URL {
  const here = new URL('./ingest-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const built = new URL('../../dist/pipeline/ingest-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new IngestWorkerError(`the ingest worker script is missing (${fileURLToPath(here)}); run npm run build, or set PNL_INGEST_WORKERS=0`);
}
