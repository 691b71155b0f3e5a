import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import { clusterStatements, toClusterMigration } from './cluster-migrations.js';
import { StoreError } from './store-error.js';

/** The migrations folder shipped at the repository top level (`clickhouse/migrations`). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../clickhouse/migrations');

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

/** Reads `NNN_name.sql` files in order and splits them into statements (one per `;` at a line end). */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      const statements = sql
        .split(/;\s*$/m)
        .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
        .filter((s) => s.length > 0);
      return {
        version: Number.parseInt(file, 10),
        name: file.replace(/\.sql$/, ''),
        statements,
        checksum: createHash('sha256').update(sql).digest('hex').slice(0, 16),
      };
    }),
  );
}

/** Run before the migrations at every start: the database and the table that records them. */
export const BOOTSTRAP_STATEMENTS: readonly string[] = [
  'CREATE DATABASE IF NOT EXISTS pnl',
  `CREATE TABLE IF NOT EXISTS pnl.schema_migrations (version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY version`,
];

/**
 * The statements for one server or, given a cluster name, their ON CLUSTER form with
 * Replicated and Distributed tables (cluster-migrations.ts, docs/scaling.md).
 */
export function migrationPlan(migrations: readonly Migration[], cluster?: string): { bootstrap: string[]; migrations: Migration[] } {
  if (cluster === undefined) return { bootstrap: [...BOOTSTRAP_STATEMENTS], migrations: [...migrations] };
  return {
    bootstrap: BOOTSTRAP_STATEMENTS.flatMap((s) => clusterStatements(s, cluster)),
    migrations: migrations.map((m) => toClusterMigration(m, cluster)),
  };
}

/**
 * Applies the migrations not yet recorded in `pnl.schema_migrations`. Statements are written
 * with IF NOT EXISTS, so a start interrupted halfway simply applies the rest next time, and
 * several replicas starting at once do not conflict. With `cluster`, the cluster form is
 * applied (each statement ON CLUSTER waits until every server has run it). Returns the names
 * applied now.
 */
export async function migrate(client: ClickHouseClient, dir = MIGRATIONS_DIR, cluster?: string): Promise<string[]> {
  const run = async (query: string): Promise<void> => {
    try {
      await client.command({ query });
    } catch (err) {
      throw new StoreError(`migration statement "${query.slice(0, 80).replace(/\s+/g, ' ')}..."`, err);
    }
  };
  const plan = migrationPlan(await loadMigrations(dir), cluster);
  for (const statement of plan.bootstrap) await run(statement);
  const rs = await client.query({ query: 'SELECT version FROM pnl.schema_migrations', format: 'JSONEachRow' });
  const applied = new Set((await rs.json<{ version: number }>()).map((r) => Number(r.version)));
  const done: string[] = [];
  for (const m of plan.migrations) {
    if (applied.has(m.version)) continue;
    for (const statement of m.statements) await run(statement);
    await client.insert({
      table: 'pnl.schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    done.push(m.name);
  }
  return done;
}
