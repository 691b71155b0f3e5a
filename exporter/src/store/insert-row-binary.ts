import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { writeAllSync } from '../io/write-all-sync.js';
import type { ClickHouseTarget } from './open-clickhouse.js';
import { sqlPath } from './outfile.js';
import { structureOf, type ColumnSpec } from './row-format.js';

/** Inserts a RowBinary payload, given as consecutive chunks, into a table. */
export interface RowBinaryInserter {
  insert(table: string, columns: readonly ColumnSpec[], payload: readonly Buffer[], settings: ClickHouseSettings): Promise<void>;
  close(): void;
}

export interface InserterOptions {
  /** Where the embedded engine's insert files go. Default: a new directory in /dev/shm, else in the temp dir. */
  insertDir?: string;
  /** Called once if that directory runs out of space and insert files move to one in the temp dir. */
  onDiskFallback?: (detail: { error: string; dir: string }) => void;
}

/**
 * A server takes RowBinary as the body of `INSERT ... FORMAT RowBinary`. The embedded engine's
 * client connection passes insert bodies as text, so there the payload goes through a file in
 * memory-backed /dev/shm that the engine reads with file(): measured the cheapest insert path
 * of chdb (shared/reference/performance.md), and byte-exact.
 *
 * /dev/shm is small in containers (64 MB by default in Docker and Kubernetes): a batch that does
 * not fit there would fail at every retry and the spool would fill. So on ENOSPC the files move
 * to the temp dir (on disk: slower, but with room) for the rest of the process.
 */
export async function createRowBinaryInserter(client: ClickHouseClient, target: ClickHouseTarget, options: InserterOptions = {}): Promise<RowBinaryInserter> {
  const columnList = (columns: readonly ColumnSpec[]): string => columns.map(([name]) => name).join(', ');
  if (target.kind === 'remote') {
    return {
      async insert(table, columns, payload, settings) {
        const result = await client.exec({
          query: `INSERT INTO ${table} (${columnList(columns)}) FORMAT RowBinary`,
          values: Readable.from(payload),
          clickhouse_settings: settings,
        });
        result.stream.destroy();
      },
      close: () => undefined,
    };
  }
  const base = options.insertDir === undefined ? shmOrTmp() : undefined;
  let dir = checkedDir(options.insertDir ?? mkdtempSync(join(base!, 'agentic-pnl-insert-')));
  const dirs = [dir];
  let onDisk = base === tmpdir();
  let seq = 0;
  /** Writes the payload to a new file in `dir` and returns its path; moves to the temp dir on ENOSPC (see above). */
  const writeFile = (payload: readonly Buffer[]): string => {
    const file = join(dir, `${process.pid}-${seq++}.bin`);
    try {
      writePayload(file, payload);
      return file;
    } catch (err) {
      rmSync(file, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (onDisk || (code !== 'ENOSPC' && code !== 'EDQUOT')) throw err;
      dir = checkedDir(mkdtempSync(join(tmpdir(), 'agentic-pnl-insert-')));
      dirs.push(dir);
      onDisk = true;
      options.onDiskFallback?.({ error: (err as Error).message, dir });
      return writeFile(payload);
    }
  };
  // LowCardinality(String) is String on the wire. Read as String, the engine parses the file
  // about 3x faster (measured 1.5 vs 5 CPU-µs per llm_calls row) and builds the dictionaries
  // once while inserting, instead of once per parsed block.
  const fileStructure = (columns: readonly ColumnSpec[]): string => structureOf(columns).replace(/LowCardinality\((\w+)\)/g, '$1').replace(/'/g, "\\'");
  return {
    async insert(table, columns, payload, settings) {
      const file = writeFile(payload);
      try {
        await client.command({
          query: `INSERT INTO ${table} (${columnList(columns)}) SELECT * FROM file(${sqlPath(file)}, 'RowBinary', '${fileStructure(columns)}')`,
          clickhouse_settings: settings,
        });
      } finally {
        await unlink(file).catch(() => undefined);
      }
    },
    close: () => {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The requests' buffers as they are: joining a batch's (tens of MB) first cost a copy into a fresh allocation on the thread that answers requests. */
function writePayload(file: string, payload: readonly Buffer[]): void {
  const fd = openSync(file, 'w');
  try {
    writeAllSync(fd, payload);
  } finally {
    closeSync(fd);
  }
}

/** The path goes into SQL as a quoted literal: only plain characters. */
function checkedDir(dir: string): string {
  if (!/^[\w/.-]+$/.test(dir)) throw new Error(`temporary insert directory "${dir}" has characters that cannot be quoted safely; set TMPDIR to a plain path`);
  return dir;
}

function shmOrTmp(): string {
  try {
    const probe = mkdtempSync('/dev/shm/agentic-pnl-probe-');
    rmSync(probe, { recursive: true, force: true });
    return '/dev/shm';
  } catch {
    return tmpdir();
  }
}
