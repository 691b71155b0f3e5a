import type { Migration } from './migrate.js';
import { maskSql, splitTopLevel } from './sql-mask.js';

/*
 * The cluster variant of the migrations, generated from the same files (docs/scaling.md):
 *
 *   CREATE TABLE pnl.x (...) ENGINE = SummingMergeTree ...
 *     -> CREATE TABLE pnl.x_local ON CLUSTER 'c' (...) ENGINE = ReplicatedSummingMergeTree(
 *            '/clickhouse/tables/{shard}/{database}/x_local', '{replica}') ...   (one per shard, replicated)
 *        CREATE TABLE pnl.x ON CLUSTER 'c' AS pnl.x_local
 *            ENGINE = Distributed('c', pnl, x_local, cityHash64(customer_id))   (what the code reads and writes)
 *   CREATE DATABASE pnl      -> CREATE DATABASE pnl ON CLUSTER 'c'
 *   ALTER TABLE pnl.x ...    -> ALTER TABLE pnl.x_local ON CLUSTER 'c' ...
 *                               + ALTER TABLE pnl.x ON CLUSTER 'c' <the column changes only>
 *
 * The code keeps using the plain names (pnl.llm_calls): on a cluster they are the Distributed
 * tables, so no query changes. Any other statement shape is refused with the reason, so a new
 * migration that needs a rule fails in the tests (which run every migration file through this)
 * rather than on a production cluster.
 */

/** The ClickHouse macro that names the cluster on each server (`<macros><cluster>`). */
export const CLUSTER_MACRO = '{cluster}';

const CLUSTER_NAME = /^(?:\{cluster\}|[A-Za-z_][\w.-]*)$/;
const MERGE_TREE_FAMILY = new Set([
  'MergeTree', 'ReplacingMergeTree', 'SummingMergeTree', 'AggregatingMergeTree', 'CollapsingMergeTree',
  'VersionedCollapsingMergeTree', 'CoalescingMergeTree', 'GraphiteMergeTree',
]);
/** Clauses that may follow the column list of CREATE TABLE; each ends where the next begins. */
const TABLE_CLAUSES = /\b(ENGINE(?=\s*=)|PARTITION\s+BY|PRIMARY\s+KEY|ORDER\s+BY|SAMPLE\s+BY|TTL|SETTINGS|COMMENT)\b/gi;
/** ALTER actions a Distributed table takes too (it has columns, but no parts, indexes or TTL). */
const DISTRIBUTED_ACTION = /^(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i;
/*
 * Keeper keeps block hashes for this long. Recent ClickHouse versions default to one hour;
 * the single-node tables deduplicate over their last N blocks with no time limit, and the
 * exporter may replay its spool after a longer outage, so the cluster keeps a week.
 */
const DEDUP_WINDOW_SECONDS = 7 * 24 * 3600;

/** A statement the generator has no cluster form for, with the reason. */
export class ClusterMigrationError extends Error {
  override readonly name = 'ClusterMigrationError';
  constructor(statement: string, reason: string) {
    super(`no cluster form for "${statement.replace(/\s+/g, ' ').trim().slice(0, 100)}": ${reason} (see exporter/src/store/cluster-migrations.ts)`);
  }
}

/** Checks a cluster name (as in `remote_servers`, or the `{cluster}` macro) before it is put into SQL. */
export function checkClusterName(cluster: string): string {
  if (!CLUSTER_NAME.test(cluster)) {
    throw new RangeError(`cluster name ${JSON.stringify(cluster)} must be letters, digits, "_", "-" or "." (starting with a letter or "_"), or the macro {cluster}`);
  }
  return cluster;
}

/** The migration with every statement in its cluster form; version, name and checksum unchanged. */
export function toClusterMigration(migration: Migration, cluster: string): Migration {
  return { ...migration, statements: migration.statements.flatMap((s) => clusterStatements(s, cluster)) };
}

/** The cluster form of one migration statement: one or two statements, all ON CLUSTER. */
export function clusterStatements(statement: string, cluster: string): string[] {
  checkClusterName(cluster);
  const sql = statement.trim().replace(/;\s*$/, '');
  let code: string;
  try {
    code = maskSql(sql);
  } catch (err) {
    throw new ClusterMigrationError(sql, (err as Error).message);
  }
  if (/\bON\s+CLUSTER\b/i.test(code)) throw new ClusterMigrationError(sql, 'it is already ON CLUSTER; migrations are written for one server');
  if (/^\s*CREATE\s+DATABASE\b/i.test(code)) return [createDatabase(sql, cluster)];
  if (/^\s*CREATE\s+TABLE\b/i.test(code)) return createTable(sql, cluster);
  if (/^\s*ALTER\s+TABLE\b/i.test(code)) return alterTable(sql, cluster);
  throw new ClusterMigrationError(sql, 'only CREATE DATABASE, CREATE TABLE and ALTER TABLE have a cluster rule');
}

/**
 * Which shard a row goes to. A customer's rows of every table land on the same shard
 * (`cityHash64(customer_id)` whenever customer_id is part of the sorting key), so a customer's
 * P&L is computed shard-locally and ReplacingMergeTree/SummingMergeTree rows that must merge
 * meet on one shard. Other tables hash their whole sorting key, for the same reason. A plain
 * MergeTree without a sorting key may go anywhere.
 */
export function shardingKey(engine: string, orderBy: readonly string[]): string {
  const keys = orderBy.filter((k) => !/^tuple\(\s*\)$/i.test(k));
  if (keys.some((k) => k === 'customer_id' || k === '`customer_id`')) return 'cityHash64(customer_id)';
  if (keys.length > 0) return `cityHash64(${keys.join(', ')})`;
  if (engine === 'MergeTree') return 'rand()';
  throw new Error(`a ${engine} needs a sorting key to shard by: rows that merge must meet on one shard`);
}

function createDatabase(sql: string, cluster: string): string {
  const m = /^\s*CREATE\s+DATABASE\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_]\w*)/i.exec(sql);
  if (m === null) throw new ClusterMigrationError(sql, 'expected CREATE DATABASE [IF NOT EXISTS] name');
  return `${sql.slice(0, m[0].length)} ON CLUSTER '${cluster}'${sql.slice(m[0].length)}`;
}

function createTable(sql: string, cluster: string): string[] {
  const head = /^\s*CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s*/i.exec(sql);
  if (head === null) throw new ClusterMigrationError(sql, 'expected CREATE TABLE [IF NOT EXISTS] database.table (the database must be named)');
  const [header, ifNotExists, db, table] = head as unknown as [string, string | undefined, string, string];
  if (sql[header.length] !== '(') throw new ClusterMigrationError(sql, 'expected a column list after the table name');
  const top = maskSql(sql, true);
  const clauses = [...top.slice(header.length).matchAll(TABLE_CLAUSES)].map((c) => ({ word: c[1]!.replace(/\s+/g, ' ').toUpperCase(), at: header.length + c.index }));
  const clause = (word: string): { at: number; body: string } | undefined => {
    const i = clauses.findIndex((c) => c.word.startsWith(word));
    if (i < 0) return undefined;
    const c = clauses[i]!;
    const end = clauses[i + 1]?.at ?? sql.length;
    return { at: c.at, body: sql.slice(c.at, end) };
  };

  const engineClause = clause('ENGINE');
  const engine = engineClause === undefined ? undefined : /^ENGINE\s*=\s*([A-Za-z]\w*)\s*(\(([\s\S]*)\))?\s*$/i.exec(engineClause.body);
  if (engineClause === undefined || engine === null || engine === undefined) throw new ClusterMigrationError(sql, 'expected ENGINE = <a MergeTree engine>');
  const engineName = engine[1]!;
  if (!MERGE_TREE_FAMILY.has(engineName)) {
    throw new ClusterMigrationError(sql, `engine ${engineName} is not of the MergeTree family, which is the only one that replicates`);
  }
  const orderBy = clause('ORDER BY');
  const key = orderBy === undefined ? [] : keyParts(orderBy.body.replace(/^ORDER\s+BY\s*/i, '').trim());
  let sharding: string;
  try {
    sharding = shardingKey(engineName, key);
  } catch (err) {
    throw new ClusterMigrationError(sql, (err as Error).message);
  }

  const params = engine[3]?.trim();
  const replicated = `Replicated${engineName}('/clickhouse/tables/{shard}/{database}/${table}_local', '{replica}'${params ? `, ${params}` : ''})`;
  const edits: Array<{ at: number; end: number; text: string }> = [
    { at: 0, end: header.length, text: `${header.trimEnd()}_local ON CLUSTER '${cluster}'\n` },
    { at: engineClause.at, end: engineClause.at + engineClause.body.trimEnd().length, text: `ENGINE = ${replicated}` },
  ];
  const settings = clause('SETTINGS');
  if (settings !== undefined) {
    const text = replicatedSettings(settings.body.trimEnd());
    if (text !== settings.body.trimEnd()) edits.push({ at: settings.at, end: settings.at + settings.body.trimEnd().length, text });
  }
  let local = sql;
  for (const e of edits.sort((a, b) => b.at - a.at)) local = local.slice(0, e.at) + e.text + local.slice(e.end);

  const distributed =
    `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${db}.${table} ON CLUSTER '${cluster}' AS ${db}.${table}_local\n` +
    `ENGINE = Distributed('${cluster}', ${db}, ${table}_local, ${sharding})`;
  return [local, distributed];
}

function alterTable(sql: string, cluster: string): string[] {
  const head = /^\s*ALTER\s+TABLE\s+(IF\s+EXISTS\s+)?([A-Za-z_]\w*)\.([A-Za-z_]\w*)\s+/i.exec(sql);
  if (head === null) throw new ClusterMigrationError(sql, 'expected ALTER TABLE [IF EXISTS] database.table <actions> (the database must be named)');
  const [, ifExistsWords, db, table] = head as unknown as [string, string | undefined, string, string];
  const ifExists = ifExistsWords ? 'IF EXISTS ' : '';
  const rest = sql.slice(head[0].length);
  const actions = splitTopLevel(rest);
  const local = `ALTER TABLE ${ifExists}${db}.${table}_local ON CLUSTER '${cluster}'\n${rest}`;
  const forDistributed = actions.filter((a) => DISTRIBUTED_ACTION.test(a));
  if (forDistributed.length === 0) return [local];
  const distributed = `ALTER TABLE ${ifExists}${db}.${table} ON CLUSTER '${cluster}'\n${forDistributed.join(',\n')}`;
  // A column is added to the shards before the Distributed table names it, and removed from the
  // Distributed table before the shards lose it: reads never ask a shard for a missing column.
  return forDistributed.every((a) => /^DROP\s+COLUMN\b/i.test(a)) ? [distributed, local] : [local, distributed];
}

/** The expressions of a sorting key: `(a, toDate(b))` -> ['a', 'toDate(b)']; `a` -> ['a']. */
function keyParts(expression: string): string[] {
  const top = maskSql(expression, true);
  const wrapped = top.startsWith('(') && top.trimEnd().endsWith(')') && top.indexOf(')') === top.trimEnd().length - 1;
  return wrapped ? splitTopLevel(expression.trim().slice(1, -1)) : [expression.trim()];
}

/** `non_replicated_deduplication_window = N` means the same on a Replicated table under another name. */
function replicatedSettings(clause: string): string {
  return clause.replace(/\bnon_replicated_deduplication_window\s*=\s*(\d+)/i, (_, n: string) =>
    /\breplicated_deduplication_window_seconds\b/i.test(clause)
      ? `replicated_deduplication_window = ${n}`
      : `replicated_deduplication_window = ${n}, replicated_deduplication_window_seconds = ${DEDUP_WINDOW_SECONDS}`,
  );
}
