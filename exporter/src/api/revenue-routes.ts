import { Router, json } from 'express';
import { z } from 'zod';
import type { PnlRepository, RevenueRow } from '../pnl/pnl-repository.js';
import { ApiError } from './api-error.js';
import { explainBodyLimit } from './body-limit.js';
import { calendarDay } from './date-range.js';
import { MAX_USD } from './money-limits.js';

const DECIMAL = /^-?\d{1,20}(\.\d{1,12})?$/;
/** amount_usd is Decimal(38, 12): a 13th decimal would be dropped without a word. */
const MAX_DECIMALS = 12;

/** The most revenue rows one PUT stores. */
export const MAX_REVENUE_ROWS = 100_000;

/**
 * The largest body of PUT /api/v1/revenue. It must fit MAX_REVENUE_ROWS rows: the longest row
 * (a 256-character customer, a 64-character source, a 34-character amount) is 448 bytes of
 * compact JSON, so 100,000 of them are 45 MB; 64 MiB leaves room for indentation. The earlier
 * 5 MB stopped at about 45,000 ordinary rows with a bare 413.
 */
export const REVENUE_BODY_LIMIT_BYTES = 64 * 2 ** 20;

/**
 * A finite number's exact decimal text without an exponent: the shortest text that reads back as
 * the same double (what JSON.parse saw), e.g. 1.5e-7 -> "0.00000015".
 */
export function numberDecimalText(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (m === null) return s;
  const digits = `${m[2]}${m[3] ?? ''}`;
  const point = 1 + Number(m[4]); // digits before the decimal point
  if (point <= 0) return `${m[1]}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${m[1]}${digits}${'0'.repeat(point - digits.length)}`;
  return `${m[1]}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function decimals(text: string): number {
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

/**
 * One revenue entry. `period_end` is exclusive; amount in USD as a number or exact decimal string,
 * with at most 12 decimals either way (a number with more used to be rounded silently while the
 * same string was refused).
 */
export const revenueEntrySchema = z
  .object({
    customer: z.string().min(1).max(256),
    period_start: calendarDay(),
    period_end: calendarDay('must be a calendar day YYYY-MM-DD (exclusive)'),
    amount: z.union([
      z
        .number()
        .min(-MAX_USD)
        .max(MAX_USD)
        .refine((n) => decimals(numberDecimalText(n)) <= MAX_DECIMALS, { message: `must have at most ${MAX_DECIMALS} decimals (USD is stored to 1e-12)` }),
      z.string().regex(DECIMAL, `must be a decimal number with at most ${MAX_DECIMALS} decimals`),
    ]),
    source: z.string().min(1).max(64).default('api'),
  })
  .refine((r) => r.period_start < r.period_end, { message: 'period_start must be before period_end (exclusive)', path: ['period_end'] });

export type RevenueEntry = z.infer<typeof revenueEntrySchema>;

/** Converts validated entries to table rows. Numbers are written as their exact decimal text (never an exponent). */
export function toRevenueRows(entries: readonly RevenueEntry[]): RevenueRow[] {
  return entries.map((e) => ({
    customer_id: e.customer,
    period_start: e.period_start,
    period_end: e.period_end,
    source: e.source,
    amount_usd: typeof e.amount === 'number' ? numberDecimalText(e.amount) : e.amount,
  }));
}

const REVENUE_BODY = explainBodyLimit(
  json({ limit: REVENUE_BODY_LIMIT_BYTES }),
  REVENUE_BODY_LIMIT_BYTES,
  `send at most ${MAX_REVENUE_ROWS.toLocaleString('en-US')} rows per request (agentic-pnl revenue import splits a file for you)`,
);

/**
 * `PUT /api/v1/revenue`: a JSON array of revenue entries (or `{rows: [...]}`), 1 to
 * MAX_REVENUE_ROWS of them in a body of at most REVENUE_BODY_LIMIT_BYTES. Re-sending an entry replaces it.
 */
export function revenueRoutes(repo: PnlRepository, actor: (req: import('express').Request) => string): Router {
  const router = Router();
  router.put('/api/v1/revenue', REVENUE_BODY, async (req, res, next) => {
    try {
      const body: unknown = Array.isArray(req.body) ? req.body : (req.body as { rows?: unknown })?.rows;
      const parsed = z
        .array(revenueEntrySchema, { message: 'send a JSON array of revenue rows, or {"rows": [...]}' })
        .min(1, 'no rows')
        .max(MAX_REVENUE_ROWS, `at most ${MAX_REVENUE_ROWS.toLocaleString('en-US')} rows per request; send the rest in another`)
        .safeParse(body);
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
