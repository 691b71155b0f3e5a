import { Router, json } from 'express';
import { z } from 'zod';
import type { PnlRepository, RevenueRow } from '../pnl/pnl-repository.js';
import { ApiError } from './api-error.js';
import { calendarDay } from './date-range.js';
import { MAX_USD } from './money-limits.js';

const DECIMAL = /^-?\d{1,20}(\.\d{1,12})?$/;

/** One revenue entry. `period_end` is exclusive; amount in USD as a number or exact decimal string. */
export const revenueEntrySchema = z
  .object({
    customer: z.string().min(1).max(256),
    period_start: calendarDay(),
    period_end: calendarDay('must be a calendar day YYYY-MM-DD (exclusive)'),
    amount: z.union([z.number().min(-MAX_USD).max(MAX_USD), z.string().regex(DECIMAL, 'must be a decimal number with at most 12 decimals')]),
    source: z.string().min(1).max(64).default('api'),
  })
  .refine((r) => r.period_start < r.period_end, { message: 'period_start must be before period_end (exclusive)', path: ['period_end'] });

export type RevenueEntry = z.infer<typeof revenueEntrySchema>;

/** Converts validated entries to table rows. Numbers are written via their shortest decimal form. */
export function toRevenueRows(entries: readonly RevenueEntry[]): RevenueRow[] {
  return entries.map((e) => ({
    customer_id: e.customer,
    period_start: e.period_start,
    period_end: e.period_end,
    source: e.source,
    amount_usd: typeof e.amount === 'number' ? String(e.amount) : e.amount,
  }));
}

/** `PUT /api/v1/revenue`: a JSON array of revenue entries (or `{rows: [...]}`). Re-sending an entry replaces it. */
export function revenueRoutes(repo: PnlRepository, actor: (req: import('express').Request) => string): Router {
  const router = Router();
  router.put('/api/v1/revenue', json({ limit: '5mb' }), async (req, res, next) => {
    try {
      const body: unknown = Array.isArray(req.body) ? req.body : (req.body as { rows?: unknown })?.rows;
      const parsed = z.array(revenueEntrySchema).min(1).max(100_000).safeParse(body);
      if (!parsed.success) throw ApiError.fromZod('invalid revenue rows', parsed.error);
      const rows = toRevenueRows(parsed.data);
      await repo.putRevenue(rows);
      await repo.audit(actor(req), 'revenue.put', `${rows.length} rows`, { customers: [...new Set(rows.map((r) => r.customer_id))].slice(0, 100) });
      res.json({ stored: rows.length });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
