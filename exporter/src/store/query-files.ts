import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The read queries shipped at the repository top level (`clickhouse/queries/*.sql`). */
export const QUERIES_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../clickhouse/queries');

const cache = new Map<string, string>();

/** The text of `clickhouse/queries/<name>.sql`, read once. Parameters are bound by the caller, never spliced. */
export function query(name: string): string {
  let sql = cache.get(name);
  if (sql === undefined) {
    sql = readFileSync(join(QUERIES_DIR, `${name}.sql`), 'utf8').replace(/^\s*--.*$/gm, '').trim();
    cache.set(name, sql);
  }
  return sql;
}
