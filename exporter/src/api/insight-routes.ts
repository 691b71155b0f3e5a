import { Router, type NextFunction, type Request, type Response } from 'express';
import type { AnomalyDetector } from '../pnl/anomalies.js';
import { recommendSavings } from '../pnl/recommendations.js';
import type { PriceBook } from '../price/index.js';
import type { PnlStore } from '../store/pnl-store.js';
import { parseDayRange } from './date-range.js';

/**
 * Insight endpoints: `GET /api/v1/anomalies` → `{anomalies}` (seed 004 rules as of now) and
 * `GET /api/v1/recommendations?from&to` → `{recommendations}` (cheaper-model savings for the UTC days
 * `[from, to)`, month to date by default). Errors go to `next()`: an invalid period is an `ApiError` (400),
 * ClickHouse trouble a `StoreError`, both rendered by the app's error handler.
 */
/** `priceBook` gives the book in use at each request: a price reload replaces it. */
export function insightRoutes(detector: AnomalyDetector, store: PnlStore, priceBook: () => PriceBook): Router {
  const router = Router();
  const wrap = (fn: (req: Request) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req).then((body) => res.json(body), next);
  };
  router.get('/api/v1/anomalies', wrap(async () => ({ anomalies: await detector.detect(new Date()) })));
  router.get('/api/v1/recommendations', wrap(async (req) => ({ recommendations: await recommendSavings(store, priceBook(), parseDayRange(req.query)) })));
  return router;
}
