/** Node's internal direct encoders: Buffer#write(string, offset, encoding) dispatches to these after argument checks. */
interface FastWrite {
  utf8Write(s: string, offset: number, length?: number): number;
  latin1Write(s: string, offset: number, length: number): number;
}

/**
 * Writes ClickHouse RowBinary: the engine's cheapest input format to parse (no text to scan,
 * numbers in place), and cheap to produce here (no JSON escaping, no number-to-text). Money
 * goes in as the raw Decimal128 integer and times as raw DateTime64 ticks, so nothing is
 * formatted or rounded on the way. Grows its buffer as needed.
 */
export class RowBinaryWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** The bytes written so far (a view; copy it if the writer is reused). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private varint(n: number): void {
    this.ensure(10);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  /** String: varint byte length, then UTF-8 bytes. */
  string(s: string): void {
    const len = s.length;
    // Many attribution fields are empty, and most values are short ASCII: both are cheaper in
    // JS than a call into the native UTF-8 encoder, which costs ~70 ns whatever the length
    // (the JS loop ~2 ns a character, so up to ~32 characters).
    if (len < 32) {
      this.ensure(1 + len * 3);
      const buf = this.buf;
      let p = this.pos + 1;
      let i = 0;
      for (; i < len; i++) {
        const code = s.charCodeAt(i);
        if (code > 0x7f) break;
        buf[p++] = code;
      }
      if (i === len) {
        buf[this.pos] = len;
        this.pos = p;
        return;
      }
    }
    // A UTF-16 unit is at most 3 UTF-8 bytes: below 43 units the length fits one varint byte,
    // so it can be written after the bytes without measuring the string first.
    if (s.length < 43) {
      this.ensure(1 + s.length * 3);
      const n = (this.buf as unknown as FastWrite).utf8Write(s, this.pos + 1);
      this.buf[this.pos] = n;
      this.pos += 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.varint(n);
    this.ensure(n);
    this.pos += (this.buf as unknown as FastWrite).utf8Write(s, this.pos, n);
  }

  /** FixedString(n): exactly n bytes, zero-padded or cut. */
  fixedString(s: string, n: number): void {
    this.ensure(n);
    const written = (this.buf as unknown as FastWrite).latin1Write(s, this.pos, n);
    this.buf.fill(0, this.pos + written, this.pos + n);
    this.pos += n;
  }

  uint8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.uint8(v ? 1 : 0);
  }

  uint16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v;
    b[p + 1] = v >>> 8;
    this.pos = p + 2;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.put32(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** Little-endian 32 bits by plain byte stores: no argument checks, the callers have ensured room. */
  private put32(v: number, p: number): void {
    const b = this.buf;
    b[p] = v;
    b[p + 1] = v >>> 8;
    b[p + 2] = v >>> 16;
    b[p + 3] = v >>> 24;
  }

  /** UInt64 (or a non-negative Int64 such as DateTime64 ticks) from a non-negative safe integer. */
  uint64(v: number): void {
    this.ensure(8);
    this.put32(v % 4294967296, this.pos);
    this.put32(Math.floor(v / 4294967296), this.pos + 4);
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  /** Decimal128 as its scaled integer (e.g. pico-dollars for Decimal(38, 12)), little-endian two's complement. */
  decimal128(scaled: bigint): void {
    this.ensure(16);
    // Every real call cost is far below 2^53 pico-dollars ($9,007): write it without BigInt byte
    // ops. One conversion decides it: rounding is monotonic, so a converted value within the safe
    // range came from an exact, non-negative integer in it.
    const n = Number(scaled);
    if (n >= 0 && n <= Number.MAX_SAFE_INTEGER) {
      this.uint64(n);
      this.uint64(0);
      return;
    }
    this.buf.writeBigInt64LE(BigInt.asIntN(64, scaled), this.pos);
    this.buf.writeBigInt64LE(scaled >> 64n, this.pos + 8);
    this.pos += 16;
  }

  /** Nullable(Decimal128): a null flag byte, then the value when present. */
  nullableDecimal128(scaled: bigint | null): void {
    if (scaled === null) this.uint8(1);
    else {
      this.uint8(0);
      this.decimal128(scaled);
    }
  }

  /** Map(String, String): varint entry count, then key and value of each entry. */
  stringMap(m: Record<string, string>): void {
    const keys = Object.keys(m);
    this.varint(keys.length);
    for (const k of keys) {
      this.string(k);
      this.string(m[k]!);
    }
  }
}
