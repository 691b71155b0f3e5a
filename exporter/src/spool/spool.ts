import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import { readSegment, SegmentWriter, type SegmentRecord } from './segment-file.js';
import { SpoolError } from './spool-error.js';

/** A sealed segment: one batch waiting for ClickHouse. */
export interface SpooledSegment {
  readonly id: number;
  readonly path: string;
  readonly bytes: number;
  readonly rows: number;
}

export interface SpoolOptions {
  /** Refuse appends that would take the spool past this many bytes. */
  maxBytes: number;
  /** fdatasync every append (survives power loss, slower). A killed process loses nothing either way. */
  fsync: boolean;
  logger: Logger;
}

const SEGMENT = /^segment-(\d{12})\.wal$/;
const LOCK = 'LOCK';

/**
 * The write-ahead spool: every accepted request's rows are appended here before the sender is
 * answered, and a segment is deleted only after its batch committed in ClickHouse. So neither
 * a ClickHouse outage nor a killed process loses an acknowledged span, and a batch replayed
 * after a crash carries the same rows in the same order, hence the same dedup token.
 *
 * One process owns a spool directory (a LOCK file holds its pid); segments are numbered in
 * acceptance order and replayed in that order.
 */
export class Spool {
  private open: SegmentWriter | undefined;
  private nextId: number;
  private sealedBytes = 0;
  private readonly sealed = new Map<number, SpooledSegment>();

  private constructor(
    readonly dir: string,
    private readonly options: SpoolOptions,
    recovered: SpooledSegment[],
  ) {
    for (const s of recovered) {
      this.sealed.set(s.id, s);
      this.sealedBytes += s.bytes;
    }
    this.nextId = recovered.length === 0 ? 1 : recovered[recovered.length - 1]!.id + 1;
  }

  /**
   * Opens (creating) the spool directory, takes its lock, and returns the spool with the
   * segments a previous process left: batches that were accepted and maybe not committed.
   */
  static open(dir: string, options: SpoolOptions): { spool: Spool; recovered: SpooledSegment[]; lostRows: number } {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new SpoolError(`cannot create the spool directory ${dir}: ${(err as Error).message}; set PNL_SPOOL_DIR to a writable directory`, err);
    }
    takeLock(dir);
    const recovered: SpooledSegment[] = [];
    let lostRows = 0;
    const names = readdirSync(dir).filter((n) => SEGMENT.test(n)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const contents = readSegment(path);
      if (contents.damaged.records > 0) {
        lostRows += contents.damaged.rows;
        options.logger.error('spool: skipped damaged records of a segment (checksum failed); their rows are lost', { segment: name, records: contents.damaged.records, rows: contents.damaged.rows });
      }
      if (contents.tornBytes > 0 && name === names[names.length - 1]) {
        // Only the newest segment was being appended to: its end is a request interrupted by a
        // crash, never answered. Dropped, so the file holds whole records.
        truncateSync(path, contents.validBytes);
        options.logger.warn('spool: dropped the torn end of a segment (a request interrupted by a crash; it was never acknowledged)', { segment: name, bytes: contents.tornBytes });
      } else if (contents.tornBytes > 0) {
        // An older segment was sealed whole: unreadable bytes there are damage, and acknowledged.
        options.logger.error('spool: the end of a sealed segment is unreadable (damaged on disk); the rows there are lost', { segment: name, bytes: contents.tornBytes });
      }
      if (contents.rowCount === 0) {
        unlinkSync(path);
        continue;
      }
      recovered.push({ id: Number(SEGMENT.exec(name)![1]), path, bytes: contents.validBytes, rows: contents.rowCount });
    }
    return { spool: new Spool(dir, options, recovered), recovered, lostRows };
  }

  /** Bytes on disk: sealed segments plus the open one. */
  get bytes(): number {
    return this.sealedBytes + (this.open?.bytes ?? 0);
  }

  /** Sealed segments not yet committed (removed). */
  get segments(): number {
    return this.sealed.size;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  /** True if about `bytes` more would exceed the limit. */
  wouldOverflow(bytes: number): boolean {
    return this.bytes + bytes > this.options.maxBytes;
  }

  /**
   * Appends a record of `rowCount` rows to the open segment (opening one if needed) and returns
   * its CRC-32. Throws SpoolError if the disk refuses.
   */
  append(payload: Buffer | readonly Buffer[], rowCount: number): number {
    try {
      if (this.open === undefined) {
        const id = this.nextId++;
        this.open = new SegmentWriter(id, join(this.dir, segmentName(id)), this.options.fsync);
      }
      return this.open.append(payload, rowCount);
    } catch (err) {
      throw new SpoolError(`cannot write to the spool in ${this.dir}: ${(err as Error).message}`, err);
    }
  }

  /** Closes the open segment and returns it as a batch, or undefined when nothing was appended. */
  seal(): SpooledSegment | undefined {
    const w = this.open;
    if (w === undefined) return undefined;
    this.open = undefined;
    w.close();
    const segment: SpooledSegment = { id: w.id, path: w.path, bytes: w.bytes, rows: w.rows };
    this.sealed.set(w.id, segment);
    this.sealedBytes += segment.bytes;
    return segment;
  }

  /** Reads a sealed segment's records back (when they were not kept in memory). */
  read(segment: SpooledSegment): SegmentRecord[] {
    return readSegment(segment.path).records;
  }

  /** Deletes a segment whose batch is committed. */
  remove(segment: SpooledSegment): void {
    if (!this.sealed.delete(segment.id)) return;
    this.sealedBytes -= segment.bytes;
    rmSync(segment.path, { force: true });
  }

  /** Closes the open segment file (it stays on disk and is replayed at next start) and releases the lock. */
  close(): void {
    this.open?.close();
    this.open = undefined;
    rmSync(join(this.dir, LOCK), { force: true });
  }
}

function segmentName(id: number): string {
  return `segment-${String(id).padStart(12, '0')}.wal`;
}

/** One live process per spool: two writers would interleave records and replay each other's batches. */
function takeLock(dir: string): void {
  const path = join(dir, LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new SpoolError(`cannot lock the spool ${dir}: ${(err as Error).message}`, err);
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new SpoolError(
          `the spool ${dir} is in use by process ${pid}; each exporter needs its own PNL_SPOOL_DIR (and PNL_DATA_DIR). If that process is gone, delete ${path}`,
        );
      }
      // Left by a process that died (or by this one, re-opened): take it over.
      rmSync(path, { force: true });
    }
  }
  throw new SpoolError(`cannot lock the spool ${dir}: another process keeps recreating ${path}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
