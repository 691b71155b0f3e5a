import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { intoOutfile, sqlPath } from './outfile.js';
import type { PnlStore } from './pnl-store.js';

/*
 * A logical backup of the `pnl` database: each table's rows in ClickHouse's Native format (typed,
 * exact: decimals, maps and dates come back as they were; collapsing tables read FINAL, see
 * rowsOf), with a manifest of row counts. It works
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

/** The backup directory could not be written (no room, no access): not ClickHouse's doing. */
export class BackupWriteError extends Error {
  override readonly name = 'BackupWriteError';
}

/** Runs a file operation of the backup, its failure a BackupWriteError. */
async function writing<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw new BackupWriteError((err as Error).message, { cause: err });
  }
}

/** A table a backup holds, and whether its rows are read FINAL (see `rowsOf`). */
interface DataTable {
  table: string;
  final: boolean;
}

/**
 * The tables a backup holds: every MergeTree table of `pnl` but the migrations record and
 * reprice's scratch tables.
 * @throws BackupError on a cluster, where these are per-shard tables behind Distributed ones.
 */
async function dataTables(store: PnlStore): Promise<DataTable[]> {
  const rows = await store.select<{ name: string; engine: string }>(
    `SELECT name, engine FROM system.tables WHERE database = 'pnl' AND name != 'schema_migrations' AND name NOT LIKE '%reprice%' ORDER BY name`,
  );
  if (rows.some((r) => r.engine === 'Distributed')) {
    throw new BackupError('the pnl tables are Distributed (a ClickHouse cluster, docs/scaling.md): a backup from one node would hold one shard. Use ClickHouse\'s own BACKUP DATABASE pnl ON CLUSTER ... TO S3/Disk instead.');
  }
  // Replicated and Shared (ClickHouse Cloud) variants collapse the same way.
  return rows.filter((r) => r.engine.endsWith('MergeTree')).map((r) => ({ table: r.name, final: /(Replacing|Summing)MergeTree$/.test(r.engine) }));
}

/*
 * A ReplacingMergeTree or SummingMergeTree holds several rows per key until a background merge
 * collapses them, so its count() changes with merges and with the restore's own inserts. Those
 * tables are backed up FINAL: one row per key, as a merge would leave them (the sums and the
 * latest versions readers use; a column neither summed nor versioned, like llm_costs_daily's
 * customer_tier, keeps one row's value, as in a merge), and a count that no merge changes, so
 * the restore can check it.
 */
function rowsOf(t: DataTable): string {
  return `SELECT * FROM pnl.${t.table}${t.final ? ' FINAL' : ''}`;
}

async function rowCount(store: PnlStore, t: DataTable): Promise<number> {
  const [r] = await store.select<{ n: string }>(`SELECT toString(count()) AS n FROM (${rowsOf(t)})`);
  return Number(r?.n ?? 0);
}

/** Rows in a Native file, read by the embedded engine. An empty table makes an empty file, with no header to read. */
async function fileRowCount(store: PnlStore, path: string): Promise<number> {
  if ((await stat(path)).size === 0) return 0;
  const [r] = await store.select<{ n: string }>(`SELECT toString(count()) AS n FROM file(${sqlPath(path)}, 'Native')`);
  return Number(r?.n ?? 0);
}

/**
 * A server's rows streamed to the file, and how many: counted before and after (inserts are
 * paused, but an API write may land meanwhile, and then the table is read again).
 */
async function streamToFile(store: PnlStore, t: DataTable, path: string): Promise<number> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = await rowCount(store, t);
    const result = await store.client.exec({ query: `${rowsOf(t)} FORMAT Native` });
    const file = await writing(() => openForWriting(path));
    await pipeline(result.stream, file);
    if ((await rowCount(store, t)) === before) return before;
  }
  throw new BackupError(`pnl.${t.table} kept changing while it was read (writes through the API?); try the backup again`);
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
  const toBackUp = await dataTables(store);
  await writing(() => mkdir(dir, { recursive: true }));
  const progress = options.onProgress ?? (() => undefined);
  const tables: BackupManifest['tables'] = [];
  for (const t of toBackUp) {
    const { table } = t;
    const file = `${table}.native`;
    const path = join(dir, file);
    let rows: number;
    if (store.target.kind === 'embedded') {
      await store.client.command({ query: intoOutfile(rowsOf(t), path, 'Native') });
      rows = await fileRowCount(store, path);
    } else {
      rows = await streamToFile(store, t, path);
    }
    const columns = (await store.select<{ name: string }>(`DESCRIBE TABLE (SELECT * FROM pnl.${table})`)).map((c) => c.name);
    tables.push({ table, rows, file, columns });
    progress(`${table}: ${rows} rows`);
  }
  const salt = options.dataDir === undefined ? undefined : join(options.dataDir, SALT_FILE);
  const hashSalt = salt !== undefined && existsSync(salt);
  if (hashSalt) await writing(() => copyFile(salt, join(dir, SALT_FILE)));
  const manifest: BackupManifest = { format: FORMAT, created_at: new Date().toISOString(), schema_version: await schemaVersion(store), tables, hash_salt: hashSalt };
  await writing(() => writeFile(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`));
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
  const known = new Map((await dataTables(store)).map((t) => [t.table, t]));
  const missing = manifest.tables.filter((t) => !known.has(t.table)).map((t) => t.table);
  if (missing.length > 0) throw new BackupError(`the backup holds table(s) this database does not have: ${missing.join(', ')}`);
  const notEmpty: string[] = [];
  for (const t of manifest.tables) if ((await rowCount(store, known.get(t.table)!)) > 0) notEmpty.push(t.table);
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
    if (t.rows === 0) continue; // an empty file, and an empty table already
    const path = join(dir, t.file);
    // By name, so a column a later migration added takes its default. Rows as they are: two equal
    // blocks are rows to keep (no deduplication), and none merged on the way in (settings in the
    // SQL, since the embedded session keeps SETs).
    const columns = t.columns.map((c) => `\`${c.replace(/`/g, '``')}\``).join(', ');
    // Rows past the retention are deleted by TTL merges, as in the service, but not before they are counted.
    const ttl = await ttlMerges(store, t.table, 'STOP');
    try {
      if (store.target.kind === 'embedded') {
        await store.client.command({ query: `INSERT INTO pnl.${t.table} (${columns}) SETTINGS insert_deduplicate = 0, optimize_on_insert = 0 SELECT ${columns} FROM file(${sqlPath(path)}, 'Native')` });
      } else {
        const result = await store.client.exec({ query: `INSERT INTO pnl.${t.table} (${columns}) FORMAT Native`, values: createReadStream(path), clickhouse_settings: { insert_deduplicate: 0, optimize_on_insert: 0 } });
        result.stream.destroy();
      }
      const rows = await rowCount(store, known.get(t.table)!);
      if (rows !== t.rows) throw new BackupError(`pnl.${t.table} holds ${rows} rows after the restore, the backup ${t.rows}: the file ${path} is damaged or incomplete`);
      progress(`${t.table}: ${rows} rows`);
    } finally {
      if (ttl) await ttlMerges(store, t.table, 'START');
    }
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

/**
 * When the newest finished backup under `root` (one directory per backup) was taken, in ms since
 * the epoch; undefined when there is none. Read at start, so the freshness gauge survives restarts.
 */
export async function newestBackupMs(root: string): Promise<number | undefined> {
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return undefined;
  }
  let newest: number | undefined;
  for (const name of names) {
    try {
      const created = Date.parse((JSON.parse(await readFile(join(root, name, MANIFEST), 'utf8')) as BackupManifest).created_at);
      if (Number.isFinite(created) && (newest === undefined || created > newest)) newest = created;
    } catch {
      // not a finished backup
    }
  }
  return newest;
}

/** Stops or starts a table's TTL merges; false where the user may not (a server without the SYSTEM grant). */
async function ttlMerges(store: PnlStore, table: string, what: 'STOP' | 'START'): Promise<boolean> {
  try {
    await store.client.command({ query: `SYSTEM ${what} TTL MERGES pnl.${table}` });
    return true;
  } catch {
    return false;
  }
}

/** When the audit log last recorded a backup, in ms since the epoch; undefined when never. */
export async function lastAuditedBackupMs(store: PnlStore): Promise<number | undefined> {
  const [r] = await store.select<{ ms: string }>("SELECT toString(toUnixTimestamp64Milli(max(at))) AS ms FROM pnl.audit_log WHERE action = 'backup' HAVING count() > 0");
  return r === undefined ? undefined : Number(r.ms);
}

/** A write stream, resolved once the file is open (so a directory it cannot write fails here, as a write error). */
function openForWriting(path: string): Promise<NodeJS.WritableStream> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(path);
    out.once('open', () => resolve(out));
    out.once('error', reject);
  });
}
