import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clickHouseTargetOf } from '../config/clickhouse-target.js';
import { tierMonthlyPrices, type PnlConfig } from '../config/config.js';
import { SeenSpans } from '../dedupe/seen-spans.js';
import type { Logger } from '../log/logger.js';
import { DurabilityMetrics } from '../metrics/durability-metrics.js';
import { PnlMetrics } from '../metrics/pnl-metrics.js';
import { BatchWriter, batchOfRecords, type RecoveredBatch } from '../pipeline/batch-writer.js';
import { IngestWorkers, type OverridesText } from '../pipeline/ingest-workers.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { PnlRepository } from '../pnl/pnl-repository.js';
import { loadPriceBook, priceBookFromOverridesText, readOverridesText, type PriceBook } from '../price/index.js';
import { redactedUrl } from '../store/open-clickhouse.js';
import { PnlStore } from '../store/pnl-store.js';
import { applyRetention } from '../store/retention.js';
import { Spool } from '../spool/spool.js';
import { normalizeOptionsFrom } from './normalize-options-from-config.js';
import { TokenCheck } from '../token-check/token-check.js';

/**
 * Everything that ingests spans, without HTTP: store, price book, dedup memory, metrics and
 * the pipeline. The OTLP/HTTP service and the in-process SpanExporter both run on one of these.
 */
export class IngestCore {
  private rankingTimer: NodeJS.Timeout | undefined;
  private rankingRefresh: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** The price change under way, if any: they run one after another. */
  private pricesChange: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: PnlConfig,
    readonly store: PnlStore,
    private book: PriceBook,
    readonly metrics: PnlMetrics,
    readonly writer: BatchWriter,
    readonly spool: Spool,
    readonly pipeline: Pipeline,
    readonly logger: Logger,
    /** Token double-entry (docs/token-checks.md); undefined when PNL_TOKEN_CHECK_SAMPLE is 0. */
    readonly tokenCheck: TokenCheck | undefined,
    /** Threads that decode and prepare OTLP requests; undefined when requests are prepared inline. */
    readonly workers: IngestWorkers | undefined,
  ) {}

  /**
   * Opens ClickHouse (migrating it), loads prices and recent span keys, and starts the timers.
   * With `options.workers`, also starts PNL_INGEST_WORKERS ingest workers (the OTLP service
   * does; the in-process exporter hands over decoded spans and needs none). `options.onStage`
   * hears what the start is doing, for `/readyz` while it lasts.
   */
  static async start(config: PnlConfig, logger: Logger, options: { workers?: boolean; onStage?: (stage: string) => void } = {}): Promise<IngestCore> {
    const stage = options.onStage ?? ((): void => undefined);
    const target = clickHouseTargetOf(config);
    const where = target.kind === 'embedded' ? target.dataDir : redactedUrl(target.url);
    stage(`opening ClickHouse (${where})`);
    const store = await PnlStore.open(target, {
      waitMs: config.clickhouseWaitMs,
      onRetry: (attempt, error, nextInMs) => {
        stage(`waiting for ClickHouse at ${where} (attempt ${attempt} failed: ${error})`);
        logger.warn('waiting for ClickHouse', { where, attempt, error, retryInMs: nextInMs, waitMs: config.clickhouseWaitMs });
      },
      onDiskFallback: ({ error, dir }) =>
        logger.warn('/dev/shm is full: insert files now go to the temp dir (on disk, slower); give the container a larger /dev/shm', { error, dir }),
    });
    logger.info('clickhouse ready', { mode: target.kind, where });
    // What the start has opened, closed again if a later step fails: a failed start of the
    // in-process exporter or a test left the engine, the spool lock and a draining writer open.
    const opened: Opened = {};
    try {
      return await IngestCore.assemble(config, logger, options.workers === true, stage, store, opened);
    } catch (err) {
      await opened.writer?.close(0).catch(() => undefined);
      opened.spool?.close();
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  /** The rest of the start, once ClickHouse is open; records in `opened` what must be closed if it fails. */
  private static async assemble(config: PnlConfig, logger: Logger, withWorkers: boolean, stage: (s: string) => void, store: PnlStore, opened: Opened): Promise<IngestCore> {
    stage('applying retention and loading the price book');
    await applyRetention(store.client, { rawMonths: config.retentionRawMonths, aggregateMonths: config.retentionAggregateMonths }, logger);
    // The dashboards fall back on the same tier prices as the engine and read them from
    // ClickHouse: written here, so an app with only the in-process exporter records them too.
    await new PnlRepository(store).putTierPrices(tierMonthlyPrices(config));
    // Read once: the workers build their books from this same text, also those started later.
    const prices = config.pricesFile === undefined ? undefined : { text: await readOverridesText(config.pricesFile), source: config.pricesFile };
    const priceBook = prices === undefined ? await loadPriceBook() : await priceBookFromOverridesText(prices.text, prices.source);
    const metrics = new PnlMetrics({ topCustomers: config.topCustomers, maxLabelValues: config.metricsMaxLabelValues });
    const tokenCheck = config.tokenCheckSample > 0 ? await TokenCheck.start({ sample: config.tokenCheckSample, tolerancePct: config.tokenCheckTolerancePct }, { registry: metrics.registry, logger }) : undefined;
    const seen = new SeenSpans(config.dedupMaxKeys);
    stage('reading recent span keys from ClickHouse, to recognise re-delivered spans');
    const keys = await store.recentSpanKeys(config.dedupWindowHours, Math.floor(config.dedupMaxKeys / 2));
    for (let i = keys.length - 1; i >= 0; i--) seen.add(SeenSpans.key(keys[i]!.trace_id, keys[i]!.span_id));
    const { spool, recovered, lostRows } = openSpool(config, logger, seen);
    opened.spool = spool;
    const durability = new DurabilityMetrics(metrics.registry, {
      bufferedRows: () => writer.bufferedRows,
      spoolBytes: () => spool.bytes,
      spoolBatches: () => spool.segments,
      spoolMaxBytes: () => spool.maxBytes,
      oldestBatchAgeSeconds: () => writer.oldestBatchAgeSeconds(),
    });
    if (lostRows > 0) durability.spoolLostRows.inc(lostRows);
    const writer = new BatchWriter(
      store,
      spool,
      {
        maxRows: config.batchMaxRows,
        maxDelayMs: config.batchMaxDelayMs,
        idleMs: config.batchIdleMs,
        maxMemoryRows: config.bufferMaxRows,
        logger,
        onInsert: (seconds, rows, error) => {
          metrics.insertDuration.observe(seconds);
          if (error !== undefined) metrics.insertErrors.inc();
          else metrics.rowsWritten.inc(rows);
        },
        onLost: (rows) => durability.spoolLostRows.inc(rows),
      },
      recovered,
    );
    opened.writer = writer;
    const salt = hashSalt(config, logger);
    const normalizeOptions = normalizeOptionsFrom(config, salt);
    const pipeline = new Pipeline({ normalizeOptions, priceBook, seen, metrics, writer, tokenCheck, rawRetentionMonths: config.retentionRawMonths });
    let workers: IngestWorkers | undefined;
    if (withWorkers && config.ingestWorkers > 0) {
      // Token double-entry needs the raw spans, which stay in the worker: prepare inline then.
      if (tokenCheck !== undefined) logger.info('ingest workers off: the token double-entry check prepares requests on the main thread');
      else {
        stage('starting ingest workers');
        workers = await IngestWorkers.start(config.ingestWorkers, { config, hashSalt: salt, ...(prices === undefined ? {} : { prices }) }, logger);
      }
    }
    const core = new IngestCore(config, store, priceBook, metrics, writer, spool, pipeline, logger, tokenCheck, workers);
    core.startRankingRefresh();
    void store
      .upsertPriceBook(priceBook.entries())
      .catch((err: unknown) => logger.warn('could not record the price book in ClickHouse', { error: (err as Error).message }));
    logger.info('ingest ready', { knownSpanKeys: keys.length, catalogVersion: priceBook.catalogVersion });
    return core;
  }

  /** The price book calls are rated with now (replaced by {@link reloadPrices}). */
  get priceBook(): PriceBook {
    return this.book;
  }

  /**
   * Rates calls from now on with the catalog under the overrides in PNL_PRICES_FILE as it is on
   * disk now. Stored calls keep their prices (`agentic-pnl reprice` re-rates them).
   * @throws PriceBookError listing every problem of the file; the prices in use stay.
   * @throws PricesFileUnsetError when PNL_PRICES_FILE is not set.
   */
  reloadPrices(): Promise<PriceBook> {
    return this.oneAtATime(async (file) => this.usePrices({ text: await readOverridesText(file), source: file }));
  }

  /**
   * Checks `text` as overrides, writes it over PNL_PRICES_FILE (beside it, then renamed over it:
   * never half a file) and rates calls with it from now on.
   * @throws PriceBookError (nothing written), PricesFileWriteError, PricesFileUnsetError.
   */
  writePrices(text: string): Promise<PriceBook> {
    return this.oneAtATime(async (file) => {
      const book = await priceBookFromOverridesText(text, file);
      await writeFileAtomically(file, text);
      return this.usePrices({ text, source: file }, book);
    });
  }

  /** Runs price changes one after another, each with the file's path. */
  private oneAtATime(fn: (file: string) => Promise<PriceBook>): Promise<PriceBook> {
    const run = this.pricesChange.then(() => {
      const file = this.config.pricesFile;
      if (file === undefined) throw new PricesFileUnsetError();
      return fn(file);
    });
    this.pricesChange = run.catch(() => undefined);
    return run;
  }

  /**
   * Every thread that prices builds its book from the same `prices` text. The main thread
   * switches first; a worker that exits meanwhile is replaced with the new text, so a failed
   * worker reload is logged, not thrown: the switch still reaches every thread.
   */
  private async usePrices(prices: OverridesText, built?: PriceBook): Promise<PriceBook> {
    const book = built ?? (await priceBookFromOverridesText(prices.text, prices.source));
    this.pipeline.usePriceBook(book);
    this.book = book;
    await this.workers?.reloadPrices(prices).catch((err: unknown) => this.logger.warn('an ingest worker did not take the new prices; its replacement starts with them', { error: (err as Error).message }));
    this.logger.info('prices reloaded', { file: prices.source, entries: book.entries().length, catalogVersion: book.catalogVersion });
    await this.store
      .upsertPriceBook(book.entries())
      .catch((err: unknown) => this.logger.warn('could not record the price book in ClickHouse', { error: (err as Error).message }));
    return book;
  }

  /** Writes everything buffered, stops timers and closes ClickHouse. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.tokenCheck?.close();
      if (this.rankingTimer !== undefined) clearInterval(this.rankingTimer);
      await this.rankingRefresh;
      await this.workers?.close();
      await this.writer.close();
      await this.store.close();
    })();
    return this.closing;
  }

  private startRankingRefresh(): void {
    const refresh = async (): Promise<void> => {
      try {
        this.metrics.applyRanking(await this.store.topCustomersBySpend(this.config.topCustomers, 30));
      } catch (err) {
        this.logger.warn('customer ranking refresh failed', { error: (err as Error).message });
      }
    };
    const start = (): void => {
      this.rankingRefresh ??= refresh().finally(() => {
        this.rankingRefresh = undefined;
      });
    };
    // Once at start too: without it, customers were admitted first come, first served for the
    // first PNL_METRICS_REFRESH_MS after every restart.
    start();
    this.rankingTimer = setInterval(start, this.config.rankingRefreshMs);
    this.rankingTimer.unref();
  }
}

/** Resources a start has opened so far. */
interface Opened {
  spool?: Spool;
  writer?: BatchWriter;
}

/**
 * Opens the spool and reads back what a previous process accepted and may not have committed:
 * those spans are remembered as seen (a sender retrying them is answered as a duplicate) and
 * their batches are written first, under the same dedup tokens as before.
 */
function openSpool(config: PnlConfig, logger: Logger, seen: SeenSpans): { spool: Spool; recovered: RecoveredBatch[]; lostRows: number } {
  const dir = config.spoolDir ?? join(config.dataDir, 'spool');
  const { spool, recovered: segments, lostRows } = Spool.open(dir, { maxBytes: config.spoolMaxBytes, fsync: config.spoolFsync, logger });
  const recovered: RecoveredBatch[] = [];
  let rows = 0;
  for (const segment of segments) {
    // Batches past the memory budget give their keys now and are read again in their turn:
    // a spool of gigabytes after a long outage must not be held in memory at start.
    let batch: ReturnType<typeof batchOfRecords> | undefined;
    try {
      batch = batchOfRecords(spool.read(segment), (key) => seen.add(key));
    } catch (err) {
      // A record that passes its checksum but cannot be decoded (written by a newer version):
      // left to the writer, which reads it again in its turn, counts its rows as lost and goes on.
      // Thrown here, it failed every start.
      logger.error('spool: a segment cannot be decoded; the writer will count its rows as lost', { segment: segment.path, rows: segment.rows, error: (err as Error).message });
    }
    recovered.push({ segment, rows: batch !== undefined && rows + segment.rows <= config.bufferMaxRows ? batch : undefined });
    rows += segment.rows;
  }
  if (segments.length > 0) logger.info('spool: writing batches a previous process accepted', { dir, batches: segments.length, rows, bytes: spool.bytes });
  return { spool, recovered, lostRows };
}

/**
 * The salt of the end-user id HMAC: PNL_HASH_SALT, or a random one generated once and kept in
 * the data directory, so ids hash the same across restarts without any setup.
 */
function hashSalt(config: PnlConfig, logger: Logger): string {
  if (config.hashSalt !== undefined) return config.hashSalt;
  const file = join(config.dataDir, 'hash-salt');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    logger.info('generated the salt for hashing end-user ids; set PNL_HASH_SALT to the same secret on every replica', { file });
    return readFileSync(file, 'utf8').trim();
  }
}

/** A price reload or an overrides write was asked for, but no overrides file is configured. */
export class PricesFileUnsetError extends Error {
  override readonly name = 'PricesFileUnsetError';
  constructor() {
    super('PNL_PRICES_FILE is not set, so there is no overrides file to read or write: start the service with PNL_PRICES_FILE (or --prices-file) naming one (a new file may hold just `version: 1`)');
  }
}

/** PNL_PRICES_FILE could not be written; the prices in use stay. */
export class PricesFileWriteError extends Error {
  override readonly name = 'PricesFileWriteError';
}

/** Writes `text` beside `file` under a name of its own, then renames it over `file`: a reader never sees half a file. */
async function writeFileAtomically(file: string, text: string): Promise<void> {
  const staged = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(staged, text, 'utf8');
    await rename(staged, file);
  } catch (err) {
    await rm(staged, { force: true });
    throw new PricesFileWriteError(`cannot write ${file} (${(err as Error).message}); the prices in use stay: make the file and its directory writable by the service`);
  }
}
