import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PnlConfig } from '../config/config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { AnomalyDetector } from '../pnl/anomalies.js';
import { PnlEngine } from '../pnl/pnl-engine.js';
import { PnlGauges } from '../pnl/pnl-gauges.js';
import { PnlRepository } from '../pnl/pnl-repository.js';
import { resolveAccess } from '../auth/resolve-access.js';
import { createHttpApp } from '../server/http-app.js';
import { IngestCore } from './ingest-core.js';

/** A running agentic-pnl service: the ingest core behind its HTTP endpoints. */
export class PnlService {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly core: IngestCore,
    readonly engine: PnlEngine,
    private readonly gauges: PnlGauges,
    private readonly server: Server,
  ) {}

  /** Starts the service and resolves once it listens. */
  static async start(config: PnlConfig, logger: Logger = createLogger(config.logLevel)): Promise<PnlService> {
    // Checked first: a misconfigured access setup must fail before anything is opened.
    const tokens = resolveAccess({ mode: config.auth, host: config.host, tokensFile: config.tokensFile, tokens: config.tokens });
    const core = await IngestCore.start(config, logger, { workers: true });
    const repo = new PnlRepository(core.store);
    const engine = new PnlEngine(repo, {
      tierMonthlyPrices: config.tierPrices !== undefined ? (JSON.parse(config.tierPrices) as Record<string, number>) : {},
      marginTargetPct: config.marginTargetPct,
    });
    const detector = new AnomalyDetector(core.store, config.unitCostTargets !== undefined ? { unitCostTargets: JSON.parse(config.unitCostTargets) as Record<string, number> } : {});
    const gauges = new PnlGauges(engine, core.metrics, logger, config.marginTargetPct, detector);
    gauges.start(config.pnlRefreshMs);
    const app = createHttpApp(core, { engine, repo, detector }, tokens);
    const server = await new Promise<Server>((resolve, reject) => {
      const s = app.listen(config.port, config.host, () => resolve(s));
      s.once('error', reject);
    });
    // OTLP exporters keep connections alive; a long keep-alive avoids reconnect churn at high rates.
    server.keepAliveTimeout = 65_000;
    const service = new PnlService(core, engine, gauges, server);
    logger.info('listening', { url: service.url, accessControl: tokens === undefined ? 'off' : `${tokens.size} token(s)` });
    return service;
  }

  /** Base URL, e.g. http://127.0.0.1:4318 */
  get url(): string {
    const a = this.server.address() as AddressInfo;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}`;
  }

  /** Stops accepting requests, writes buffered rows, closes ClickHouse. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
        this.server.closeIdleConnections();
      });
      await this.gauges.stop();
      await this.core.close();
    })();
    return this.stopping;
  }
}
