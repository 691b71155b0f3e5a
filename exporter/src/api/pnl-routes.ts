import { Router, json, type Request } from 'express';
import { z } from 'zod';
import type { PnlEngine } from '../pnl/pnl-engine.js';
import type { PnlRepository } from '../pnl/pnl-repository.js';
import { ApiError } from './api-error.js';
import { explainBodyLimit } from './body-limit.js';
import { calendarDay, FIRST_DAY, LAST_DAY, parseDayRange } from './date-range.js';
import { MAX_USD, MIN_USD } from './money-limits.js';

const customerParam = z.string().min(1).max(256);
const budgetBody = z
  .object({
    limit_usd: z.number().positive().min(MIN_USD).max(MAX_USD),
    period: z.enum(['month', 'custom']).default('month'),
    period_start: calendarDay().optional(),
    period_end: calendarDay('must be a calendar day YYYY-MM-DD (exclusive)').optional(),
    warn_ratio: z.number().positive().max(1).default(0.7),
    alert_ratio: z.number().positive().max(1).default(0.9),
  })
  .refine((b) => b.period === 'month' || (b.period_start !== undefined && b.period_end !== undefined && b.period_start < b.period_end), {
    message: 'a custom period needs period_start < period_end (YYYY-MM-DD, end exclusive)',
  })
  .refine((b) => b.warn_ratio <= b.alert_ratio, { message: 'warn_ratio must not exceed alert_ratio' });

/** A budget is a handful of fields; body-parser's default limit, made explicit so the 413 can name it. */
const BUDGET_BODY_LIMIT_BYTES = 100 * 2 ** 10;
const BUDGET_BODY = explainBodyLimit(json({ limit: BUDGET_BODY_LIMIT_BYTES }), BUDGET_BODY_LIMIT_BYTES, 'a budget is one small JSON object {limit_usd, ...}');

/** P&L read endpoints and budget writes. */
export function pnlRoutes(engine: PnlEngine, repo: PnlRepository, actor: (req: Request) => string): Router {
  const router = Router();
  const wrap = (fn: (req: Request) => Promise<unknown>) => (req: Request, res: import('express').Response, next: import('express').NextFunction) => {
    fn(req).then((body) => res.json(body), next);
  };
  const customerOf = (req: Request): string => {
    const c = customerParam.safeParse(req.params['customer']);
    if (!c.success) throw ApiError.fromZod('invalid customer', c.error);
    return c.data;
  };

  router.get('/api/v1/summary', wrap(async (req) => {
    const top = z.coerce.number().int().positive().max(10_000).default(20).safeParse(req.query['top']);
    // Both parameter groups are checked before answering, so one 400 lists every problem.
    let range: ReturnType<typeof parseDayRange> | undefined;
    const problems: string[] = [];
    try {
      range = parseDayRange(req.query);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      problems.push(err.message);
    }
    if (!top.success) problems.push(ApiError.fromZod('invalid top', top.error).message);
    if (range === undefined || !top.success) throw new ApiError(400, 'invalid_request', problems.join('; '));
    const summary = await engine.summary(range);
    return { ...summary, customers: summary.customers.slice(0, top.data) };
  }));

  router.get('/api/v1/customers/:customer/snapshot', wrap(async (req) => {
    const customer = customerOf(req);
    const range = parseDayRange(req.query);
    const snapshot = await engine.snapshot(customer, range);
    if (snapshot === null) throw new ApiError(404, 'not_found', `customer "${customer}" has no LLM calls between ${range.from} and ${range.to} (exclusive)`);
    return snapshot;
  }));

  router.get('/api/v1/customers/:customer/trend', wrap(async (req) => {
    const q = z.object({ periods: z.coerce.number().int().min(2).max(24).default(3), granularity: z.enum(['month', 'week']).default('month') }).safeParse(req.query);
    if (!q.success) throw ApiError.fromZod('invalid trend request', q.error);
    return engine.trend(customerOf(req), q.data.periods, q.data.granularity);
  }));

  router.get('/api/v1/budgets', wrap(async () => ({ budgets: await engine.budgetStatuses() })));
  router.get('/api/v1/budgets/:customer', wrap(async (req) => engine.budgetStatus(customerOf(req))));
  router.put('/api/v1/budgets/:customer', BUDGET_BODY, wrap(async (req) => {
    const customer = customerOf(req);
    const body = budgetBody.safeParse(req.body);
    if (!body.success) throw ApiError.fromZod('invalid budget', body.error);
    const b = body.data;
    await repo.putBudget({
      customer_id: customer,
      period: b.period,
      period_start: b.period === 'custom' ? b.period_start! : null,
      period_end: b.period === 'custom' ? b.period_end! : null,
      limit_usd: String(b.limit_usd),
      warn_ratio: b.warn_ratio,
      alert_ratio: b.alert_ratio,
    });
    await repo.audit(actor(req), 'budget.put', customer, b);
    return engine.budgetStatus(customer);
  }));

  router.get('/api/v1/revenue/metrics', wrap(async (req) => {
    // Within ClickHouse's Date range, so the month after it is still a day it can parse (9999-12 was a 503; found by fuzzing).
    const month = z
      .string()
      .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month YYYY-MM')
      .refine((m) => m >= FIRST_DAY.slice(0, 7) && m <= LAST_DAY.slice(0, 7), { message: `must be a month from ${FIRST_DAY.slice(0, 7)} to ${LAST_DAY.slice(0, 7)}` });
    const q = z.object({ month: month.optional() }).safeParse(req.query);
    if (!q.success) throw ApiError.fromZod('invalid month', q.error);
    return engine.revenueMetrics(q.data.month ?? new Date().toISOString().slice(0, 7));
  }));

  router.get('/api/v1/forecast', wrap(async () => ({ forecasts: await engine.forecasts() })));
  return router;
}
