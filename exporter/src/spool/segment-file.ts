import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { writeAllSync } from '../io/write-all-sync.js';

/*
 * One spool segment: the rows of one ClickHouse batch, as a sequence of records appended one
 * accepted request at a time. A record is
 *
 *   u32 payload length | u32 row count | u32 CRC-32 of payload | payload
 *
 * little-endian. The payload's layout belongs to its writer (pipeline/encoded-rows.ts). A process killed in the middle of an append leaves a torn last record; its
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

  /**
   * Appends one record synchronously; when it returns, the rows survive a crash of this
   * process. The payload may come in parts (written as one, without joining them first).
   * Returns the payload's CRC-32.
   */
  append(payload: Buffer | readonly Buffer[], rowCount: number): number {
    // Empty parts are left out: zlib.crc32 of a buffer with no memory behind it (an empty
    // ArrayBuffer, as an empty section moved from a worker has) restarts the checksum at 0.
    const parts = (Buffer.isBuffer(payload) ? [payload] : payload).filter((part) => part.length > 0);
    let checksum = 0;
    let length = 0;
    for (const part of parts) {
      checksum = crc32(part, checksum);
      length += part.length;
    }
    const header = Buffer.allocUnsafe(HEADER_BYTES);
    header.writeUInt32LE(length, 0);
    header.writeUInt32LE(rowCount, 4);
    header.writeUInt32LE(checksum, 8);
    const recordBytes = HEADER_BYTES + length;
    try {
      writeAllSync(this.fd, [header, ...parts]);
      // A failed fdatasync fails the append too, and is undone like a failed write: the sender is
      // answered 503 and retries, so a record left in the file would be replayed after a crash
      // beside the retry, storing its spans twice (found by an audit).
      if (this.fsync) fdatasyncSync(this.fd);
    } catch (err) {
      // Undo a partial record, so appends stay aligned.
      ftruncateSync(this.fd, this.bytesWritten);
      throw err;
    }
    this.bytesWritten += recordBytes;
    this.rowsWritten += rowCount;
    return checksum;
  }

  close(): void {
    if (this.fd >= 0) {
      closeSync(this.fd);
      this.fd = -1;
    }
  }
}

/** One record read back. */
export interface SegmentRecord {
  payload: Buffer;
  rows: number;
  crc: number;
}

/** What reading a segment found. */
export interface SegmentContents {
  records: SegmentRecord[];
  rowCount: number;
  /** Bytes up to the end of the last valid record. */
  validBytes: number;
  /** Bytes after the last valid record (a torn append, or damage that hides where records end), 0 normally. */
  tornBytes: number;
  /** Whole records inside the segment whose checksum failed (damage on disk), skipped: their rows are lost. */
  damaged: { records: number; rows: number };
}

/**
 * Reads every valid record of a segment, in order. A record whose checksum fails but whose
 * length leads to a valid record (or the file's end, for a record followed by others) is
 * damaged, not torn: it is skipped and counted, and the records after it are read. Before, the
 * read stopped there and every later acknowledged record of the segment was dropped as if never
 * written (found by an audit). Where the length itself cannot be trusted, reading stops
 * (`tornBytes`).
 */
export function readSegment(path: string): SegmentContents {
  const data = readFileSync(path);
  const records: SegmentRecord[] = [];
  const damaged = { records: 0, rows: 0 };
  let offset = 0;
  let validBytes = 0;
  let rowCount = 0;
  while (offset + HEADER_BYTES <= data.length) {
    const record = recordAt(data, offset);
    if (record === undefined) break;
    if (!record.valid) {
      // Damaged in place only if a valid record follows: at the end it may be a torn append.
      if (record.end === data.length || recordAt(data, record.end)?.valid !== true) break;
      damaged.records++;
      damaged.rows += record.rows;
      offset = record.end;
      continue;
    }
    records.push({ payload: record.payload, rows: record.rows, crc: record.crc });
    rowCount += record.rows;
    offset = record.end;
    validBytes = offset;
  }
  return { records, rowCount, validBytes, tornBytes: data.length - offset, damaged };
}

/** The record whose header starts at `offset`, or undefined when it does not fit in the data. */
function recordAt(data: Buffer, offset: number): { payload: Buffer; rows: number; crc: number; end: number; valid: boolean } | undefined {
  if (offset + HEADER_BYTES > data.length) return undefined;
  const length = data.readUInt32LE(offset);
  const rows = data.readUInt32LE(offset + 4);
  const crc = data.readUInt32LE(offset + 8);
  const end = offset + HEADER_BYTES + length;
  if (end > data.length) return undefined;
  const payload = data.subarray(offset + HEADER_BYTES, end);
  return { payload, rows, crc, end, valid: crc32(payload) === crc };
}
