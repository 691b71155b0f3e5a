import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serialize } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../exporter/src/log/logger.js';
import { BatchWriter, idleAfterMs, type BatchSink } from '../../exporter/src/pipeline/batch-writer.js';
import { BufferFullError } from '../../exporter/src/pipeline/buffer-full-error.js';
import { encodeRows, fromSpoolPayload, keysOf, toSpoolParts, toSpoolPayload } from '../../exporter/src/pipeline/encoded-rows.js';
import type { RowBatch } from '../../exporter/src/pipeline/row-batch.js';
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

/** A spool record of those rows, as the batch writer appends it. */
function record(from: number, n: number): Buffer {
  const r = rows(from, n);
  return toSpoolPayload(encodeRows(r, keysOf(r)));
}
const spanIds = (from: number, n: number) => keysOf(rows(from, n));

const open = (path: string, maxBytes = 1 << 30) => Spool.open(path, { maxBytes, fsync: false, logger });

describe('spool segments', () => {
  it('writes a payload given in parts exactly as the same payload in one piece, with the same CRC', () => {
    const r = rows(0, 4);
    // Empty sections as they arrive from an ingest worker: buffers over empty ArrayBuffers (the
    // first version of the parts path got their CRC wrong, and replays dropped every record).
    const empty = (): Buffer => Buffer.from(new ArrayBuffer(0));
    const e = { ...encodeRows(r, keysOf(r)), calls: empty(), runs: empty() };
    const { spool } = open(dir());
    const crcWhole = spool.append(toSpoolPayload(e), 4);
    const crcParts = spool.append(toSpoolParts(e), 4);
    expect(crcParts).toBe(crcWhole);
    const read = readSegment(spool.seal()!.path);
    expect(read.records).toHaveLength(2);
    const [a, b] = read.records;
    expect(b!.payload.equals(a!.payload)).toBe(true);
    expect(fromSpoolPayload(b!.payload).keys).toEqual(spanIds(0, 4));
  });

  it('reads back every record in order and drops a torn last record', () => {
    const path = dir();
    const { spool } = open(path);
    spool.append(record(0, 3), 3);
    spool.append(record(3, 2), 2);
    const seg = spool.seal()!;
    expect(seg.rows).toBe(5);
    const whole = statSync(seg.path).size;
    // A crash in the middle of the third append: a header promising more bytes than follow.
    const torn = Buffer.alloc(20);
    torn.writeUInt32LE(1000, 0);
    appendFileSync(seg.path, torn);
    const read = readSegment(seg.path);
    expect(read.records.flatMap((r) => fromSpoolPayload(r.payload).keys)).toEqual(spanIds(0, 5));
    expect(read.records.map((r) => fromSpoolPayload(r.payload).outcomeRows)).toEqual([3, 2]);
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
    spool.append(record(0, 2), 2);
    spool.append(record(2, 2), 2);
    const seg = spool.seal()!;
    spool.close();
    const data = readSegment(seg.path);
    expect(data.rowCount).toBe(4);
    const bytes = readFileSync(seg.path);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3); // flip a byte in the second record's payload
    writeFileSync(seg.path, bytes);
    expect(readSegment(seg.path).records.flatMap((r) => fromSpoolPayload(r.payload).keys)).toEqual(spanIds(0, 2));
  });

  it('skips a damaged record inside a sealed segment and keeps the acknowledged records after it, counting the loss', () => {
    const path = dir();
    const { spool } = open(path);
    for (let i = 0; i < 5; i++) spool.append(record(i * 10, 10), 10);
    const older = spool.seal()!;
    spool.append(record(50, 10), 10);
    spool.seal();
    spool.close();
    // One byte flipped in the second record's payload: a disk error, long after the answer.
    const bytes = readFileSync(older.path);
    const second = readSegment(older.path).records[1]!;
    const at = bytes.indexOf(second.payload) + 7;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(older.path, bytes);
    const size = bytes.length;
    const read = readSegment(older.path);
    expect(read.damaged).toEqual({ records: 1, rows: 10 });
    expect(read.records.flatMap((r) => fromSpoolPayload(r.payload).keys)).toEqual([...spanIds(0, 10), ...spanIds(20, 30)]);
    const errors: string[] = [];
    const reopened = Spool.open(path, { maxBytes: 1 << 30, fsync: false, logger: { ...logger, error: (msg: string) => errors.push(msg) } });
    expect(reopened.lostRows).toBe(10);
    expect(reopened.recovered.map((s) => s.rows)).toEqual([40, 10]);
    expect(statSync(older.path).size).toBe(size); // a sealed segment is never cut back
    expect(errors).toEqual(['spool: skipped damaged records of a segment (checksum failed); their rows are lost']);
    reopened.spool.close();
  });

  it('reads records spooled by the previous format (v8-serialized rows), so an upgrade loses nothing', () => {
    const back = fromSpoolPayload(serialize(rows(0, 3)));
    expect(back.keys).toEqual(spanIds(0, 3));
    expect(back.outcomes.equals(encodeRows(rows(0, 3), spanIds(0, 3)).outcomes)).toBe(true);
  });

  it('replays segments in acceptance order and continues numbering after them', () => {
    const path = dir();
    const first = open(path).spool;
    first.append(record(0, 1), 1);
    first.seal();
    first.append(record(1, 1), 1);
    first.seal();
    first.append(record(2, 1), 1); // still open at "crash": replayed too
    first.close();
    const { spool, recovered } = open(path);
    expect(recovered.map((s) => fromSpoolPayload(spool.read(s)[0]!.payload).keys[0])).toEqual([0, 1, 2].map((i) => spanIds(i, 1)[0]));
    spool.append(record(3, 1), 1);
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

function add(writer: BatchWriter, from: number, n: number): void {
  const r = rows(from, n);
  writer.addEncoded(encodeRows(r, keysOf(r)));
}

describe('BatchWriter over the spool', () => {
  /** A sink that fails while `down`, and records committed tokens and rows. */
  function sink(): BatchSink & { down: boolean; committed: Map<string, number>; attempts: number } {
    const s = {
      down: false,
      attempts: 0,
      committed: new Map<string, number>(),
      async insertBatch(r: RowBatch, token: string) {
        s.attempts++;
        if (s.down) throw new Error('ClickHouse is down');
        s.committed.set(token, r.outcomeRows);
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
    for (let i = 0; i < 5; i++) add(writer, i * 10, 10); // 5 batches of 10 rows; only 10 rows fit in memory
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
        add(writer, accepted, 5);
        accepted += 5;
      }
    }).toThrow(BufferFullError);
    expect(accepted).toBeGreaterThan(0);
    expect(spool.bytes).toBeGreaterThanOrEqual(2000);
    spool.close();
  });

  it('gives a batch replayed after a crash the same dedup token as the original', async () => {
    const path = dir();
    // What the first process would have inserted had it lived: the same two requests, one batch.
    const reference = sink();
    const live = new BatchWriter(reference, open(dir()).spool, { maxRows: 100, maxDelayMs: 10_000, maxMemoryRows: 100, logger });
    add(live, 0, 4);
    add(live, 4, 3);
    await live.close();

    const first = open(path).spool;
    first.append(record(0, 4), 4);
    first.append(record(4, 3), 3);
    first.close(); // killed before the batch was sealed or written
    const { spool, recovered } = open(path);
    const target = sink();
    const writer = new BatchWriter(target, spool, { maxRows: 100, maxDelayMs: 10_000, maxMemoryRows: 100, logger }, recovered.map((segment) => ({ segment, rows: undefined })));
    await writer.flush();
    expect([...reference.committed.keys()]).toHaveLength(1);
    expect([...target.committed.keys()]).toEqual([...reference.committed.keys()]);
    // A different batch gets a different token.
    const other = sink();
    const third = new BatchWriter(other, open(dir()).spool, { maxRows: 100, maxDelayMs: 10_000, maxMemoryRows: 100, logger });
    add(third, 0, 3);
    add(third, 3, 4);
    await third.close();
    expect([...other.committed.keys()][0]).not.toBe([...reference.committed.keys()][0]);
    await writer.close();
  });

  it('inserts the end of a burst once senders go quiet (at least 1,000 rows), and smaller remainders on the timer', async () => {
    const target = sink();
    const writer = new BatchWriter(target, open(dir()).spool, { maxRows: 50_000, maxDelayMs: 60_000, idleMs: 30, maxMemoryRows: 100_000, logger });
    add(writer, 0, 600);
    add(writer, 600, 400); // 1,000 pending: committed once no rows came for 30 ms, long before the 60 s timer
    for (let i = 0; i < 200 && target.committed.size === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect([...target.committed.values()]).toEqual([1000]);
    add(writer, 1000, 999); // below the minimum: waits for the timer (or close)
    await new Promise((r) => setTimeout(r, 300));
    expect([...target.committed.values()]).toEqual([1000]);
    await writer.close();
    expect([...target.committed.values()]).toEqual([1000, 999]);
  });

  describe('deciding that senders went quiet (fake clock)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });
    /** A writer whose only way to insert soon is its idle wait (the timer is a minute). */
    const writerWithIdle = (idleMs: number) => {
      const target = sink();
      return { target, writer: new BatchWriter(target, open(dir()).spool, { maxRows: 50_000, maxDelayMs: 60_000, idleMs, maxMemoryRows: 100_000, logger }) };
    };
    /** `count` requests of `size` rows, `gapMs` apart on the fake clock; ids numbered from `from`. */
    const send = async (writer: BatchWriter, from: number, count: number, size: number, gapMs: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        if (i > 0) await vi.advanceTimersByTimeAsync(gapMs);
        add(writer, from + i * size, size);
      }
    };

    it('commits a burst of requests a few ms apart within tens of ms of its last one, not after the whole idle wait', async () => {
      const { target, writer } = writerWithIdle(2000);
      await send(writer, 0, 40, 50, 5);
      await vi.advanceTimersByTimeAsync(39);
      expect(target.committed.size).toBe(0);
      // 8 mean gaps of 5 ms, plus what is left of the 2 s the writer assumed before any request came.
      await vi.advanceTimersByTimeAsync(60);
      expect([...target.committed.values()]).toEqual([2000]);
      await writer.close();
    });

    it('waits 8 mean gaps, never less than 20 ms (requests sent at once) nor more than the idle wait', () => {
      expect(idleAfterMs(5, 2000)).toBe(40);
      expect(idleAfterMs(0.1, 2000)).toBe(20);
      expect(idleAfterMs(100, 250)).toBe(250);
    });

    it('keeps the whole idle wait for a stream sending every 200 ms, so it is not inserted request by request', async () => {
      const { target, writer } = writerWithIdle(250);
      await send(writer, 0, 12, 500, 200);
      expect(target.committed.size).toBe(0);
      await vi.advanceTimersByTimeAsync(240);
      expect(target.committed.size).toBe(0);
      await vi.advanceTimersByTimeAsync(20);
      expect([...target.committed.values()]).toEqual([6000]);
      await writer.close();
    });

    it('goes by the mean gap, not the last one: requests that come in clumps are not cut at each pause', async () => {
      const { target, writer } = writerWithIdle(250);
      // Four senders flushing together every 60 ms: gaps of 1, 1, 1, 57 ms (mean 15, so 120 ms to go quiet).
      for (let clump = 0; clump < 10; clump++) {
        if (clump > 0) await vi.advanceTimersByTimeAsync(57);
        await send(writer, clump * 1000, 4, 250, 1);
      }
      expect(target.committed.size).toBe(0);
      await vi.advanceTimersByTimeAsync(250);
      expect([...target.committed.values()]).toEqual([10_000]);
      await writer.close();
    });

    it('after a pause, judges the next burst by its own pace (a long gap counts as the idle wait, not more)', async () => {
      const { target, writer } = writerWithIdle(250);
      await send(writer, 0, 30, 50, 2);
      await vi.advanceTimersByTimeAsync(60_000);
      expect([...target.committed.values()]).toEqual([1500]);
      await send(writer, 1500, 30, 50, 2);
      await vi.advanceTimersByTimeAsync(25);
      expect([...target.committed.values()]).toEqual([1500, 1500]);
      await writer.close();
    });
  });

  it('names the segment of a batch refused at every attempt, so the runbook can move it aside and the batches behind it are written', async () => {
    const path = dir();
    const lines: string[] = [];
    const warnings = createLogger('warn', (l) => lines.push(l));
    // The first batch is refused for its content (a poison batch); the others would go through.
    const target = { committed: [] as number[], async insertBatch(r: RowBatch) {
      if (r.outcomeRows === 3) throw new Error('Cannot parse input: expected a Date');
      target.committed.push(r.outcomeRows);
    } };
    const first = open(path);
    const writer = new BatchWriter(target, first.spool, { maxRows: 1, maxDelayMs: 10_000, maxMemoryRows: 100, logger: warnings });
    add(writer, 0, 3);
    add(writer, 10, 5);
    await new Promise((r) => setTimeout(r, 300));
    expect(target.committed).toEqual([]);
    await writer.close(50);
    const failed = lines.map((l) => JSON.parse(l) as { msg: string; segment?: string }).filter((l) => l.msg.startsWith('clickhouse insert failed'));
    expect(failed.length).toBeGreaterThan(0);
    const poison = failed[0]!.segment!;
    expect(readSegment(poison).rowCount).toBe(3);
    // The runbook's step: the exporter stopped, the segment moved out of the spool, started again.
    writeFileSync(join(dir(), 'kept-for-the-bug-report.wal'), readFileSync(poison));
    rmSync(poison);
    const second = open(path);
    const after = new BatchWriter(target, second.spool, { maxRows: 1, maxDelayMs: 10_000, maxMemoryRows: 100, logger: warnings }, second.recovered.map((segment) => ({ segment, rows: undefined })));
    await after.flush();
    expect(target.committed).toEqual([5]);
    await after.close();
  });

  it('holds inserts while paused (a backup), accepting rows meanwhile, and writes them after', async () => {
    const path = dir();
    const { spool } = open(path);
    const target = sink();
    const writer = new BatchWriter(target, spool, { maxRows: 1, maxDelayMs: 10_000, maxMemoryRows: 100, logger });
    let insertsDuringPause = -1;
    await writer.whilePaused(async () => {
      add(writer, 0, 3);
      add(writer, 10, 4);
      await new Promise((r) => setTimeout(r, 200));
      insertsDuringPause = target.attempts;
    });
    expect(insertsDuringPause).toBe(0);
    await writer.flush();
    expect([...target.committed.values()].sort()).toEqual([3, 4]);
    await expect(writer.whilePaused(() => writer.whilePaused(async () => 1))).rejects.toThrow(/already paused/);
    await writer.close();
  });

  it('stops at close after the grace period, leaving unwritten batches in the spool', async () => {
    const path = dir();
    const { spool } = open(path);
    const target = sink();
    target.down = true;
    const writer = new BatchWriter(target, spool, { maxRows: 5, maxDelayMs: 10_000, maxMemoryRows: 100, logger });
    add(writer, 0, 5);
    const started = Date.now();
    await writer.close(200);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(readdirSync(path).filter((n) => n.endsWith('.wal'))).toHaveLength(1);
    expect(open(path).recovered.map((s) => s.rows)).toEqual([5]);
  });
});
