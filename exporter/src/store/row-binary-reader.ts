import { viewOf, type ShortStringCache } from '../text/short-string-cache.js';

/** Node's internal direct decoder, which Buffer#toString('latin1', start, end) dispatches to after argument checks. */
interface FastSlice {
  latin1Slice(start: number, end: number): string;
}

/**
 * Reads back the RowBinary this service wrote, for the few places that need values again
 * (the daily sums of a spooled request, replayed after a restart). The inverse of the matching
 * RowBinaryWriter methods; it trusts its input, which carries a CRC-32 in the spool.
 */
export class RowBinaryReader {
  private pos = 0;
  private view: DataView<ArrayBufferLike> | undefined;

  constructor(private readonly buf: Buffer) {}

  get offset(): number {
    return this.pos;
  }

  private varint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
      scale *= 128;
    }
  }

  /** Skips a String value. */
  skipString(): void {
    const n = this.varint();
    this.pos += n;
  }

  /** Moves to a byte offset (one returned by `offset`). */
  seek(offset: number): void {
    this.pos = offset;
  }

  /**
   * The bytes from `start` to the current offset as a string of one character per byte: a
   * cheap map key for a run of columns, equal exactly when the bytes are.
   */
  latin1Since(start: number): string {
    return (this.buf as unknown as FastSlice).latin1Slice(start, this.pos);
  }

  /** A String value; through `cache` when given, for values that repeat from row to row. */
  string(cache?: ShortStringCache): string {
    const n = this.varint();
    const start = this.pos;
    this.pos += n;
    if (cache !== undefined) return cache.decode(this.buf, (this.view ??= viewOf(this.buf)), start, this.pos);
    return this.buf.toString('utf8', start, this.pos);
  }

  fixedString(n: number): string {
    const s = this.buf.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  uint16(): number {
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  uint32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  /** UInt64 written from a safe integer. One bounds check, then plain byte loads. */
  uint64(): number {
    const b = this.buf;
    const p = this.pos;
    if (p + 8 > b.length) throw new RangeError(`RowBinary UInt64 at byte ${p} runs past the end (${b.length} bytes)`);
    this.pos = p + 8;
    const lo = (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
    const hi = (b[p + 4]! | (b[p + 5]! << 8) | (b[p + 6]! << 16) | (b[p + 7]! << 24)) >>> 0;
    return hi * 4294967296 + lo;
  }

  decimal128(): bigint {
    const n = this.smallDecimal128();
    if (n >= 0) return BigInt(n);
    const lo = this.buf.readBigUInt64LE(this.pos);
    const hi = this.buf.readBigInt64LE(this.pos + 8);
    this.pos += 16;
    return (hi << 64n) | lo;
  }

  /**
   * A Decimal128's scaled integer as a number when it is in [0, 2^53) (every real sum of call
   * costs in pico-dollars: no BigInt made); otherwise -1, leaving the value unread.
   */
  smallDecimal128(): number {
    const b = this.buf;
    const p = this.pos;
    if (b.readUInt32LE(p + 8) !== 0 || b.readUInt32LE(p + 12) !== 0 || b.readUInt32LE(p + 4) >= 0x200000) return -1;
    this.pos = p + 16;
    return b.readUInt32LE(p + 4) * 4294967296 + b.readUInt32LE(p);
  }

  /** The next `n` bytes, as a view. */
  bytes(n: number): Buffer {
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
