import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, Gauge } from 'prom-client';
import { Admission } from './admission.js';
import { accessControl, principalOf } from '../auth/access-control.js';
import type { AccessTokens } from '../auth/access-tokens.js';
import { ApiError, sendApiError } from '../api/api-error.js';
import { exportRoute } from '../api/export-route.js';
import { insightRoutes } from '../api/insight-routes.js';
import { priceRoutes } from '../api/price-routes.js';
import { backupRoute } from '../api/backup-route.js';
import type { AnomalyDetector } from '../pnl/anomalies.js';
import { pnlRoutes } from '../api/pnl-routes.js';
import { reconcileRoutes } from '../api/reconcile-routes.js';
import { revenueRoutes } from '../api/revenue-routes.js';
import type { PnlEngine } from '../pnl/pnl-engine.js';
import type { PnlRepository } from '../pnl/pnl-repository.js';
import type { IngestCore } from '../service/ingest-core.js';
import { StoreError } from '../store/store-error.js';
import { tokenCheckRoute } from '../token-check/token-check-route.js';
import { tracesRoute } from './traces-route.js';

/** JSON error body used by every endpoint except /v1/traces (which follows OTLP). */
export function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** Who made a request, for the audit log: the access token's name, or the peer address when access control is off. */
function actorOf(req: Request): string {
  const principal = req.res ? principalOf(req.res) : undefined;
  return principal !== undefined ? `token:${principal.name}` : `anonymous@${req.socket.remoteAddress ?? 'unknown'}`;
}

/** The service's HTTP surface: OTLP traces in; metrics, health and the P&L API out. */
export function createHttpApp(
  core: IngestCore,
  pnl: { engine: PnlEngine; repo: PnlRepository; detector: AnomalyDetector },
  tokens?: AccessTokens,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  if (tokens !== undefined) {
    const denied = new Counter({ name: 'pnl_access_denied_total', help: 'Requests refused by access control.', labelNames: ['reason'], registers: [core.metrics.registry] });
    app.use(accessControl(tokens, (reason) => denied.inc({ reason })));
  }
  const admission = new Admission({ maxConcurrent: core.config.maxConcurrentRequests, maxRssBytes: core.config.maxRssBytes });
  const traces = tracesRoute({ pipeline: core.pipeline, workers: core.workers, metrics: core.metrics, maxBodyBytes: core.config.maxBodyBytes, logger: core.logger, admission });
  new Gauge({
    name: 'pnl_otlp_requests_in_flight',
    help: 'Export requests being read or ingested now (limit PNL_MAX_CONCURRENT_REQUESTS).',
    registers: [core.metrics.registry],
    collect() {
      this.set(admission.active);
    },
  });
  app.post('/v1/traces', (req, res, next) => {
    traces(req, res).catch(next);
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.set('Content-Type', core.metrics.registry.contentType).send(await core.metrics.exposition());
    } catch (err) {
      next(err);
    }
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const problems: string[] = [];
    const { writer, spool, config } = core;
    if (writer.failing) problems.push(`clickhouse inserts failing: ${(writer.lastInsertError as Error | undefined)?.message ?? 'unknown error'}`);
    if (spool.bytes > config.readySpoolBytes) problems.push(`spool holds ${spool.bytes} bytes, over the readiness threshold of ${config.readySpoolBytes}: ClickHouse is behind`);
    if (spool.wouldOverflow(0)) problems.push('spool full: /v1/traces answers 503');
    if (!(await core.store.ping())) problems.push('clickhouse does not answer');
    res
      .status(problems.length === 0 ? 200 : 503)
      .json({ ready: problems.length === 0, problems, bufferedRows: writer.bufferedRows, spoolBytes: spool.bytes, spoolBatches: spool.segments });
  });
  app.use(revenueRoutes(pnl.repo, actorOf));
  app.use(reconcileRoutes({ store: core.store, repo: pnl.repo, config: core.config, registry: core.metrics.registry, logger: core.logger }, actorOf));
  app.use(pnlRoutes(pnl.engine, pnl.repo, actorOf));
  app.use(exportRoute(core.store, core.logger));
  app.use(insightRoutes(pnl.detector, core.store, () => core.priceBook));
  app.use(priceRoutes(core, pnl.repo, actorOf));
  app.use(backupRoute(core, pnl.repo, actorOf));
  app.use(tokenCheckRoute(core.tokenCheck, { sample: core.config.tokenCheckSample, tolerancePct: core.config.tokenCheckTolerancePct }));
  app.use((req, res) => jsonError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`));
  app.use((err: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return;
    if (err instanceof ApiError) return sendApiError(res, err);
    // body-parser errors (malformed JSON, too large) carry their HTTP status.
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) return jsonError(res, err.status, err.type ?? 'invalid_request', err.message);
    if (err instanceof StoreError) {
      core.logger.warn('request failed: clickhouse', { error: err.message });
      return jsonError(res, 503, 'storage_unavailable', `${err.message}; retry later`);
    }
    core.logger.error('request failed', { error: err.message, stack: err.stack });
    jsonError(res, 500, 'internal', 'internal error; see the exporter log');
  });
  return app;
}
