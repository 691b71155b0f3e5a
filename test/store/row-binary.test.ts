import { describe, expect, it } from 'vitest';
import { RowBinaryReader } from '../../exporter/src/store/row-binary-reader.js';
import { RowBinaryWriter } from '../../exporter/src/store/row-binary-writer.js';

describe('RowBinary writer and reader', () => {
  it('round-trip Decimal128 values on both sides of the 2^53 fast path, and negative ones', () => {
    const values = [0n, 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 60n, 10n ** 38n - 1n, -1n, -(2n ** 53n), -(2n ** 100n)];
    const w = new RowBinaryWriter(8);
    for (const v of values) w.decimal128(v);
    const bytes = Buffer.from(w.bytes());
    // Two's complement little-endian, as ClickHouse reads it: checked independently of the reader.
    values.forEach((v, i) => expect(bytes.readBigUInt64LE(i * 16) + (bytes.readBigInt64LE(i * 16 + 8) << 64n)).toBe(v));
    const r = new RowBinaryReader(bytes);
    expect(values.map(() => r.decimal128())).toEqual(values);
  });

  it('round-trip unsigned integers at their word boundaries', () => {
    const w = new RowBinaryWriter(4);
    const u16 = [0, 255, 256, 65_535];
    const u32 = [0, 255, 65_536, 2 ** 31, 2 ** 32 - 1];
    const u64 = [0, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    for (const v of u16) w.uint16(v);
    for (const v of u32) w.uint32(v);
    for (const v of u64) w.uint64(v);
    const bytes = Buffer.from(w.bytes());
    expect(bytes.length).toBe(u16.length * 2 + u32.length * 4 + u64.length * 8);
    expect(u16.map((_, i) => bytes.readUInt16LE(i * 2))).toEqual(u16);
    const r = new RowBinaryReader(bytes);
    expect([...u16.map(() => r.uint16()), ...u32.map(() => r.uint32()), ...u64.map(() => r.uint64())]).toEqual([...u16, ...u32, ...u64]);
  });

  it('writes strings of every length through each of its paths as length-prefixed UTF-8', () => {
    // ASCII and non-ASCII (the last character, or the first) at lengths around each path's bound.
    const strings = Array.from({ length: 140 }, (_, n) => 'a'.repeat(n)).flatMap((a) => [a, a.length > 0 ? `${a.slice(1)}é` : 'é', a.length > 0 ? `€${a.slice(1)}` : '€']);
    const w = new RowBinaryWriter(16);
    for (const s of strings) w.string(s);
    const bytes = Buffer.from(w.bytes());
    // Checked against Node's own encoder, independently of the reader.
    const expected = Buffer.concat(strings.map((s) => {
      const utf8 = Buffer.from(s, 'utf8');
      const len = utf8.length < 128 ? Buffer.from([utf8.length]) : Buffer.from([(utf8.length & 0x7f) | 0x80, utf8.length >> 7]);
      return Buffer.concat([len, utf8]);
    }));
    expect(bytes.equals(expected)).toBe(true);
    const r = new RowBinaryReader(bytes);
    expect(strings.map(() => r.string())).toEqual(strings);
  });
});
