import { existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PnlEngine } from '../../exporter/src/pnl/pnl-engine.js';
import { PnlRepository } from '../../exporter/src/pnl/pnl-repository.js';
import { repriceCalls } from '../../exporter/src/pnl/reprice.js';
import { loadPriceBook } from '../../exporter/src/price/index.js';
import { loadMigrations, migrationPlan } from '../../exporter/src/store/migrate.js';
import { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { backupTables } from '../../exporter/src/store/backup.js';
import { agentRun, cost, llmCall, priced } from '../helpers/records.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * The exporter's real write and read paths against the cluster schema's Distributed tables.
 *
 * The embedded engine is given a cluster (`remote_servers`) of one shard on this host, so a
 * Distributed table writes to and reads from its `_local` table in-process, as ClickHouse does
 * for a shard on the local server. It runs no Keeper and no distributed-DDL queue, so two things
 * are adapted, and only these: ON CLUSTER is dropped, and the per-shard tables get the engine
 * they replicate (ReplicatedSummingMergeTree(path, replica) -> SummingMergeTree(), the Keeper
 * dedup window -> the local one). The Distributed tables and every ALTER are the generated text.
 * What this cannot show, and docs/scaling.md says: several shards, replication, ON CLUSTER.
 */

const CLUSTER = 'pnl_test';
const dir = tempDir('agentic-pnl-cluster-');
const dataDir = join(dir.path, 'data');
let session: Session;
let store: PnlStore;

/** The generated statement as the embedded engine can run it (see above). */
function runnable(statement: string): string {
  return statement
    .replace(` ON CLUSTER '${CLUSTER}'`, '')
    .replace(/ENGINE = Replicated(\w+)\('[^']*', '\{replica\}'(?:, )?/, 'ENGINE = $1(')
    .replace(/replicated_deduplication_window = (\d+), replicated_deduplication_window_seconds = \d+/, 'non_replicated_deduplication_window = $1');
}

beforeAll(async () => {
  mkdirSync(dataDir);
  const config = join(dir.path, 'cluster.xml');
  writeFileSync(
    config,
    `<clickhouse>
  <tcp_port>9000</tcp_port>
  <macros><cluster>${CLUSTER}</cluster><shard>01</shard><replica>r1</replica></macros>
  <remote_servers>
    <${CLUSTER}><shard><internal_replication>true</internal_replication><replica><host>localhost</host><port>9000</port></replica></shard></${CLUSTER}>
  </remote_servers>
</clickhouse>
`,
  );
  session = new Session(dataDir, { connectionArgs: [`--config-file=${config}`] });
  const migrations = await loadMigrations();
  const plan = migrationPlan(migrations, CLUSTER);
  for (const s of plan.bootstrap) session.query(runnable(s));
  for (const m of plan.migrations) {
    for (const s of m.statements) session.query(runnable(s));
    session.query(`INSERT INTO pnl.schema_migrations (version, name, checksum) VALUES (${m.version}, '${m.name}', '${m.checksum}')`);
  }
  // The exporter's own start on the same engine: it must find the schema applied and change nothing.
  store = await PnlStore.open({ kind: 'embedded', dataDir });
});

afterAll(async () => {
  await store?.close();
  session?.close();
  dir.remove();
});

describe('the exporter on the cluster schema (one local shard in the embedded engine)', () => {
  it('has each table as a Distributed table over its _local table, sharded by the generated key', async () => {
    const [cluster] = await store.select<{ shards: number; is_local: number }>(`SELECT count() AS shards, min(is_local) AS is_local FROM system.clusters WHERE cluster = {c:String}`, { c: CLUSTER });
    expect(cluster).toEqual({ shards: 1, is_local: 1 });
    const tables = await store.select<{ name: string; engine: string; engine_full: string }>(`SELECT name, engine, engine_full FROM system.tables WHERE database = 'pnl' ORDER BY name`);
    const byName = new Map(tables.map((t) => [t.name, t]));
    const fronts = tables.filter((t) => !t.name.endsWith('_local'));
    expect(fronts.map((t) => t.name)).toEqual(expect.arrayContaining(['llm_calls', 'llm_costs_daily', 'agent_runs', 'outcomes', 'revenue', 'budgets', 'price_book', 'audit_log', 'schema_migrations']));
    for (const t of fronts) {
      expect(t.engine, t.name).toBe('Distributed');
      expect(byName.get(`${t.name}_local`)?.engine, `${t.name}_local`).toMatch(/MergeTree$/);
    }
    expect(byName.get('llm_calls')?.engine_full).toBe(`Distributed('${CLUSTER}', 'pnl', 'llm_calls_local', cityHash64(customer_id))`);
    expect(byName.get('llm_costs_daily')?.engine_full).toBe(`Distributed('${CLUSTER}', 'pnl', 'llm_costs_daily_local', cityHash64(customer_id))`);
    // Columns added by ALTER migrations reach both tables (the Distributed one names what it reads).
    const columns = await store.select<{ table: string; n: number }>(`SELECT table, count() AS n FROM system.columns WHERE database = 'pnl' AND table IN ('llm_calls', 'llm_calls_local') GROUP BY table ORDER BY table`);
    expect(columns[0]!.n).toBe(columns[1]!.n);
  });

  it('stores a batch once when it is inserted twice with the same token, through the Distributed tables', async () => {
    const rows = {
      calls: [
        priced(llmCall({ customerId: 'cust_a' }), cost({ input: 150_000_000_000n })),
        priced(llmCall({ customerId: 'cust_a', attempt: 1, attemptReason: 'retry' }), cost({ output: 600_000_000_000n })),
        priced(llmCall({ customerId: 'cust_b', featureId: 'search' }), cost({ input: 1_000_000_000_000n })),
      ],
      runs: [agentRun({ customerId: 'cust_a' })],
      outcomes: [],
    };
    await store.insertBatch(rows, 'cluster-batch-1');
    await store.insertBatch(rows, 'cluster-batch-1'); // a retry of a batch that did commit
    const [calls] = await store.select<{ n: number; usd: string }>(`SELECT count() AS n, toString(sum(cost_usd)) AS usd FROM pnl.llm_calls`);
    const [daily] = await store.select<{ n: number; usd: string }>(`SELECT sum(calls) AS n, toString(sum(cost_usd)) AS usd FROM pnl.llm_costs_daily`);
    const [runs] = await store.select<{ n: number }>(`SELECT count() AS n FROM pnl.agent_runs`);
    expect({ calls, daily, runs }).toEqual({ calls: { n: 3, usd: '1.75' }, daily: { n: 3, usd: '1.75' }, runs: { n: 1 } });
    // Read through the Distributed table, every row says which shard it came from.
    const shards = await store.select<{ shard: number }>(`SELECT DISTINCT _shard_num AS shard FROM pnl.llm_calls`);
    expect(shards).toEqual([{ shard: 1 }]);
  });

  it('computes the portfolio P&L from the Distributed tables', async () => {
    const repo = new PnlRepository(store);
    await repo.putRevenue([{ customer_id: 'cust_a', period_start: '2026-11-01', period_end: '2026-12-01', source: 'api', amount_usd: '10' }]);
    const engine = new PnlEngine(repo, { tierMonthlyPrices: {}, marginTargetPct: 50 });
    const summary = await engine.summary({ from: '2026-11-01', to: '2026-12-01' });
    expect(summary.totals.customers).toBe(2);
    expect(summary.totals.calls).toBe(3);
    expect(summary.totals.totalCost).toBeCloseTo(1.75, 12);
    expect(summary.totals.evolutionCost).toBeCloseTo(0.6, 12);
    expect(summary.totals.revenue).toBeCloseTo(10, 12);
    expect(summary.totals.pnl).toBeCloseTo(8.25, 12);
  });

  it('re-rates as a dry run, and refuses to rewrite Distributed tables before writing anything', async () => {
    const priceBook = await loadPriceBook();
    const range = { from: '2026-11-01', to: '2026-12-01' };
    const dry = await repriceCalls(store, priceBook, { ...range, dryRun: true });
    expect(dry.calls).toBe(3);
    await expect(repriceCalls(store, priceBook, { ...range, dryRun: false })).rejects.toThrow(
      /reprice cannot rewrite pnl\.llm_calls and pnl\.llm_costs_daily on a ClickHouse cluster: they are Distributed tables.*Nothing was written/,
    );
    const [after] = await store.select<{ n: number; usd: string; tables: number }>(
      `SELECT (SELECT count() FROM pnl.llm_calls) AS n, (SELECT toString(sum(cost_usd)) FROM pnl.llm_costs_daily) AS usd,
              (SELECT count() FROM system.tables WHERE database = 'pnl' AND name LIKE '%reprice%') AS tables`,
    );
    expect(after).toEqual({ n: 3, usd: '1.75', tables: 0 });
  });

  it('refuses a backup, which from one node would hold one shard, before writing anything', async () => {
    const target = join(dir.path, 'backup');
    await expect(backupTables(store, target)).rejects.toThrow(/the pnl tables are Distributed .* a backup from one node would hold one shard\. Use ClickHouse's own BACKUP DATABASE pnl ON CLUSTER/);
    expect(existsSync(target)).toBe(false);
  });
});
