import express, { type NextFunction, type Request, type Response } from 'express';
import type { IngestCore } from '../service/ingest-core.js';
import { tracesRoute } from './traces-route.js';

/** JSON error body used by every endpoint except /v1/traces (which follows OTLP). */
export function jsonError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

/** The service's HTTP surface: OTLP traces in, metrics and health out. */
export function createHttpApp(core: IngestCore): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const traces = tracesRoute({ pipeline: core.pipeline, metrics: core.metrics, maxBodyBytes: core.config.maxBodyBytes, logger: core.logger });
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
    if (core.writer.failing) problems.push(`clickhouse inserts failing: ${(core.writer.lastInsertError as Error | undefined)?.message ?? 'unknown error'}`);
    if (core.writer.bufferedRows >= core.config.bufferMaxRows) problems.push('write buffer full');
    if (!(await core.store.ping())) problems.push('clickhouse does not answer');
    res.status(problems.length === 0 ? 200 : 503).json({ ready: problems.length === 0, problems, bufferedRows: core.writer.bufferedRows });
  });
  app.use((req, res) => jsonError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    core.logger.error('request failed', { error: err.message });
    if (!res.headersSent) jsonError(res, 500, 'internal', 'internal error; see the exporter log');
  });
  return app;
}
