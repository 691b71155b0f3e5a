import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { writeAllSync } from '../io/write-all-sync.js';
import type { ClickHouseTarget } from './open-clickhouse.js';
import { structureOf, type ColumnSpec } from './row-format.js';

/** Inserts a RowBinary payload, given as consecutive chunks, into a table. */
export interface RowBinaryInserter {
  insert(table: string, columns: readonly ColumnSpec[], payload: readonly Buffer[], settings: ClickHouseSettings): Promise<void>;
  close(): void;
}

/**
 * A server takes RowBinary as the body of `INSERT ... FORMAT RowBinary`. The embedded engine's
 * client connection passes insert bodies as text, so there the payload goes through a file in
 * memory-backed /dev/shm that the engine reads with file(): measured the cheapest insert path
 * of chdb (shared/reference/performance.md), and byte-exact.
 */
export async function createRowBinaryInserter(client: ClickHouseClient, target: ClickHouseTarget): Promise<RowBinaryInserter> {
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
  const dir = mkdtempSync(join(shmOrTmp(), 'agentic-pnl-insert-'));
  if (!/^[\w/.-]+$/.test(dir)) throw new Error(`temporary insert directory "${dir}" has characters that cannot be quoted safely; set TMPDIR to a plain path`);
  let seq = 0;
  // LowCardinality(String) is String on the wire. Read as String, the engine parses the file
  // about 3x faster (measured 1.5 vs 5 CPU-µs per llm_calls row) and builds the dictionaries
  // once while inserting, instead of once per parsed block.
  const fileStructure = (columns: readonly ColumnSpec[]): string => structureOf(columns).replace(/LowCardinality\((\w+)\)/g, '$1').replace(/'/g, "\\'");
  return {
    async insert(table, columns, payload, settings) {
      const file = join(dir, `${process.pid}-${seq++}.bin`);
      try {
        // The requests' buffers as they are: joining a batch's (tens of MB) first cost a copy
        // into a fresh allocation on the thread that answers requests.
        const fd = openSync(file, 'w');
        try {
          writeAllSync(fd, payload);
        } finally {
          closeSync(fd);
        }
        await client.command({
          query: `INSERT INTO ${table} (${columnList(columns)}) SELECT * FROM file('${file}', 'RowBinary', '${fileStructure(columns)}')`,
          clickhouse_settings: settings,
        });
      } finally {
        await unlink(file).catch(() => undefined);
      }
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
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
