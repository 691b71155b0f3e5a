import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { intoOutfile, sqlPath } from './outfile.js';
import type { PnlStore } from './pnl-store.js';

/*
 * A logical backup of the `pnl` database: each table's rows in ClickHouse's Native format (typed,
 * exact: decimals, maps and dates come back as they were), with a manifest of row counts. It works
 * the same on the embedded engine (which writes each file itself, see outfile.ts) and on a server
 * (whose result is streamed to the file), and restores into either. schema_migrations is not
 * kept: a restore runs the migrations of the version restoring. The service pauses its inserts
 * while it backs up (BatchWriter.whilePaused), so the tables agree with each other: accepted spans
 * wait in the spool meanwhile.
 */

/** Format of manifest.json; a restore refuses others. */
const FORMAT = 1;
const MANIFEST = 'manifest.json';
/** The salt the service hashes end-user ids with: restored with the rows, so their hashes still match new ones. */
const SALT_FILE = 'hash-salt';

export interface BackupManifest {
  format: typeof FORMAT;
  created_at: string;
  /** Highest migration applied where the backup was taken. */
  schema_version: number;
  /** `columns`: the file's columns in order, as SELECT * gave them; restored by name into the same columns. */
  tables: Array<{ table: string; rows: number; file: string; columns: string[] }>;
  /** Whether the backup holds the data directory's salt file (embedded deployments without PNL_HASH_SALT). */
  hash_salt: boolean;
}

/** A backup or restore that cannot be done as asked; the message says why and what to do. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
}

/** The tables a backup holds: every MergeTree table of `pnl` but the migrations record and reprice's scratch tables. */
async function dataTables(store: PnlStore): Promise<string[]> {
  const rows = await store.select<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = 'pnl' AND engine LIKE '%MergeTree'
       AND name != 'schema_migrations' AND name NOT LIKE '%reprice%' ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

async function rowCount(store: PnlStore, table: string): Promise<number> {
  const [r] = await store.select<{ n: string }>(`SELECT toString(count()) AS n FROM pnl.${table}`);
  return Number(r?.n ?? 0);
}

async function schemaVersion(store: PnlStore): Promise<number> {
  const [r] = await store.select<{ v: number }>('SELECT max(version) AS v FROM pnl.schema_migrations');
  return Number(r?.v ?? 0);
}

/**
 * Writes every data table of `pnl` into the new directory `dir` (which must not exist), then the
 * manifest last, so a directory without one is an unfinished backup. `dataDir`, when given, is the
 * embedded data directory whose salt file is copied too.
 */
export async function backupTables(store: PnlStore, dir: string, options: { dataDir?: string; onProgress?: (message: string) => void } = {}): Promise<BackupManifest> {
  if (existsSync(dir)) throw new BackupError(`${dir} already exists; a backup goes into a new directory`);
  await mkdir(dir, { recursive: true });
  const progress = options.onProgress ?? (() => undefined);
  const tables: BackupManifest['tables'] = [];
  for (const table of await dataTables(store)) {
    const file = `${table}.native`;
    const path = join(dir, file);
    if (store.target.kind === 'embedded') {
      await store.client.command({ query: intoOutfile(`SELECT * FROM pnl.${table}`, path, 'Native') });
    } else {
      const result = await store.client.exec({ query: `SELECT * FROM pnl.${table} FORMAT Native` });
      await pipeline(result.stream, createWriteStream(path));
    }
    const rows = await rowCount(store, table);
    const columns = (await store.select<{ name: string }>(`DESCRIBE TABLE (SELECT * FROM pnl.${table})`)).map((c) => c.name);
    tables.push({ table, rows, file, columns });
    progress(`${table}: ${rows} rows`);
  }
  const salt = options.dataDir === undefined ? undefined : join(options.dataDir, SALT_FILE);
  const hashSalt = salt !== undefined && existsSync(salt);
  if (hashSalt) await copyFile(salt, join(dir, SALT_FILE));
  const manifest: BackupManifest = { format: FORMAT, created_at: new Date().toISOString(), schema_version: await schemaVersion(store), tables, hash_salt: hashSalt };
  await writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Loads a backup into a store whose tables are empty (a new data directory, or a new server
 * database after the service's migrations ran), then checks every table's row count against the
 * manifest. Copies the salt file into `dataDir` when the backup has one.
 * @throws BackupError when the directory is not a finished backup, the store already holds rows,
 *   the backup comes from a newer schema, or a count does not match.
 */
export async function restoreTables(store: PnlStore, dir: string, options: { dataDir?: string; onProgress?: (message: string) => void } = {}): Promise<BackupManifest> {
  const manifest = await readManifest(dir);
  const progress = options.onProgress ?? (() => undefined);
  const here = await schemaVersion(store);
  if (manifest.schema_version > here) {
    throw new BackupError(`the backup in ${dir} comes from schema version ${manifest.schema_version}, newer than this version's ${here}: restore it with the agentic-pnl version that took it, or a later one`);
  }
  const known = new Set(await dataTables(store));
  const missing = manifest.tables.filter((t) => !known.has(t.table)).map((t) => t.table);
  if (missing.length > 0) throw new BackupError(`the backup holds table(s) this database does not have: ${missing.join(', ')}`);
  const notEmpty: string[] = [];
  for (const t of manifest.tables) if ((await rowCount(store, t.table)) > 0) notEmpty.push(t.table);
  if (notEmpty.length > 0) {
    throw new BackupError(`pnl.${notEmpty.join(', pnl.')} already hold rows, and a restore adds rows: restore into an empty data directory (a new PNL_DATA_DIR) or a new database. Nothing was restored.`);
  }
  const salt = options.dataDir === undefined ? undefined : join(options.dataDir, SALT_FILE);
  if (manifest.hash_salt && salt !== undefined) {
    const theirs = (await readFile(join(dir, SALT_FILE), 'utf8')).trim();
    if (existsSync(salt) && (await readFile(salt, 'utf8')).trim() !== theirs) {
      throw new BackupError(`${salt} holds another salt than the backup's: end-user ids would hash differently from the restored ones. Remove it (a data directory that never ran the service has none), or restore elsewhere. Nothing was restored.`);
    }
  }
  for (const t of manifest.tables) {
    const path = join(dir, t.file);
    // By name, so a column a later migration added takes its default. Deduplication off: two equal
    // blocks of a table are rows to keep (settings in the SQL, since the embedded session keeps SETs).
    const columns = t.columns.map((c) => `\`${c.replace(/`/g, '``')}\``).join(', ');
    if (store.target.kind === 'embedded') {
      await store.client.command({ query: `INSERT INTO pnl.${t.table} (${columns}) SETTINGS insert_deduplicate = 0 SELECT ${columns} FROM file(${sqlPath(path)}, 'Native')` });
    } else {
      const result = await store.client.exec({ query: `INSERT INTO pnl.${t.table} (${columns}) FORMAT Native`, values: createReadStream(path), clickhouse_settings: { insert_deduplicate: 0 } });
      result.stream.destroy();
    }
    const rows = await rowCount(store, t.table);
    if (rows !== t.rows) throw new BackupError(`pnl.${t.table} holds ${rows} rows after the restore, the backup ${t.rows}: the file ${path} is damaged or incomplete`);
    progress(`${t.table}: ${rows} rows`);
  }
  if (manifest.hash_salt && salt !== undefined && !existsSync(salt)) {
    await mkdir(options.dataDir!, { recursive: true });
    await copyFile(join(dir, SALT_FILE), salt);
  }
  return manifest;
}

async function readManifest(dir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch {
    throw new BackupError(`${dir} has no ${MANIFEST}: it is not a backup, or one that did not finish`);
  }
  const manifest = JSON.parse(text) as BackupManifest;
  if (manifest.format !== FORMAT) throw new BackupError(`${join(dir, MANIFEST)} is format ${String(manifest.format)}; this version reads format ${FORMAT}`);
  return manifest;
}
