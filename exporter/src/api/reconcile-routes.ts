import { Router, text, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { PnlConfig } from '../config/config.js';
import type { Logger } from '../log/logger.js';
import type { PnlRepository } from '../pnl/pnl-repository.js';
import { formatPicoUsd } from '../price/money.js';
import { InvoiceCsvError } from '../reconcile/invoice-csv-error.js';
import { INVOICE_FORMATS } from '../reconcile/invoice-formats.js';
import { InvoiceGauges } from '../reconcile/invoice-gauges.js';
import { InvoiceStore } from '../reconcile/invoice-store.js';
import { parseModelAliases } from '../reconcile/model-key.js';
import { parseInvoiceCsv } from '../reconcile/parse-invoice-csv.js';
import { reconcileRange } from '../reconcile/reconcile-range.js';
import { reconciliationJson } from '../reconcile/reconciliation-json.js';
import type { PnlStore } from '../store/pnl-store.js';
import { ApiError } from './api-error.js';
import { explainBodyLimit } from './body-limit.js';
import { parseDayRange } from './date-range.js';

/** What the reconciliation endpoints need from the service. */
export interface ReconcileRouteDeps {
  store: PnlStore;
  repo: PnlRepository;
  config: Pick<PnlConfig, 'invoiceTolerancePct' | 'invoiceModelAliases' | 'pnlRefreshMs'>;
  /** Registry the invoice gauges are published on (the service's /metrics). */
  registry: Registry;
  logger: Logger;
}

const COLUMN = z.string().trim().min(1).max(128).optional();

const importQuery = z.object({
  format: z.enum(INVOICE_FORMATS, { message: `must be one of ${INVOICE_FORMATS.join(', ')}` }),
  source: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be 1-64 letters, digits, ".", "_" or "-"').optional(),
  file: z.string().trim().min(1).max(256).optional(),
  provider: COLUMN,
  date_column: COLUMN,
  provider_column: COLUMN,
  model_column: COLUMN,
  cost_column: COLUMN,
});

/*
 * Checked as text before it becomes a number: z.coerce alone read an empty `tolerance_pct=` (a
 * form field left blank, a script's unset variable) as 0 %, which silently flags every difference.
 * Empty is refused, as the other numeric parameters refuse it; leaving it out means the default.
 */
const PCT = 'must be a number from 0 to 100 (leave tolerance_pct out for the configured default)';
const toleranceQuery = z.object({
  tolerance_pct: z.string({ message: PCT }).trim().min(1, PCT).pipe(z.coerce.number<string>({ message: PCT }).finite(PCT).min(0, PCT).max(100, PCT)).optional(),
});

/** CSV bodies: a month of a large organization's line items is a few MB. */
const CSV_BODY_LIMIT_BYTES = 64 * 2 ** 20;
const CSV_BODY = explainBodyLimit(
  text({ type: ['text/csv', 'text/plain', 'application/csv', 'application/vnd.ms-excel'], limit: CSV_BODY_LIMIT_BYTES }),
  CSV_BODY_LIMIT_BYTES,
  'import it in parts by days (a week at a time, say): each part replaces only the provider-days it covers',
);

/**
 * Invoice reconciliation (docs/reconciliation.md):
 * - `POST /api/v1/invoices?format=openai|anthropic|generic[&source&file&provider&date_column&provider_column&model_column&cost_column]`
 *   with the CSV as a text/csv body: stores the invoice totals (re-importing replaces per provider and day), audit-logged
 *   under `actor(req)`, then refreshes the gauges. A bad file is a 400 naming file, line and column.
 * - `GET /api/v1/reconciliation?from&to&tolerance_pct`: rated vs invoiced per day x provider x model
 *   and per day x provider, with the rows outside the tolerance flagged.
 * Also publishes the invoice gauges on `deps.registry` (see InvoiceGauges).
 */
export function reconcileRoutes(deps: ReconcileRouteDeps, actor: (req: Request) => string): Router {
  const invoices = new InvoiceStore(deps.store);
  const aliases = parseModelAliases(deps.config.invoiceModelAliases) ?? new Map<string, string>();
  const tolerancePct = deps.config.invoiceTolerancePct;
  const gauges = new InvoiceGauges(deps.registry, (range) => reconcileRange(invoices, range, { tolerancePct, aliases }), tolerancePct, deps.logger, deps.config.pnlRefreshMs);
  const router = Router();
  const wrap = (fn: (req: Request) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req).then((body) => res.json(body), next);
  };

  router.post(
    '/api/v1/invoices',
    CSV_BODY,
    wrap(async (req) => {
      const q = importQuery.safeParse(req.query);
      if (!q.success) throw ApiError.fromZod('invalid invoice import', q.error);
      if (typeof req.body !== 'string') throw new ApiError(415, 'unsupported_media_type', 'send the CSV file as the request body with Content-Type: text/csv');
      const { format, provider } = q.data;
      const file = q.data.file ?? `${format}-invoice.csv`;
      const source = q.data.source ?? format;
      const columns = Object.fromEntries(
        (['date', 'provider', 'model', 'cost'] as const).flatMap((c) => (q.data[`${c}_column`] !== undefined ? [[c, q.data[`${c}_column`]!]] : [])),
      );
      let parsed;
      try {
        parsed = parseInvoiceCsv(req.body, { format, file, columns, ...(provider !== undefined ? { provider } : {}) });
      } catch (err) {
        if (err instanceof InvoiceCsvError) throw new ApiError(400, 'invalid_invoice', err.message);
        throw err;
      }
      const result = await invoices.putInvoice(parsed, source, file);
      const total = formatPicoUsd(parsed.totals.reduce((s, t) => s + t.costPico, 0n));
      const days = { first: parsed.days[0] ?? null, last: parsed.days.at(-1) ?? null, count: parsed.days.length };
      await deps.repo.audit(actor(req), 'invoices.import', `${source} ${file}`, { format, lines: parsed.lines, stored: result.stored, removed: result.removed, days, total_usd: total });
      await gauges.refreshAfterChange();
      return { source, file, format, lines: parsed.lines, stored: result.stored, removed: result.removed, days, total_usd: total };
    }),
  );

  router.get(
    '/api/v1/reconciliation',
    wrap(async (req) => {
      const range = parseDayRange(req.query);
      const t = toleranceQuery.safeParse(req.query);
      if (!t.success) throw ApiError.fromZod('invalid tolerance', t.error);
      const pct = t.data.tolerance_pct ?? tolerancePct;
      return reconciliationJson(await reconcileRange(invoices, range, { tolerancePct: pct, aliases }), range, pct);
    }),
  );
  return router;
}
