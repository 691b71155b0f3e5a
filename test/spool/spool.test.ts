import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../exporter/src/log/logger.js';
import { BatchWriter, batchToken, type BatchSink } from '../../exporter/src/pipeline/batch-writer.js';
import { BufferFullError } from '../../exporter/src/pipeline/buffer-full-error.js';
import type { Rows } from '../../exporter/src/pipeline/rows.js';
import { readSegment } from '../../exporter/src/spool/segment-file.js';
import { Spool } from '../../exporter/src/spool/spool.js';
import { SpoolError } from '../../exporter/src/spool/spool-error.js';
import { tempDir } from '../helpers/temp-dir.js';

const logger = createLogger('silent');
const dirs: Array<{ remove: () => void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));
function dir(): string {
  const d = tempDir('pnl-spool-');
  dirs.push(d);
  return d.path;
}

/** Rows of `n` outcomes (the smallest row kind), ids numbered from `from`. */
function rows(from: number, n: number): Rows {
  const outcomes = Array.from({ length: n }, (_, i) => ({
    traceId: 'a'.repeat(32),
    spanId: (from + i).toString(16).padStart(16, '0'),
    runId: 'r',
    customerId: 'c',
    featureId: 'f',
    atUs: 1,
    name: 'resolved',
    value: from + i,
  }));
  return { calls: [], runs: [], outcomes };
}

const open = (path: string, maxBytes = 1 << 30) => Spool.open(path, { maxBytes, fsync: false, logger });

describe('spool segments', () => {
  it('reads back every record in order and drops a torn last record', () => {
    const path = dir();
    const { spool } = open(path);
    spool.append(rows(0, 3), 3);
    spool.append(rows(3, 2), 2);
    const seg = spool.seal()!;
    expect(seg.rows).toBe(5);
    const whole = statSync(seg.path).size;
    // A crash in the middle of the third append: a header promising more bytes than follow.
    const torn = Buffer.alloc(20);
    torn.writeUInt32LE(1000, 0);
    appendFileSync(seg.path, torn);
    const read = readSegment(seg.path);
    expect(read.rows.outcomes.map((o) => o.value)).toEqual([0, 1, 2, 3, 4]);
    expect(read.validBytes).toBe(whole);
    expect(read.tornBytes).toBe(20);
    spool.close();

    const reopened = open(path);
    expect(reopened.recovered.map((s) => s.rows)).toEqual([5]);
    expect(statSync(seg.path).size).toBe(whole); // truncated back to whole records
    reopened.spool.close();
  });

  it('stops at a record whose checksum does not match (damaged bytes are never replayed)', () => {
    const path = dir();
    const { spool } = open(path);
    spool.append(rows(0, 2), 2);
    spool.append(rows(2, 2), 2);
    const seg = spool.seal()!;
    spool.close();
    const data = readSegment(seg.path);
    expect(data.rowCount).toBe(4);
    const bytes = readFileSync(seg.path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3); // flip a byte in the second record's payload
    writeFileSync(seg.path, bytes);
    expect(readSegment(seg.path).rows.outcomes.map((o) => o.value)).toEqual([0, 1]);
  });

  it('replays segments in acceptance order and continues numbering after them', () => {
    const path = dir();
    const first = open(path).spool;
    first.append(rows(0, 1), 1);
    first.seal();
    first.append(rows(1, 1), 1);
    first.seal();
    first.append(rows(2, 1), 1); // still open at "crash": replayed too
    first.close();
    const { spool, recovered } = open(path);
    expect(recovered.map((s) => spool.read(s).outcomes[0]!.value)).toEqual([0, 1, 2]);
    spool.append(rows(3, 1), 1);
    const next = spool.seal()!;
    expect(next.id).toBe(recovered[2]!.id + 1);
    spool.close();
  });

  it('refuses a directory another live process holds, and takes over a dead one', () => {
    const path = dir();
    writeFileSync(join(path, 'LOCK'), String(process.ppid));
    expect(() => open(path)).toThrow(SpoolError);
    expect(() => open(path)).toThrow(/in use by process/);
    writeFileSync(join(path, 'LOCK'), '999999999'); // no such process
    const { spool } = open(path);
    spool.close();
    expect(existsSync(join(path, 'LOCK'))).toBe(false);
  });
});

describe('BatchWriter over the spool', () => {
  /** A sink that fails while `down`, and records committed tokens and rows. */
  function sink(): BatchSink & { down: boolean; committed: Map<string, number>; attempts: number } {
    const s = {
      down: false,
      attempts: 0,
      committed: new Map<string, number>(),
      async insertBatch(r: Rows, token: string) {
        s.attempts++;
        if (s.down) throw new Error('ClickHouse is down');
        s.committed.set(token, r.outcomes.length);
      },
    };
    return s;
  }

  it('deletes a segment only once its batch committed, and keeps batches on disk beyond the memory limit', async () => {
    const path = dir();
    const { spool } = open(path);
    const target = sink();
    target.down = true;
    const writer = new BatchWriter(target, spool, { maxRows: 10, maxDelayMs: 10_000, maxMemoryRows: 10, logger });
    for (let i = 0; i < 5; i++) writer.add(rows(i * 10, 10)); // 5 batches of 10 rows; only 10 rows fit in memory
    expect(writer.queuedBatches).toBe(5);
    expect(readdirSync(path).filter((n) => n.endsWith('.wal'))).toHaveLength(5);
    await new Promise((r) => setTimeout(r, 300));
    expect(target.committed.size).toBe(0);
    target.down = false;
    await writer.flush();
    expect([...target.committed.values()].reduce((a, b) => a + b, 0)).toBe(50);
    expect(readdirSync(path).filter((n) => n.endsWith('.wal'))).toHaveLength(0);
    expect(spool.bytes).toBe(0);
    await writer.close();
  });

  it('answers "full" once the spool reaches its limit', () => {
    const path = dir();
    const { spool } = open(path, 2000);
    const target = sink();
    target.down = true;
    const writer = new BatchWriter(target, spool, { maxRows: 1000, maxDelayMs: 10_000, maxMemoryRows: 1000, logger });
    let accepted = 0;
    expect(() => {
      for (;;) {
        writer.assertRoom();
        writer.add(rows(accepted, 5));
        accepted += 5;
      }
    }).toThrow(BufferFullError);
    expect(accepted).toBeGreaterThan(0);
    expect(spool.bytes).toBeGreaterThanOrEqual(2000);
    spool.close();
  });

  it('gives a batch replayed after a crash the same dedup token as the original', async () => {
    const path = dir();
    const first = open(path).spool;
    const original = rows(0, 7);
    first.append(rows(0, 4), 4);
    first.append(rows(4, 3), 3);
    first.close(); // killed before the batch was sealed or written
    const { spool, recovered } = open(path);
    const target = sink();
    const writer = new BatchWriter(target, spool, { maxRows: 100, maxDelayMs: 10_000, maxMemoryRows: 100, logger }, recovered.map((segment) => ({ segment, rows: undefined })));
    await writer.flush();
    expect([...target.committed.keys()]).toEqual([batchToken(original)]);
    await writer.close();
  });

  it('stops at close after the grace period, leaving unwritten batches in the spool', async () => {
    const path = dir();
    const { spool } = open(path);
    const target = sink();
    target.down = true;
    const writer = new BatchWriter(target, spool, { maxRows: 5, maxDelayMs: 10_000, maxMemoryRows: 100, logger });
    writer.add(rows(0, 5));
    const started = Date.now();
    await writer.close(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(readdirSync(path).filter((n) => n.endsWith('.wal'))).toHaveLength(1);
    expect(open(path).recovered.map((s) => s.rows)).toEqual([5]);
  });
});
