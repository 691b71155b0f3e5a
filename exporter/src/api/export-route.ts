import { randomUUID } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { Router } from 'express';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import type { PnlStore } from '../store/pnl-store.js';
import { intoOutfile } from '../store/outfile.js';
import { StoreError } from '../store/store-error.js';
import { ApiError } from './api-error.js';
import { parseDayRange } from './date-range.js';

/** What an export contains: raw priced calls, or the daily aggregates. */
const LEVEL_QUERIES = {
  calls: `SELECT start_time, trace_id, span_id, run_id, customer_id, customer_tier, organization_id, product_id, feature_id,
                 environment, service_name, agent_name, operation, provider, request_model, response_model, attempt, attempt_reason,
                 input_tokens, input_tokens_reported, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
                 cost_input_usd, cost_cache_read_usd, cost_cache_write_usd, cost_output_usd, cost_request_usd, cost_usd,
                 priced, unpriced_reason, price_id, status, error_type, duration_us
          FROM pnl.llm_calls
          WHERE start_time >= {from:Date} AND start_time < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
          ORDER BY customer_id, start_time`,
  daily: `SELECT day, customer_id, feature_id, provider, model, attempt_reason, sum(calls) AS calls, sum(error_calls) AS error_calls,
                 sum(unpriced_calls) AS unpriced_calls, sum(input_tokens) AS input_tokens, sum(cache_read_tokens) AS cache_read_tokens,
                 sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
                 sum(cost_usd) AS cost_usd
          FROM pnl.llm_costs_daily
          WHERE day >= {from:Date} AND day < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
          GROUP BY day, customer_id, feature_id, provider, model, attempt_reason
          ORDER BY day, customer_id, feature_id, provider, model, attempt_reason`,
} as const;

/**
 * The text columns of each level: ids and names taken from span attributes, so a sender controls
 * them. trace_id and span_id are left out: FixedString hex the exporter writes itself. Dates and
 * numbers are never text (a negative amount must stay a number).
 */
export const EXPORT_TEXT_COLUMNS = {
  calls: [
    'run_id', 'customer_id', 'customer_tier', 'organization_id', 'product_id', 'feature_id', 'environment', 'service_name', 'agent_name', 'operation',
    'provider', 'request_model', 'response_model', 'attempt_reason', 'unpriced_reason', 'price_id', 'status', 'error_type',
  ],
  daily: ['customer_id', 'feature_id', 'provider', 'model', 'attempt_reason'],
} as const satisfies Record<keyof typeof LEVEL_QUERIES, readonly string[]>;

const FORMATS = { csv: { ch: 'CSVWithNames', type: 'text/csv; charset=utf-8' }, parquet: { ch: 'Parquet', type: 'application/vnd.apache.parquet' } } as const;

/**
 * A text cell that a spreadsheet would run as a formula (`=cmd|' /C calc'!A0` as a customer id)
 * gets a leading `'`, so it is shown as text: OWASP's CSV injection guidance, for cells starting
 * with = + - @ tab or carriage return. `column` is one of EXPORT_TEXT_COLUMNS, never input.
 */
function formulaGuard(column: string): string {
  return `if(match(${column}, '^[-=+@\\t\\r]'), concat('''', ${column}), ${column}) AS ${column}`;
}

const exportQuery = z.object({
  format: z.enum(['csv', 'parquet']).default('csv'),
  level: z.enum(['calls', 'daily']).default('daily'),
  customer: z.string().max(256).default(''),
});

/**
 * The SQL of an export, for the API and the CLI. CSV text cells are guarded against formulas
 * (formulaGuard) in an outer SELECT, so the level's GROUP BY and ORDER BY still work on the stored
 * values ("=x" and "'=x" stay two customers). Parquet cells are typed, never run: left as stored.
 */
export function exportSql(level: keyof typeof LEVEL_QUERIES, format: keyof typeof FORMATS, outfile?: string): string {
  const rows = format === 'csv' ? `SELECT * REPLACE (${EXPORT_TEXT_COLUMNS[level].map(formulaGuard).join(', ')}) FROM (${LEVEL_QUERIES[level]})` : LEVEL_QUERIES[level];
  if (outfile === undefined) return `${rows} FORMAT ${FORMATS[format].ch}`;
  return intoOutfile(rows, outfile, FORMATS[format].ch);
}

/** Where the embedded engine writes export files, under the data directory (room for data is room for a file). */
export function exportDir(dataDir: string): string {
  return join(dataDir, 'exports');
}

/**
 * Streams an export as a file of the format, e.g. to an HTTP response. A server streams the
 * result itself; the embedded engine writes it to a file under the data directory first (see
 * store/outfile.ts), which is deleted once read or abandoned. ClickHouse writes Parquet natively.
 * A query ClickHouse cannot run (down, a table missing) is a StoreError, which the API answers
 * with 503 like its other routes.
 */
export async function streamExport(store: PnlStore, level: keyof typeof LEVEL_QUERIES, format: keyof typeof FORMATS, params: Record<string, unknown>): Promise<NodeJS.ReadableStream> {
  if (store.target.kind === 'remote') {
    try {
      return (await store.client.exec({ query: exportSql(level, format), query_params: params })).stream;
    } catch (err) {
      throw new StoreError('export query', err);
    }
  }
  const dir = exportDir(store.target.dataDir);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${randomUUID()}.${format}`);
  try {
    await store.client.command({ query: exportSql(level, format, file), query_params: params });
  } catch (err) {
    await rm(file, { force: true });
    throw new StoreError('export query', err);
  }
  const stream = createReadStream(file);
  // Unlinked once open: the open descriptor still reads it, and nothing is left behind whatever happens next.
  stream.once('open', () => void rm(file, { force: true }));
  stream.once('error', () => void rm(file, { force: true }));
  return stream;
}


/**
 * `GET /api/v1/export?format=csv|parquet&level=daily|calls&from&to&customer`. Once the file is
 * streaming its status is sent, so a later failure can only cut the response short (the client
 * sees an incomplete transfer, not a complete-looking file) and be logged. `pipeline` also
 * destroys the ClickHouse stream when the client goes away, which `pipe` did not: an abandoned
 * export kept its query and connection until ClickHouse had written the whole file.
 */
export function exportRoute(store: PnlStore, logger: Logger): Router {
  // Files of exports that were running when a previous process stopped; none runs yet.
  if (store.target.kind === 'embedded') rmSync(exportDir(store.target.dataDir), { recursive: true, force: true });
  const router = Router();
  router.get('/api/v1/export', async (req, res, next) => {
    try {
      const q = exportQuery.safeParse(req.query);
      if (!q.success) throw ApiError.fromZod('invalid export request', q.error);
      const range = parseDayRange(req.query);
      const { format, level, customer } = q.data;
      const stream = await streamExport(store, level, format, { ...range, customer });
      res.set({
        'Content-Type': FORMATS[format].type,
        'Content-Disposition': `attachment; filename="agentic-pnl-${level}-${range.from}-${range.to}.${format}"`,
      });
      pipeline(stream, res, (err) => {
        if (err === undefined || err === null) return;
        // Not `level`: the log line's own severity field has that name.
        const fields = { export: `${level} ${format}`, from: range.from, to: range.to, error: err.message };
        if ((err as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') logger.info('export stopped: the connection closed before the file was complete', fields);
        else logger.warn('export failed while streaming; the response was cut short', fields);
      });
    } catch (err) {
      next(err);
    }
  });
  return router;
}
