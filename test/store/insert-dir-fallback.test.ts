import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRowBinaryInserter } from '../../exporter/src/store/insert-row-binary.js';
import { openClickHouse } from '../../exporter/src/store/open-clickhouse.js';
import { RowBinaryWriter } from '../../exporter/src/store/row-binary-writer.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * The embedded engine reads each insert from a file in /dev/shm, which containers keep small
 * (64 MB by default). A full /dev/shm is played by /dev/full: the insert directory's first file
 * name is a link to it, so writing that file fails with ENOSPC as on a full tmpfs.
 */

const data = tempDir('agentic-pnl-shm-fallback-');
let client: ClickHouseClient;

beforeAll(async () => {
  client = await openClickHouse({ kind: 'embedded', dataDir: join(data.path, 'ch') });
  await client.command({ query: 'CREATE TABLE default.t (n UInt32) ENGINE = MergeTree ORDER BY n' });
});
afterAll(async () => {
  await client.close();
  data.remove();
});

function rows(...values: number[]): Buffer[] {
  const w = new RowBinaryWriter(64);
  for (const v of values) w.uint32(v);
  return [Buffer.from(w.bytes())];
}

describe('insert files when /dev/shm is full', () => {
  it.runIf(existsSync('/dev/full'))('move to the temp dir once, say so, and the insert succeeds', async () => {
    const shm = join(data.path, 'full-shm');
    mkdirSync(shm);
    symlinkSync('/dev/full', join(shm, `${process.pid}-0.bin`));
    const fallbacks: Array<{ error: string; dir: string }> = [];
    const inserter = await createRowBinaryInserter(client, { kind: 'embedded', dataDir: join(data.path, 'ch') }, { insertDir: shm, onDiskFallback: (d) => fallbacks.push(d) });
    await inserter.insert('default.t', [['n', 'UInt32']], rows(1, 2, 3), {});
    await inserter.insert('default.t', [['n', 'UInt32']], rows(4), {});
    const rs = await client.query({ query: 'SELECT count() AS c, sum(n) AS s FROM default.t', format: 'JSONEachRow' });
    const [sums] = await rs.json<{ c: string | number; s: string | number }>();
    expect([Number(sums?.c), Number(sums?.s)]).toEqual([4, 10]);
    expect(fallbacks).toHaveLength(1);
    expect(fallbacks[0]!.error).toMatch(/ENOSPC/);
    expect(fallbacks[0]!.dir.startsWith(join(tmpdir(), 'agentic-pnl-insert-'))).toBe(true);
    // The failed file is gone from the full directory, and the next insert went straight to the temp dir.
    expect(readdirSync(shm)).toEqual([]);
    inserter.close();
    expect(existsSync(fallbacks[0]!.dir)).toBe(false);
  });
});
