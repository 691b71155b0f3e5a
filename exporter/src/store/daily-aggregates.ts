import type { PricedCall } from '../model/priced-call.js';
import type { ColumnSpec } from './row-format.js';
import { KeyedSums } from '../text/keyed-sums.js';
import { ShortStringCache } from '../text/short-string-cache.js';
import { RowBinaryReader } from './row-binary-reader.js';
import { RowBinaryWriter } from './row-binary-writer.js';

/** One `pnl.llm_costs_daily` row: the sums of a batch's calls sharing a day and key. */
export interface DailyAggregate {
  day: number;
  customerId: string;
  featureId: string;
  provider: string;
  model: string;
  attemptReason: string;
  calls: number;
  errorCalls: number;
  unpricedCalls: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** Pico-dollars: exact. */
  cost: bigint;
  durationUs: number;
  customerTier: string;
}

export const DAILY_COLUMNS: readonly ColumnSpec[] = [
  ['day', 'Date'],
  ['customer_id', 'String'],
  ['feature_id', 'LowCardinality(String)'],
  ['provider', 'LowCardinality(String)'],
  ['model', 'LowCardinality(String)'],
  ['attempt_reason', 'LowCardinality(String)'],
  ['calls', 'UInt64'],
  ['error_calls', 'UInt64'],
  ['unpriced_calls', 'UInt64'],
  ['input_tokens', 'UInt64'],
  ['cache_read_tokens', 'UInt64'],
  ['cache_write_tokens', 'UInt64'],
  ['output_tokens', 'UInt64'],
  ['reasoning_tokens', 'UInt64'],
  ['cost_usd', 'Decimal(38, 12)'],
  ['duration_us', 'UInt64'],
  ['customer_tier', 'LowCardinality(String)'],
];

const US_PER_DAY = 86_400_000_000;

/** Sums a batch of calls per (UTC day, customer, feature, provider, request model, attempt reason). */
export function aggregateDaily(calls: readonly PricedCall[]): DailyAggregate[] {
  const byKey = new Map<string, DailyAggregate>();
  for (const p of calls) {
    const c = p.call;
    const day = Math.floor(c.startTimeUs / US_PER_DAY);
    const a = sumFor(byKey, day, c.customerId, c.featureId, c.provider, c.requestModel, c.attemptReason);
    a.calls += 1;
    if (c.status === 'error') a.errorCalls += 1;
    if (p.cost === null) a.unpricedCalls += 1;
    else a.cost += p.cost.total;
    a.inputTokens += c.usage.inputUncached;
    a.cacheReadTokens += c.usage.cacheRead;
    a.cacheWriteTokens += c.usage.cacheWrite;
    a.outputTokens += c.usage.output;
    a.reasoningTokens += c.usage.reasoning;
    a.durationUs += c.durationUs;
    if (c.customerTier !== '') a.customerTier = c.customerTier;
  }
  return [...byKey.values()];
}

/** Summed per daily row, in this order: calls to reasoning tokens (8 UInt64 columns), duration, cost. */
const SUMMED = 10;
const DURATION = 8;
const COST = 9;
const SAFE = Number.MAX_SAFE_INTEGER;

/**
 * A batch's daily sums, merged from its requests' RowBinary (as written by writeDailyAggregate).
 * Merging the requests' sums in acceptance order gives the same rows, in the same order, as
 * summing all the batch's calls at once.
 *
 * This runs on the thread that answers every request, once per daily row (about one per call),
 * and its sums live until the batch is inserted, about a second: long enough for the garbage
 * collector to copy every object it makes twice. So a key is its columns' raw bytes as a
 * string (one short string, no decoding), and the sums are numbers in one Float64Array; costs
 * stay numbers while they are below 2^53 pico-dollars ($9,007 per key and batch) and only
 * beyond become exact BigInts.
 */
export class DailySums {
  private readonly table = new KeyedSums(SUMMED);
  private readonly tiers: string[] = [];
  /** Costs of the slots whose sum passed 2^53 pico-dollars. */
  private readonly bigCosts = new Map<number, bigint>();

  /** Daily rows (distinct keys) so far. */
  get size(): number {
    return this.table.size;
  }

  /** Adds `count` rows of RowBinary daily sums. */
  merge(rows: Buffer, count: number): void {
    const r = new RowBinaryReader(rows);
    for (let i = 0; i < count; i++) {
      const start = r.offset;
      r.uint16();
      for (let k = 0; k < 5; k++) r.skipString();
      const slot = this.table.slotOf(r.latin1Since(start));
      if (slot === this.tiers.length) this.tiers.push('');
      const sums = this.table.sums;
      const base = slot * SUMMED;
      for (let k = 0; k < DURATION; k++) sums[base + k]! += r.uint64();
      this.addCost(slot, r);
      sums[base + DURATION]! += r.uint64();
      const tier = r.string(STRINGS);
      if (tier !== '') this.tiers[slot] = tier;
    }
  }

  /** Appends the sums as `pnl.llm_costs_daily` RowBinary rows, in the order their keys first came. */
  write(w: RowBinaryWriter): void {
    const { keys, sums } = this.table;
    for (let slot = 0; slot < keys.length; slot++) {
      const key = keys[slot]!;
      // The key columns exactly as they came: one byte per character.
      w.fixedString(key, key.length);
      const base = slot * SUMMED;
      for (let k = 0; k < DURATION; k++) w.uint64(sums[base + k]!);
      w.decimal128(this.bigCosts.get(slot) ?? BigInt(sums[base + COST]!));
      w.uint64(sums[base + DURATION]!);
      w.string(this.tiers[slot]!);
    }
  }

  /** The sums as row objects (what write() writes, read back). */
  rows(): DailyAggregate[] {
    const w = new RowBinaryWriter(this.size * 140 + 64);
    this.write(w);
    const r = new RowBinaryReader(w.bytes());
    return this.table.keys.map(() => readDailyAggregate(r, STRINGS));
  }

  private addCost(slot: number, r: RowBinaryReader): void {
    const sums = this.table.sums;
    const at = slot * SUMMED + COST;
    const big = this.bigCosts.get(slot);
    const n = big === undefined ? r.smallDecimal128() : -1;
    if (n >= 0 && sums[at]! + n <= SAFE) {
      sums[at]! += n;
      return;
    }
    const value = n >= 0 ? BigInt(n) : r.decimal128();
    this.bigCosts.set(slot, (big ?? BigInt(sums[at]!)) + value);
  }
}

/** Customer, feature, provider, model and tier names recur in every batch. */
const STRINGS = new ShortStringCache();

function sumFor(byKey: Map<string, DailyAggregate>, day: number, customerId: string, featureId: string, provider: string, model: string, attemptReason: string): DailyAggregate {
  const key = `${day}\u0000${customerId}\u0000${featureId}\u0000${provider}\u0000${model}\u0000${attemptReason}`;
  let a = byKey.get(key);
  if (a === undefined) {
    a = {
      day, customerId, featureId, provider, model, attemptReason,
      calls: 0, errorCalls: 0, unpricedCalls: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0,
      reasoningTokens: 0, cost: 0n, durationUs: 0, customerTier: '',
    };
    byKey.set(key, a);
  }
  return a;
}

/** Appends one `pnl.llm_costs_daily` row. */
export function writeDailyAggregate(w: RowBinaryWriter, a: DailyAggregate): void {
  w.uint16(a.day);
  w.string(a.customerId);
  w.string(a.featureId);
  w.string(a.provider);
  w.string(a.model);
  w.string(a.attemptReason);
  w.uint64(a.calls);
  w.uint64(a.errorCalls);
  w.uint64(a.unpricedCalls);
  w.uint64(a.inputTokens);
  w.uint64(a.cacheReadTokens);
  w.uint64(a.cacheWriteTokens);
  w.uint64(a.outputTokens);
  w.uint64(a.reasoningTokens);
  w.decimal128(a.cost);
  w.uint64(a.durationUs);
  w.string(a.customerTier);
}

/** Reads one row written by writeDailyAggregate. */
function readDailyAggregate(r: RowBinaryReader, strings: ShortStringCache): DailyAggregate {
  return {
    day: r.uint16(), customerId: r.string(strings), featureId: r.string(strings), provider: r.string(strings), model: r.string(strings),
    attemptReason: r.string(strings), calls: r.uint64(), errorCalls: r.uint64(), unpricedCalls: r.uint64(), inputTokens: r.uint64(),
    cacheReadTokens: r.uint64(), cacheWriteTokens: r.uint64(), outputTokens: r.uint64(), reasoningTokens: r.uint64(), cost: r.decimal128(),
    durationUs: r.uint64(), customerTier: r.string(strings),
  };
}
