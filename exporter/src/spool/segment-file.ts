import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import type { Rows } from '../pipeline/rows.js';

/*
 * One spool segment: the rows of one ClickHouse batch, as a sequence of records appended one
 * accepted request at a time. A record is
 *
 *   u32 payload length | u32 row count | u32 CRC-32 of payload | payload (v8.serialize(Rows))
 *
 * little-endian. A process killed in the middle of an append leaves a torn last record; its
 * length or checksum does not match, and readers stop there. That record's request was never
 * answered (the append comes before the 200), so dropping it loses nothing the sender was told
 * was stored.
 */

const HEADER_BYTES = 12;

/** A segment open for appending. */
export class SegmentWriter {
  private fd: number;
  private bytesWritten = 0;
  private rowsWritten = 0;

  constructor(
    /** The segment's number: its place in acceptance order. */
    readonly id: number,
    readonly path: string,
    private readonly fsync: boolean,
  ) {
    this.fd = openSync(path, 'a');
  }

  get bytes(): number {
    return this.bytesWritten;
  }

  get rows(): number {
    return this.rowsWritten;
  }

  /** Appends one record synchronously; when it returns, the rows survive a crash of this process. */
  append(rows: Rows, rowCount: number): number {
    const payload = serialize(rows);
    const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    record.writeUInt32LE(payload.length, 0);
    record.writeUInt32LE(rowCount, 4);
    record.writeUInt32LE(crc32(payload), 8);
    payload.copy(record, HEADER_BYTES);
    try {
      // A file write may be partial; finish it, or undo the partial record so appends stay aligned.
      for (let written = 0; written < record.length; ) written += writeSync(this.fd, record, written);
    } catch (err) {
      ftruncateSync(this.fd, this.bytesWritten);
      throw err;
    }
    if (this.fsync) fdatasyncSync(this.fd);
    this.bytesWritten += record.length;
    this.rowsWritten += rowCount;
    return record.length;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** What reading a segment found. */
export interface SegmentContents {
  rows: Rows;
  rowCount: number;
  /** Bytes of whole, valid records. */
  validBytes: number;
  /** Bytes after the last valid record (a torn append), 0 normally. */
  tornBytes: number;
}

/** Reads every valid record of a segment, concatenating their rows in order. */
export function readSegment(path: string): SegmentContents {
  const data = readFileSync(path);
  const rows: Rows = { calls: [], runs: [], outcomes: [] };
  let offset = 0;
  let rowCount = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const length = data.readUInt32LE(offset);
    const count = data.readUInt32LE(offset + 4);
    const checksum = data.readUInt32LE(offset + 8);
    const end = offset + HEADER_BYTES + length;
    if (end > data.length) break;
    const payload = data.subarray(offset + HEADER_BYTES, end);
    if (crc32(payload) !== checksum) break;
    const part = deserialize(payload) as Rows;
    for (const c of part.calls) rows.calls.push(c);
    for (const r of part.runs) rows.runs.push(r);
    for (const o of part.outcomes) rows.outcomes.push(o);
    rowCount += count;
    offset = end;
  }
  return { rows, rowCount, validBytes: offset, tornBytes: data.length - offset };
}
