import type { PnlConfig } from '../config/config.js';
import { SeenSpans } from '../dedupe/seen-spans.js';
import type { Logger } from '../log/logger.js';
import { PnlMetrics } from '../metrics/pnl-metrics.js';
import { defaultNormalizeOptions, type NormalizeOptions } from '../normalize/index.js';
import { BatchWriter } from '../pipeline/batch-writer.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { loadPriceBook, type PriceBook } from '../price/index.js';
import type { ClickHouseTarget } from '../store/open-clickhouse.js';
import { PnlStore } from '../store/pnl-store.js';

/**
 * Everything that ingests spans, without HTTP: store, price book, dedup memory, metrics and
 * the pipeline. The OTLP/HTTP service and the in-process SpanExporter both run on one of these.
 */
export class IngestCore {
  private rankingTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly config: PnlConfig,
    readonly store: PnlStore,
    readonly priceBook: PriceBook,
    readonly metrics: PnlMetrics,
    readonly writer: BatchWriter,
    readonly pipeline: Pipeline,
    readonly logger: Logger,
  ) {}

  /** Opens ClickHouse (migrating it), loads prices and recent span keys, and starts the timers. */
  static async start(config: PnlConfig, logger: Logger): Promise<IngestCore> {
    const target = clickHouseTarget(config);
    const store = await PnlStore.open(target);
    logger.info('clickhouse ready', { mode: target.kind, where: target.kind === 'embedded' ? target.dataDir : redactUrl(target.url) });
    const priceBook = await loadPriceBook(config.pricesFile !== undefined ? { overridesFile: config.pricesFile } : {});
    const metrics = new PnlMetrics({ topCustomers: config.topCustomers });
    const writer = new BatchWriter(store, {
      maxRows: config.batchMaxRows,
      maxDelayMs: config.batchMaxDelayMs,
      maxBufferedRows: config.bufferMaxRows,
      logger,
      onInsert: (seconds, rows, error) => {
        metrics.insertDuration.observe(seconds);
        if (error !== undefined) metrics.insertErrors.inc();
        else metrics.rowsWritten.inc(rows);
        metrics.bufferedRows.set(writer.bufferedRows);
      },
    });
    const seen = new SeenSpans(config.dedupMaxKeys);
    const keys = await store.recentSpanKeys(config.dedupWindowHours, Math.floor(config.dedupMaxKeys / 2));
    for (let i = keys.length - 1; i >= 0; i--) seen.add(SeenSpans.key(keys[i]!.trace_id, keys[i]!.span_id));
    const pipeline = new Pipeline({ normalizeOptions: normalizeOptionsFrom(config), priceBook, seen, metrics, writer });
    const core = new IngestCore(config, store, priceBook, metrics, writer, pipeline, logger);
    core.startRankingRefresh();
    void store
      .upsertPriceBook(priceBook.entries())
      .catch((err: unknown) => logger.warn('could not record the price book in ClickHouse', { error: (err as Error).message }));
    logger.info('ingest ready', { knownSpanKeys: keys.length, catalogVersion: priceBook.catalogVersion });
    return core;
  }

  /** Writes everything buffered, stops timers and closes ClickHouse. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.rankingTimer !== undefined) clearInterval(this.rankingTimer);
      await this.writer.close();
      await this.store.close();
    })();
    return this.closing;
  }

  private startRankingRefresh(): void {
    const refresh = async (): Promise<void> => {
      try {
        this.metrics.customers.setRanking(await this.store.topCustomersBySpend(this.config.topCustomers, 30));
      } catch (err) {
        this.logger.warn('customer ranking refresh failed', { error: (err as Error).message });
      }
    };
    this.rankingTimer = setInterval(() => void refresh(), this.config.rankingRefreshMs);
    this.rankingTimer.unref();
  }
}

function clickHouseTarget(config: PnlConfig): ClickHouseTarget {
  if (config.clickhouseUrl === undefined) return { kind: 'embedded', dataDir: config.dataDir };
  return {
    kind: 'remote',
    url: config.clickhouseUrl,
    ...(config.clickhouseUser !== undefined ? { username: config.clickhouseUser } : {}),
    ...(config.clickhousePassword !== undefined ? { password: config.clickhousePassword } : {}),
  };
}

function normalizeOptionsFrom(config: PnlConfig): NormalizeOptions {
  const options = defaultNormalizeOptions();
  if (config.attributionAliases !== undefined) {
    const extra = JSON.parse(config.attributionAliases) as Record<string, string[]>;
    for (const [key, aliases] of Object.entries(extra)) options.aliases[key] = [...(options.aliases[key] ?? []), ...aliases];
  }
  if (config.cacheInclusion !== undefined) {
    options.cacheInclusion = [...(JSON.parse(config.cacheInclusion) as NormalizeOptions['cacheInclusion']), ...options.cacheInclusion];
  }
  return options;
}

function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
