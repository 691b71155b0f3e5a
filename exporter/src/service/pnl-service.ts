import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tierMonthlyPrices, type PnlConfig } from '../config/config.js';
import { createLogger, type Logger } from '../log/logger.js';
import { AnomalyDetector } from '../pnl/anomalies.js';
import { PnlEngine } from '../pnl/pnl-engine.js';
import { PnlGauges } from '../pnl/pnl-gauges.js';
import { PnlRepository } from '../pnl/pnl-repository.js';
import { resolveAccess } from '../auth/resolve-access.js';
import { createHttpApp } from '../server/http-app.js';
import { startingResponder, stoppingResponder } from '../server/unavailable-responder.js';
import { OtlpMetricsPush } from '../metrics/otlp-metrics-push.js';
import { IngestCore } from './ingest-core.js';

/** How often a stopping service closes connections that went idle. */
const IDLE_SWEEP_MS = 50;
/** How long requests in progress may take once the service stops, before their connections close. */
const CONNECTIONS_GRACE_MS = 5_000;

/** A running agentic-pnl service: the ingest core behind its HTTP endpoints. */
export class PnlService {
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly core: IngestCore,
    readonly engine: PnlEngine,
    private readonly gauges: PnlGauges,
    private readonly server: Server,
    /** The express app serving requests once started (tests walk its routes). */
    private readonly app: RequestListener,
    /** What answers the server's requests: the app, or a 503 responder while stopping. */
    private readonly handler: { current: RequestListener },
    /** The OTLP metrics push, when PNL_OTLP_METRICS_URL is set. */
    private readonly metricsPush: OtlpMetricsPush | undefined,
  ) {}

  /**
   * Starts the service and resolves once it is ready. The port is bound first and answers while
   * the start lasts (startingResponder: `/healthz` 200, everything else 503), so a liveness probe
   * does not restart a service that waits for its ClickHouse; a port in use fails at once.
   */
  static async start(config: PnlConfig, logger: Logger = createLogger(config.logLevel)): Promise<PnlService> {
    // Checked first: a misconfigured access setup must fail before anything is opened.
    const tokens = resolveAccess({ mode: config.auth, host: config.host, tokensFile: config.tokensFile, tokens: config.tokens });
    let stage = 'starting';
    const handler: { current: RequestListener } = { current: startingResponder(() => stage) };
    const server = createServer((req, res) => handler.current(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // OTLP exporters keep connections alive; a long keep-alive avoids reconnect churn at high rates.
    server.keepAliveTimeout = 65_000;
    logger.info('starting: health checks answered meanwhile', { url: urlOf(server) });
    let core: IngestCore | undefined;
    try {
      core = await IngestCore.start(config, logger, { workers: true, onStage: (s) => (stage = s) });
      const repo = new PnlRepository(core.store);
      const engine = new PnlEngine(repo, { tierMonthlyPrices: tierMonthlyPrices(config), marginTargetPct: config.marginTargetPct });
      const detector = new AnomalyDetector(core.store, config.unitCostTargets !== undefined ? { unitCostTargets: JSON.parse(config.unitCostTargets) as Record<string, number> } : {});
      const gauges = new PnlGauges(engine, core.metrics, logger, config.marginTargetPct, detector);
      const app = createHttpApp(core, { engine, repo, detector }, tokens);
      gauges.start(config.pnlRefreshMs);
      const push = config.otlpMetricsUrl === undefined ? undefined : OtlpMetricsPush.start(core.metrics.registry, { url: config.otlpMetricsUrl, intervalMs: config.otlpMetricsIntervalMs, serviceName: 'agentic-pnl', logger });
      handler.current = app;
      const service = new PnlService(core, engine, gauges, server, app, handler, push);
      logger.info('listening', { url: service.url, accessControl: tokens === undefined ? 'off' : `${tokens.size} token(s)` });
      return service;
    } catch (err) {
      // Nothing may stay open after a failed start: the bound port would keep the process alive.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await core?.close();
      throw err;
    }
  }

  /** Base URL, e.g. http://127.0.0.1:4318 */
  get url(): string {
    return urlOf(this.server);
  }

  /**
   * Stops accepting requests, writes buffered rows, closes ClickHouse. Idempotent. Requests in
   * progress finish; later ones, also on kept-alive connections, get 503 with Retry-After and
   * `Connection: close`. A sender that keeps its connection busy (a Collector exporting all the
   * time) held the stop open until the orchestrator killed the process, so after
   * `CONNECTIONS_GRACE_MS` the remaining connections are closed.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.handler.current = stoppingResponder();
      await new Promise<void>((resolve) => {
        // A connection whose response just ended is idle until its next request: close it then.
        const sweep = setInterval(() => this.server.closeIdleConnections(), IDLE_SWEEP_MS);
        const deadline = setTimeout(() => this.server.closeAllConnections(), CONNECTIONS_GRACE_MS);
        this.server.close(() => {
          clearInterval(sweep);
          clearTimeout(deadline);
          resolve();
        });
        this.server.closeIdleConnections();
      });
      await this.gauges.stop();
      // Once more before ClickHouse closes, with the last counts.
      await this.metricsPush?.shutdown().catch((err: unknown) => this.core.logger.warn('the last OTLP metrics push failed', { error: (err as Error).message }));
      await this.core.close();
    })();
    return this.stopping;
  }
}

function urlOf(server: Server): string {
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}
