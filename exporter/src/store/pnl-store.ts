import type { ClickHouseClient } from '@clickhouse/client';
import { encodeRows, keysOf } from '../pipeline/encoded-rows.js';
import { RowBatch } from '../pipeline/row-batch.js';
import type { Rows } from '../pipeline/rows.js';
import type { PriceBookEntry } from '../price/index.js';
import { DAILY_COLUMNS } from './daily-aggregates.js';
import { createRowBinaryInserter, type InserterOptions, type RowBinaryInserter } from './insert-row-binary.js';
import { migrate } from './migrate.js';
import { openClickHouse, redactedUrl, type ClickHouseTarget } from './open-clickhouse.js';
import { AGENT_RUN_COLUMNS, LLM_CALL_COLUMNS, OUTCOME_COLUMNS, type ColumnSpec } from './row-format.js';
import { RowBinaryWriter } from './row-binary-writer.js';
import { StoreError } from './store-error.js';
import { waitForClickHouse, type WaitOptions } from './wait-for-clickhouse.js';

/**
 * Settings of every batch insert. A batch spans as many monthly partitions as its calls' start
 * months, and ClickHouse refuses an insert into more than 100 by default: one request with
 * spans over 120 months (any start from 1970 to 2149 is valid) made its batch fail at every
 * retry, and every batch behind it waited until the spool filled (found by an audit). The
 * limit protects against a wrong partition key; ours is the month, chosen, so it only warns.
 */
const INSERT_SETTINGS = (token: string) => ({ insert_deduplication_token: token, throw_on_max_partitions_per_insert_block: 0 });

/**
 * The ClickHouse side of agentic-pnl: schema, batched inserts, and the reads the service needs.
 * The same code serves the embedded engine and a server (see open-clickhouse.ts).
 */
export class PnlStore {
  private constructor(
    /** The underlying client, for reads by the P&L engine and the API. */
    readonly client: ClickHouseClient,
    readonly target: ClickHouseTarget,
    private readonly inserter: RowBinaryInserter,
  ) {}

  /**
   * Connects and applies pending migrations. A server (remote target) must first answer
   * `/ping`, within `options.waitMs` (retried with backoff; 0 = one attempt). `onDiskFallback`
   * hears when the embedded engine's insert files leave a full /dev/shm for the temp dir.
   */
  static async open(target: ClickHouseTarget, options: Omit<WaitOptions, 'url'> & Pick<InserterOptions, 'onDiskFallback'> = { waitMs: 0 }): Promise<PnlStore> {
    const client = await openClickHouse(target);
    try {
      if (target.kind === 'remote') await waitForClickHouse(client, { ...options, url: redactedUrl(target.url) });
      await migrate(client, undefined, target.kind === 'remote' ? target.cluster : undefined);
      return new PnlStore(client, target, await createRowBinaryInserter(client, target, { onDiskFallback: options.onDiskFallback }));
    } catch (err) {
      await client.close();
      throw err;
    }
  }

  /**
   * Inserts a batch: calls, their daily aggregates, runs and outcomes. `dedupToken` identifies
   * the batch: ClickHouse drops a block whose token it has already seen, so retrying a batch
   * that did commit, wholly or in part (a timeout after the write, say), never stores it twice.
   * Takes encoded rows (what the pipeline holds) or row objects (encoded here).
   */
  async insertBatch(rows: RowBatch | Rows, dedupToken: string): Promise<void> {
    let batch: RowBatch;
    if (rows instanceof RowBatch) batch = rows;
    else {
      batch = new RowBatch();
      batch.add(encodeRows(rows, keysOf(rows)), 0);
    }
    try {
      await this.insertEncoded('pnl.llm_calls', LLM_CALL_COLUMNS, batch.calls, `${dedupToken}:calls`);
      if (batch.daily.size > 0) {
        const w = new RowBinaryWriter(batch.daily.size * 120);
        batch.daily.write(w);
        await this.insertEncoded('pnl.llm_costs_daily', DAILY_COLUMNS, [w.bytes()], `${dedupToken}:daily`);
      }
      await this.insertEncoded('pnl.agent_runs', AGENT_RUN_COLUMNS, batch.runs, `${dedupToken}:runs`);
      await this.insertEncoded('pnl.outcomes', OUTCOME_COLUMNS, batch.outcomes, `${dedupToken}:outcomes`);
    } catch (err) {
      throw new StoreError('insert', err);
    }
  }

  private async insertEncoded(table: string, columns: readonly ColumnSpec[], chunks: readonly Buffer[], token: string): Promise<void> {
    if (chunks.length === 0) return;
    await this.inserter.insert(table, columns, chunks, INSERT_SETTINGS(token));
  }

  /** Records the price entries in use; unchanged entries are collapsed by ReplacingMergeTree. */
  async upsertPriceBook(rows: readonly PriceBookEntry[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.client.insert({ table: 'pnl.price_book', values: [...rows], format: 'JSONEachRow' });
    } catch (err) {
      throw new StoreError('price book insert', err);
    }
  }

  /**
   * Dedup keys of spans stored in the last `hours`, newest first, at most `limit`: loaded at
   * start so a span stored before a restart is still recognised when delivered again.
   */
  async recentSpanKeys(hours: number, limit: number): Promise<Array<{ trace_id: string; span_id: string }>> {
    return this.select(
      `SELECT trace_id, span_id FROM (
         SELECT trace_id, span_id, ingested_at FROM pnl.llm_calls WHERE ingested_at >= now64(3) - toIntervalHour({hours:UInt32})
         UNION ALL
         SELECT trace_id, span_id, ingested_at FROM pnl.agent_runs WHERE ingested_at >= now64(3) - toIntervalHour({hours:UInt32})
         UNION ALL
         SELECT trace_id, span_id, ingested_at FROM pnl.outcomes WHERE ingested_at >= now64(3) - toIntervalHour({hours:UInt32})
       ) ORDER BY ingested_at DESC LIMIT {limit:UInt32}`,
      { hours, limit },
    );
  }

  /** Customers with the highest LLM spend over the last `days` (from the daily aggregates). */
  async topCustomersBySpend(n: number, days: number): Promise<string[]> {
    const rows = await this.select<{ customer_id: string }>(
      `SELECT customer_id FROM pnl.llm_costs_daily WHERE day >= today() - {days:UInt32} AND customer_id != ''
       GROUP BY customer_id ORDER BY sum(cost_usd) DESC, customer_id LIMIT {n:UInt32}`,
      { n, days },
    );
    return rows.map((r) => r.customer_id);
  }

  /** Runs a read query with bound parameters and returns its rows. */
  async select<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    try {
      const rs = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (err) {
      throw new StoreError('query', err);
    }
  }

  /** True when ClickHouse answers. */
  async ping(): Promise<boolean> {
    try {
      const r = await this.client.ping();
      return r.success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
    this.inserter.close();
  }
}
