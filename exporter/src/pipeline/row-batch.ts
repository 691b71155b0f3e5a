import { crc32 } from 'node:zlib';
import { DailySums } from '../store/daily-aggregates.js';
import type { EncodedRows } from './encoded-rows.js';

/**
 * One ClickHouse batch: the encoded rows of the requests accepted into one spool segment, in
 * acceptance order, and their calls' daily sums. Holds buffers, not row objects.
 */
export class RowBatch {
  readonly calls: Buffer[] = [];
  readonly runs: Buffer[] = [];
  readonly outcomes: Buffer[] = [];
  callRows = 0;
  runRows = 0;
  outcomeRows = 0;
  /** The calls summed per day and key. */
  readonly daily = new DailySums();
  private firstKey = '';
  private lastKey = '';
  private checksum = 0;
  private readonly crcBytes = Buffer.alloc(4);

  /**
   * Adds a request's rows. `recordCrc` is the CRC-32 of its spool record: the batch's dedup
   * token folds them in, so the token is a function of the batch's content.
   */
  add(e: EncodedRows, recordCrc: number): void {
    if (e.calls.length > 0) this.calls.push(e.calls);
    if (e.runs.length > 0) this.runs.push(e.runs);
    if (e.outcomes.length > 0) this.outcomes.push(e.outcomes);
    this.callRows += e.callRows;
    this.runRows += e.runRows;
    this.outcomeRows += e.outcomeRows;
    if (e.dailyRows > 0) this.daily.merge(e.daily, e.dailyRows);
    if (e.keys.length > 0) {
      if (this.firstKey === '') this.firstKey = e.keys[0]!;
      this.lastKey = e.keys[e.keys.length - 1]!;
    }
    this.crcBytes.writeUInt32LE(recordCrc >>> 0, 0);
    this.checksum = crc32(this.crcBytes, this.checksum);
  }

  get rows(): number {
    return this.callRows + this.runRows + this.outcomeRows;
  }

  /**
   * The batch's dedup token: the same rows accepted in the same requests always give the same
   * token, so a batch retried, or replayed from the spool after a crash, is recognised by
   * ClickHouse and not stored twice.
   */
  token(): string {
    return `${this.firstKey}-${this.lastKey}-${this.callRows}-${this.runRows}-${this.outcomeRows}-${this.checksum.toString(16)}`;
  }
}
