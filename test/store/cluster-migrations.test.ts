import { queryBind } from 'chdb';
import { describe, expect, it } from 'vitest';
import { ClusterMigrationError, clusterStatements, shardingKey } from '../../exporter/src/store/cluster-migrations.js';
import { BOOTSTRAP_STATEMENTS, loadMigrations, migrationPlan } from '../../exporter/src/store/migrate.js';
import { renderMigrationScript } from '../../exporter/src/store/migration-script.js';

/*
 * The cluster variant of the migrations (exporter/src/store/cluster-migrations.ts). The pure
 * rules are checked statement by statement; then every statement generated from the real
 * migration files goes through ClickHouse's own parser (formatQuery in the embedded engine), and
 * each per-shard table must be, to the parser, the single-server table with only its name,
 * engine and deduplication setting changed. No ClickHouse cluster (servers + Keeper) runs on
 * the build machines, so ON CLUSTER execution itself is not tested here: see docs/scaling.md.
 */

const C = 'pnl_cluster';
const PATH = (t: string): string => `'/clickhouse/tables/{shard}/{database}/${t}_local', '{replica}'`;

describe('clusterStatements', () => {
  const cases: Array<{ name: string; sql: string; expected: string[] }> = [
    {
      name: 'puts CREATE DATABASE on the cluster',
      sql: 'CREATE DATABASE IF NOT EXISTS pnl',
      expected: [`CREATE DATABASE IF NOT EXISTS pnl ON CLUSTER '${C}'`],
    },
    {
      name: 'shards a customer table by customer and keeps every clause; the dedup window moves to Keeper',
      sql: [
        'CREATE TABLE IF NOT EXISTS pnl.calls',
        '(',
        "    start_time DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),",
        "    customer_id String COMMENT 'who; not ENGINE = Memory, not ORDER BY x',",
        '    cost Nullable(Decimal(38, 12))',
        ')',
        'ENGINE = MergeTree',
        'PARTITION BY toYYYYMM(start_time)',
        'ORDER BY (customer_id, toDate(start_time), start_time)',
        'TTL toDateTime(start_time) + INTERVAL 2 YEAR DELETE',
        'SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000',
      ].join('\n'),
      expected: [
        [
          `CREATE TABLE IF NOT EXISTS pnl.calls_local ON CLUSTER '${C}'`,
          '(',
          "    start_time DateTime64(6, 'UTC') CODEC(Delta, ZSTD(1)),",
          "    customer_id String COMMENT 'who; not ENGINE = Memory, not ORDER BY x',",
          '    cost Nullable(Decimal(38, 12))',
          ')',
          `ENGINE = ReplicatedMergeTree(${PATH('calls')})`,
          'PARTITION BY toYYYYMM(start_time)',
          'ORDER BY (customer_id, toDate(start_time), start_time)',
          'TTL toDateTime(start_time) + INTERVAL 2 YEAR DELETE',
          'SETTINGS ttl_only_drop_parts = 1, replicated_deduplication_window = 1000, replicated_deduplication_window_seconds = 604800',
        ].join('\n'),
        `CREATE TABLE IF NOT EXISTS pnl.calls ON CLUSTER '${C}' AS pnl.calls_local\nENGINE = Distributed('${C}', pnl, calls_local, cityHash64(customer_id))`,
      ],
    },
    {
      name: 'keeps engine parameters after the replication path (ReplacingMergeTree with version and is_deleted)',
      sql: 'CREATE TABLE IF NOT EXISTS pnl.invoices (source String, day Date, v DateTime, is_deleted UInt8) ENGINE = ReplacingMergeTree(v, is_deleted) ORDER BY (source, day)',
      expected: [
        `CREATE TABLE IF NOT EXISTS pnl.invoices_local ON CLUSTER '${C}'\n(source String, day Date, v DateTime, is_deleted UInt8) ENGINE = ReplicatedReplacingMergeTree(${PATH('invoices')}, v, is_deleted) ORDER BY (source, day)`,
        `CREATE TABLE IF NOT EXISTS pnl.invoices ON CLUSTER '${C}' AS pnl.invoices_local\nENGINE = Distributed('${C}', pnl, invoices_local, cityHash64(source, day))`,
      ],
    },
    {
      name: 'shards a one-column key by that column (a budget per customer, SummingMergeTree() with empty parentheses)',
      sql: 'CREATE TABLE pnl.budgets (customer_id String, n UInt64) ENGINE = SummingMergeTree() ORDER BY customer_id',
      expected: [
        `CREATE TABLE pnl.budgets_local ON CLUSTER '${C}'\n(customer_id String, n UInt64) ENGINE = ReplicatedSummingMergeTree(${PATH('budgets')}) ORDER BY customer_id`,
        `CREATE TABLE pnl.budgets ON CLUSTER '${C}' AS pnl.budgets_local\nENGINE = Distributed('${C}', pnl, budgets_local, cityHash64(customer_id))`,
      ],
    },
    {
      name: 'spreads a MergeTree without a sorting key at random',
      sql: 'CREATE TABLE pnl.events (at DateTime) ENGINE = MergeTree ORDER BY tuple()',
      expected: [
        `CREATE TABLE pnl.events_local ON CLUSTER '${C}'\n(at DateTime) ENGINE = ReplicatedMergeTree(${PATH('events')}) ORDER BY tuple()`,
        `CREATE TABLE pnl.events ON CLUSTER '${C}' AS pnl.events_local\nENGINE = Distributed('${C}', pnl, events_local, rand())`,
      ],
    },
    {
      name: 'adds a column to the shards first, then to the Distributed table',
      sql: "ALTER TABLE pnl.llm_calls ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) COMMENT 'tier, e.g. batch, flex'",
      expected: [
        `ALTER TABLE pnl.llm_calls_local ON CLUSTER '${C}'\nADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) COMMENT 'tier, e.g. batch, flex'`,
        `ALTER TABLE pnl.llm_calls ON CLUSTER '${C}'\nADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) COMMENT 'tier, e.g. batch, flex'`,
      ],
    },
    {
      name: 'drops a column from the Distributed table first, then from the shards',
      sql: 'ALTER TABLE pnl.llm_calls DROP COLUMN IF EXISTS old',
      expected: [`ALTER TABLE pnl.llm_calls ON CLUSTER '${C}'\nDROP COLUMN IF EXISTS old`, `ALTER TABLE pnl.llm_calls_local ON CLUSTER '${C}'\nDROP COLUMN IF EXISTS old`],
    },
    {
      name: 'changes TTL, indexes and settings on the shards only (a Distributed table has none)',
      sql: 'ALTER TABLE pnl.llm_calls MODIFY TTL toDateTime(start_time) + INTERVAL 3 YEAR',
      expected: [`ALTER TABLE pnl.llm_calls_local ON CLUSTER '${C}'\nMODIFY TTL toDateTime(start_time) + INTERVAL 3 YEAR`],
    },
    {
      name: 'gives the Distributed table only the column actions of a mixed ALTER',
      sql: "ALTER TABLE pnl.t ADD COLUMN a UInt8 DEFAULT toUInt8(1, 2), MODIFY SETTING ttl_only_drop_parts = 1, COMMENT COLUMN a 'x, y'",
      expected: [
        `ALTER TABLE pnl.t_local ON CLUSTER '${C}'\nADD COLUMN a UInt8 DEFAULT toUInt8(1, 2), MODIFY SETTING ttl_only_drop_parts = 1, COMMENT COLUMN a 'x, y'`,
        `ALTER TABLE pnl.t ON CLUSTER '${C}'\nADD COLUMN a UInt8 DEFAULT toUInt8(1, 2),\nCOMMENT COLUMN a 'x, y'`,
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(clusterStatements(c.sql, C)).toEqual(c.expected));
  }

  it('uses the {cluster} macro when given it', () => {
    const [local, distributed] = clusterStatements('CREATE TABLE pnl.t (customer_id String) ENGINE = MergeTree ORDER BY customer_id', '{cluster}');
    expect(local).toContain("pnl.t_local ON CLUSTER '{cluster}'");
    expect(distributed).toContain("ENGINE = Distributed('{cluster}', pnl, t_local, cityHash64(customer_id))");
  });

  const refused: Array<[string, string, RegExp]> = [
    ['a materialized view', 'CREATE MATERIALIZED VIEW pnl.v TO pnl.t AS SELECT 1', /only CREATE DATABASE, CREATE TABLE and ALTER TABLE/],
    ['an engine that does not replicate', 'CREATE TABLE pnl.m (a String) ENGINE = Memory', /engine Memory is not of the MergeTree family/],
    ['a statement already ON CLUSTER', "CREATE TABLE pnl.t ON CLUSTER 'x' (a String) ENGINE = MergeTree ORDER BY a", /already ON CLUSTER/],
    ['a table without its database', 'CREATE TABLE t (a String) ENGINE = MergeTree ORDER BY a', /the database must be named/],
    ['a table copied from another', 'CREATE TABLE pnl.t AS pnl.u', /expected a column list/],
    ['a collapsing engine without a sorting key', 'CREATE TABLE pnl.t (a String) ENGINE = ReplacingMergeTree ORDER BY tuple()', /rows that merge must meet on one shard/],
    ['unbalanced parentheses', 'CREATE TABLE pnl.t (a String ENGINE = MergeTree ORDER BY a', /unclosed/],
    ['an INSERT', "INSERT INTO pnl.t VALUES ('a')", /only CREATE DATABASE/],
  ];
  for (const [what, sql, reason] of refused) {
    it(`refuses ${what}, saying why`, () => {
      expect(() => clusterStatements(sql, C)).toThrow(ClusterMigrationError);
      expect(() => clusterStatements(sql, C)).toThrow(reason);
    });
  }

  it('refuses a cluster name that could break out of the SQL string', () => {
    expect(() => clusterStatements('CREATE DATABASE pnl', "x' OR 1")).toThrow(/cluster name/);
  });
});

describe('shardingKey', () => {
  it.each([
    ['MergeTree', ['customer_id', 'toDate(start_time)'], 'cityHash64(customer_id)'],
    ['ReplacingMergeTree', ['customer_id', 'period_start', 'period_end', 'source'], 'cityHash64(customer_id)'],
    ['ReplacingMergeTree', ['entry_id'], 'cityHash64(entry_id)'],
    ['MergeTree', ['at'], 'cityHash64(at)'],
    ['MergeTree', [], 'rand()'],
  ])('%s ordered by %j is sharded by %s', (engine, key, expected) => expect(shardingKey(engine, key)).toBe(expected));
});

/** ClickHouse's canonical text of a statement (the embedded engine's parser); throws on a syntax error. */
function format(sql: string): string {
  const out = queryBind('SELECT formatQuery({sql:String}) AS f', { sql }, 'JSONEachRow');
  return (JSON.parse(out) as { f: string }).f;
}

/** A per-shard table's canonical text turned back into its single-server form: what may differ. */
function unreplicated(formatted: string, table: string): string {
  return formatted
    .replace(`${table}_local ON CLUSTER ${C}`, table)
    .replace(/ENGINE = Replicated(\w+)\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/\w+_local', '\{replica\}'(?:, )?/, 'ENGINE = $1(')
    .replace(/replicated_deduplication_window = (\d+), replicated_deduplication_window_seconds = 604800/, 'non_replicated_deduplication_window = $1')
    .replace(/ENGINE = (\w+)\(\)/, 'ENGINE = $1');
}

describe('the cluster form of every migration in clickhouse/migrations', async () => {
  const migrations = await loadMigrations();
  const single = migrationPlan(migrations);
  const cluster = migrationPlan(migrations, C);
  const pairs = [
    ...single.bootstrap.map((s, i) => ({ name: `bootstrap ${i + 1}`, single: s })),
    ...single.migrations.flatMap((m) => m.statements.map((s, i) => ({ name: `${m.name} statement ${i + 1}`, single: s }))),
  ];

  it('exists for every statement (a new statement shape fails here first)', () => {
    expect(migrations.length).toBeGreaterThanOrEqual(8);
    expect(cluster.migrations.map((m) => [m.version, m.name, m.checksum])).toEqual(migrations.map((m) => [m.version, m.name, m.checksum]));
    expect(cluster.bootstrap.length).toBe(BOOTSTRAP_STATEMENTS.length * 2 - 1);
  });

  for (const p of pairs) {
    it(`${p.name}: parses, and each per-shard table equals the single-server table but for name, engine and dedup setting`, () => {
      const generated = clusterStatements(p.single, C);
      for (const g of generated) expect(() => format(g), g).not.toThrow();
      const create = /^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?\w+\.(\w+)/i.exec(p.single);
      if (create === null) return;
      const table = create[1]!;
      const [local, distributed] = generated as [string, string];
      expect(unreplicated(format(local), table)).toBe(format(p.single).replace(/ENGINE = (\w+)\(\)/, 'ENGINE = $1'));
      expect(format(distributed)).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS pnl\\.${table} ON CLUSTER ${C} AS pnl\\.${table}_local\\nENGINE = Distributed\\('${C}', pnl, ${table}_local, (cityHash64\\(.+\\)|rand\\(\\))\\)$`));
    });
  }

  it('shards the customer tables by customer and the others by their whole sorting key', () => {
    const keys = new Map<string, string>();
    for (const s of [...cluster.bootstrap, ...cluster.migrations.flatMap((m) => m.statements)]) {
      const m = /^CREATE TABLE IF NOT EXISTS pnl\.(\w+) ON CLUSTER '[^']+' AS pnl\.\w+_local\nENGINE = Distributed\('[^']+', pnl, \w+_local, (.+)\)$/.exec(s);
      if (m) keys.set(m[1]!, m[2]!);
    }
    const customer = 'cityHash64(customer_id)';
    expect(Object.fromEntries(['llm_calls', 'agent_runs', 'llm_costs_daily', 'revenue', 'budgets', 'outcomes'].map((t) => [t, keys.get(t)]))).toEqual({
      llm_calls: customer, agent_runs: customer, llm_costs_daily: customer, revenue: customer, budgets: customer, outcomes: customer,
    });
    expect(keys.get('price_book')).toBe('cityHash64(entry_id)');
    expect(keys.get('audit_log')).toBe('cityHash64(at)');
    expect(keys.get('schema_migrations')).toBe('cityHash64(version)');
  });

  it('prints as one script whose every statement parses (agentic-pnl migrations print --cluster)', () => {
    const script = renderMigrationScript(migrations, C);
    const statements = script.split(/;\n/).map((s) => s.replace(/^\s*--.*$/gm, '').trim()).filter((s) => s !== '');
    expect(statements.length).toBe(cluster.bootstrap.length + cluster.migrations.reduce((n, m) => n + m.statements.length + 1, 0));
    for (const s of statements) expect(() => format(s), s).not.toThrow();
    expect(script).toContain(`INSERT INTO pnl.schema_migrations (version, name, checksum) SETTINGS distributed_foreground_insert = 1 VALUES (1, '001_llm_calls', '${migrations[0]!.checksum}');`);
    expect(renderMigrationScript(migrations)).not.toMatch(/ON CLUSTER|Replicated|Distributed/);
  });
});
