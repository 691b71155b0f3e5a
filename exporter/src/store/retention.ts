import type { ClickHouseClient } from '@clickhouse/client';
import type { Logger } from '../log/logger.js';

/** How long rows are kept, in months. */
export interface Retention {
  rawMonths: number;
  aggregateMonths: number;
}

/** Each table's TTL time column and which retention applies to it. */
const TABLES: ReadonlyArray<{ table: string; column: string; kind: keyof Retention }> = [
  { table: 'llm_calls', column: 'start_time', kind: 'rawMonths' },
  { table: 'agent_runs', column: 'start_time', kind: 'rawMonths' },
  { table: 'outcomes', column: 'at', kind: 'rawMonths' },
  { table: 'audit_log', column: 'at', kind: 'rawMonths' },
  { table: 'llm_costs_daily', column: 'day', kind: 'aggregateMonths' },
];

/**
 * Makes each table's TTL match the configured retention. Only tables whose TTL differs are
 * altered, once; `materialize_ttl_after_modify = 0` keeps the start fast (existing parts get
 * the new TTL at their next merge instead of being rewritten now). Months are validated
 * positive integers from the configuration, never request input, so they are written inline
 * (DDL takes no bound parameters). On a cluster (Distributed tables) nothing is changed here:
 * a TTL change there is an `ON CLUSTER` statement on the local tables (docs/scaling.md).
 */
export async function applyRetention(client: ClickHouseClient, retention: Retention, logger: Logger): Promise<void> {
  const rs = await client.query({ query: "SELECT name, engine, engine_full FROM system.tables WHERE database = 'pnl'", format: 'JSONEachRow' });
  const tables = new Map((await rs.json<{ name: string; engine: string; engine_full: string }>()).map((t) => [t.name, t]));
  for (const { table, column, kind } of TABLES) {
    const t = tables.get(table);
    const months = retention[kind];
    if (t === undefined) continue;
    if (!t.engine.endsWith('MergeTree')) {
      logger.info('retention: not applied to a non-MergeTree table (cluster layout?); set TTLs on the local tables', { table, engine: t.engine });
      continue;
    }
    const want = column === 'day' ? `${column} + toIntervalMonth(${months})` : `toDateTime(${column}) + toIntervalMonth(${months})`;
    // The migrations write whole years (INTERVAL 2 YEAR), which ClickHouse shows as toIntervalYear(2).
    const asYears = months % 12 === 0 ? want.replace(`toIntervalMonth(${months})`, `toIntervalYear(${months / 12})`) : want;
    if (t.engine_full.includes(`TTL ${want}`) || t.engine_full.includes(`TTL ${asYears}`)) continue;
    await client.command({
      query: `ALTER TABLE pnl.${table} MODIFY TTL ${want} DELETE`,
      clickhouse_settings: { materialize_ttl_after_modify: 0 },
    });
    logger.info('retention: TTL changed', { table, months });
  }
}
