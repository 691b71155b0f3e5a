import { OtlpDecodeError } from './decode-error.js';
import { viewOf, type ShortStringCache } from '../text/short-string-cache.js';

const TWO_32 = 4294967296;
const START_GROUP = 3;
const END_GROUP = 4;
/** Groups inside groups: deeper input is refused, as for attribute values. */
const MAX_GROUP_DEPTH = 16;

/** Node's internal direct decoders, which Buffer#toString(encoding, start, end) dispatches to after argument checks. */
interface FastSlice {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

/**
 * A bounds-checked cursor over protobuf wire-format bytes. Only what the OTLP trace messages
 * use: varints, fixed64, length-delimited fields, and skipping of unknown fields.
 */
export class ProtobufReader {
  pos: number;
  /** Made on the first cached string: a DataView per request, not one per string. */
  private view: DataView<ArrayBufferLike> | undefined;

  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Reads an unsigned varint (tags, lengths, enums, small counts); exact up to 2^53. */
  uint32(): number {
    const { buf, end } = this;
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10 && this.pos < end; i++) {
      const b = buf[this.pos++]!;
      if (i < 7) result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new OtlpDecodeError(`truncated or overlong varint at byte ${this.pos}`);
  }

  /** Reads an int64 varint as a JS number (exact up to 2^53; OTLP int attribute values). */
  int64(): number {
    const { buf, end } = this;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    while (this.pos < end) {
      const b = buf[this.pos++]!;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) {
        lo >>>= 0;
        if (hi & 0x80000000) return -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1);
        return (hi >>> 0) * TWO_32 + lo;
      }
      shift += 7;
      if (shift > 63) break;
    }
    throw new OtlpDecodeError(`truncated or overlong varint at byte ${this.pos}`);
  }

  /**
   * Reads a fixed64 nanosecond timestamp as integer microseconds. Splitting the high word as
   * hi * 2^32 = hi * 4294967 * 1000 + hi * 296 keeps every step exact without BigInt.
   */
  fixed64NanosToMicros(): number {
    if (this.pos + 8 > this.end) throw new OtlpDecodeError(`truncated fixed64 at byte ${this.pos}`);
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    this.pos += 8;
    return hi * 4294967 + Math.floor((hi * 296 + lo) / 1000);
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new OtlpDecodeError(`truncated double at byte ${this.pos}`);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the delimited field. */
  delimitedEnd(): number {
    const len = this.uint32();
    const fieldEnd = this.pos + len;
    if (fieldEnd > this.end) throw new OtlpDecodeError(`field of ${len} bytes overruns its message at byte ${this.pos}`);
    return fieldEnd;
  }

  string(): string {
    const fieldEnd = this.delimitedEnd();
    const s = (this.buf as unknown as FastSlice).utf8Slice(this.pos, fieldEnd);
    this.pos = fieldEnd;
    return s;
  }

  /** A string that is likely to repeat across messages (see ShortStringCache), decoded through `cache`. */
  repeatedString(cache: ShortStringCache): string {
    const fieldEnd = this.delimitedEnd();
    const s = cache.decode(this.buf, (this.view ??= viewOf(this.buf)), this.pos, fieldEnd);
    this.pos = fieldEnd;
    return s;
  }

  hex(): string {
    const fieldEnd = this.delimitedEnd();
    const s = (this.buf as unknown as FastSlice).hexSlice(this.pos, fieldEnd);
    this.pos = fieldEnd;
    return s;
  }

  /**
   * Skips the field an unknown `tag` starts. Field number 0 is not a field: no encoder writes
   * it, and accepted it let any run of zero bytes (16 MiB of them, say) decode as an empty,
   * valid request.
   */
  skipField(tag: number): void {
    if (tag >>> 3 === 0) throw new OtlpDecodeError(`invalid field number 0 at byte ${this.pos - 1}`);
    if ((tag & 7) === START_GROUP) this.skipGroup(tag >>> 3);
    else this.skip(tag & 7);
  }

  /** Skips a field of the given wire type (a group's start: `skipField`). */
  skip(wireType: number): void {
    switch (wireType) {
      case 0:
        this.int64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimitedEnd();
        return;
      case 5:
        this.pos += 4;
        break;
      case END_GROUP:
        throw new OtlpDecodeError(`end of group without its start at byte ${this.pos}`);
      default:
        throw new OtlpDecodeError(`invalid wire type ${wireType} at byte ${this.pos}`);
    }
    if (this.pos > this.end) throw new OtlpDecodeError(`truncated field at byte ${this.pos}`);
  }

  /**
   * Skips a group (proto2's deprecated wire types 3 and 4) up to its end tag. No OTLP field is a
   * group, but the spec has receivers ignore unknown fields whatever their encoding, as
   * protobuf's own parsers do. Nesting is followed without recursion, and bounded.
   */
  private skipGroup(field: number): void {
    const open = [field];
    while (open.length > 0) {
      if (this.done) throw new OtlpDecodeError(`group of field ${open[open.length - 1]} has no end before byte ${this.end}`);
      const tag = this.uint32();
      const number = tag >>> 3;
      if (number === 0) throw new OtlpDecodeError(`invalid field number 0 at byte ${this.pos - 1}`);
      if ((tag & 7) === START_GROUP) {
        if (open.length >= MAX_GROUP_DEPTH) throw new OtlpDecodeError(`groups nested deeper than ${MAX_GROUP_DEPTH} at byte ${this.pos}`);
        open.push(number);
      } else if ((tag & 7) === END_GROUP) {
        if (open.pop() !== number) throw new OtlpDecodeError(`end of group ${number} does not match its start at byte ${this.pos}`);
      } else this.skip(tag & 7);
    }
  }
}
