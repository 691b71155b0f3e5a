import { deserialize } from 'node:v8';
import { SeenSpans } from '../dedupe/seen-spans.js';
import { aggregateDaily, writeDailyAggregate } from '../store/daily-aggregates.js';
import { RowBinaryReader } from '../store/row-binary-reader.js';
import { RowBinaryWriter } from '../store/row-binary-writer.js';
import { writeAgentRun, writeLlmCall, writeOutcome } from '../store/row-format.js';
import type { Rows } from './rows.js';

/**
 * One accepted request's rows, already in the RowBinary form ClickHouse takes. A request is
 * encoded once, as soon as it is accepted: the same bytes go to the spool and, later, into the
 * insert, and the row objects can be collected young instead of waiting a second or more for
 * their batch (which is what made them expensive to keep).
 */
export interface EncodedRows {
  calls: Buffer;
  callRows: number;
  runs: Buffer;
  runRows: number;
  outcomes: Buffer;
  outcomeRows: number;
  /** This request's calls summed per day and key (`pnl.llm_costs_daily` RowBinary); batches merge them. */
  daily: Buffer;
  dailyRows: number;
  /** The dedup key of every row (SeenSpans.key), learned again when the spool is replayed. */
  keys: string[];
}

const KEY_BYTES = 32;
/** First payload byte of this format; v8.serialize output (the first format) starts with 0xff. */
const FORMAT = 2;
const V8_FORMAT = 0xff;

export function encodedRowCount(e: EncodedRows): number {
  return e.callRows + e.runRows + e.outcomeRows;
}

/** Encodes a request's rows; `keys` are their dedup keys, one per row. */
export function encodeRows(rows: Rows, keys: string[]): EncodedRows {
  // ~480 bytes make a typical row (15 attributes); the writer doubles its buffer when rows are larger.
  const calls = new RowBinaryWriter(rows.calls.length * 560 + 64);
  for (const c of rows.calls) writeLlmCall(calls, c);
  const runs = new RowBinaryWriter(rows.runs.length * 300 + 64);
  for (const r of rows.runs) writeAgentRun(runs, r);
  const outcomes = new RowBinaryWriter(rows.outcomes.length * 150 + 64);
  for (const o of rows.outcomes) writeOutcome(outcomes, o);
  const sums = aggregateDaily(rows.calls);
  const daily = new RowBinaryWriter(sums.length * 140 + 64);
  for (const a of sums) writeDailyAggregate(daily, a);
  return {
    calls: calls.bytes(),
    callRows: rows.calls.length,
    runs: runs.bytes(),
    runRows: rows.runs.length,
    outcomes: outcomes.bytes(),
    outcomeRows: rows.outcomes.length,
    daily: daily.bytes(),
    dailyRows: sums.length,
    keys,
  };
}

/** The dedup keys of rows, in the order encodeRows writes them. */
export function keysOf(rows: Rows): string[] {
  return [
    ...rows.calls.map((p) => SeenSpans.key(p.call.traceId, p.call.spanId)),
    ...rows.runs.map((r) => SeenSpans.key(r.traceId, r.spanId)),
    ...rows.outcomes.map((o) => SeenSpans.key(o.traceId, o.spanId)),
  ];
}

/*
 * A spool record's payload:
 *   u8 format (2) | 3 x (u32 rows | u32 bytes | RowBinary) for calls, runs, outcomes
 *   | u32 daily rows | u32 bytes | RowBinary daily sums | u32 keys | 32 ASCII bytes per key
 * little-endian.
 */

/** The spool record payload of a request. */
export function toSpoolPayload(e: EncodedRows): Buffer {
  return Buffer.concat(toSpoolParts(e));
}

/**
 * The spool record payload of a request in parts, the encoded rows among them as they are:
 * the spool writes the parts as one record, so the rows (most of the bytes) are not copied.
 */
export function toSpoolParts(e: EncodedRows): Buffer[] {
  const sizes = Buffer.allocUnsafe(1 + 4 * 8);
  sizes.writeUInt8(FORMAT, 0);
  const section = (i: number, rows: number, bytes: Buffer): Buffer => {
    sizes.writeUInt32LE(rows, 1 + 8 * i);
    sizes.writeUInt32LE(bytes.length, 5 + 8 * i);
    return sizes.subarray(i === 0 ? 0 : 1 + 8 * i, 9 + 8 * i);
  };
  const keys = Buffer.allocUnsafe(4 + e.keys.length * KEY_BYTES);
  let pos = keys.writeUInt32LE(e.keys.length, 0);
  for (const k of e.keys) pos += keys.write(k, pos, KEY_BYTES, 'latin1');
  return [
    section(0, e.callRows, e.calls), e.calls,
    section(1, e.runRows, e.runs), e.runs,
    section(2, e.outcomeRows, e.outcomes), e.outcomes,
    section(3, e.dailyRows, e.daily), e.daily,
    keys,
  ];
}

/** Reads a spool record payload back (either format this service ever wrote). */
export function fromSpoolPayload(payload: Buffer): EncodedRows {
  if (payload[0] === V8_FORMAT) {
    // Written by a version that spooled v8-serialized row objects: encode them as they would be now.
    const rows = deserialize(payload) as Rows;
    return encodeRows(rows, keysOf(rows));
  }
  if (payload[0] !== FORMAT) throw new Error(`unknown spool record format ${payload[0]}`);
  const r = new RowBinaryReader(payload.subarray(1));
  const callRows = r.uint32();
  const calls = r.bytes(r.uint32());
  const runRows = r.uint32();
  const runs = r.bytes(r.uint32());
  const outcomeRows = r.uint32();
  const outcomes = r.bytes(r.uint32());
  const dailyRows = r.uint32();
  const daily = r.bytes(r.uint32());
  const keys: string[] = [];
  for (let i = r.uint32(); i > 0; i--) keys.push(r.fixedString(KEY_BYTES));
  return { calls, callRows, runs, runRows, outcomes, outcomeRows, daily, dailyRows, keys };
}
