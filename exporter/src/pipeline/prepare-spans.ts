import { SeenSpans } from '../dedupe/seen-spans.js';
import { IngestTally, type IngestTallyData } from '../metrics/ingest-tally.js';
import type { DecodedSpan } from '../model/decoded-span.js';
import { normalizeSpan, type NormalizeOptions } from '../normalize/index.js';
import type { PriceBook } from '../price/index.js';
import type { SampledCall, TokenCheck } from '../token-check/index.js';
import { encodeRows, type EncodedRows } from './encoded-rows.js';
import { emptyRows } from './rows.js';
import type { WrappedCalls } from './wrapped-calls.js';

/**
 * A request's spans, normalized, rated and encoded, with what they add to the metrics: all the
 * work of accepting them except the steps that need the process's shared state (the dedup
 * memory, the spool, the metrics registry). Plain data, so an ingest worker can prepare it.
 */
export interface PreparedRequest {
  received: number;
  ignored: number;
  /** Spans dropped because their key was already known when the request was prepared. */
  duplicates: number;
  /** Model-call spans left out because they wrap another model call (WrappedCalls); also in `ignored`. */
  wrappers: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** The first few rejection messages, for the OTLP partial_success answer. */
  rejectMessages: string[];
  encoded: EncodedRows;
  tally: IngestTallyData;
  /** Calls sampled for token double-entry (inline preparation only: they hold the raw span). */
  sampled?: SampledCall[];
}

export interface PrepareContext {
  normalizeOptions: NormalizeOptions;
  priceBook: PriceBook;
  /** True for a span key accepted before; such spans are counted as duplicates and dropped. */
  isKnown: (key: string) => boolean;
  tokenCheck?: TokenCheck;
  /**
   * True when every id is already lowercase hex: the protobuf decoder makes ids from bytes
   * (`hexSlice`), so only their lengths and zeros are left to check. JSON ids and spans from the
   * in-process exporter are strings from outside and are matched against the hex pattern.
   */
  idsAreHex?: boolean;
  /**
   * The memory of model calls' parents across requests, to leave out spans that wrap another
   * model call and repeat its tokens. One per thread that prepares requests; without it every
   * model-call span is priced.
   */
  wrappedCalls?: WrappedCalls;
  /**
   * `PNL_RETENTION_RAW_MONTHS`: a span that started longer ago is refused. Its row
   * would be stored, answered 200 and counted in the P&L for a few hours, then deleted by the
   * next merge (the TTL). Without it, spans of any age are kept.
   */
  rawRetentionMonths?: number;
}

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;
const ZERO32 = '0'.repeat(32);
const ZERO16 = '0'.repeat(16);
const MAX_REJECT_MESSAGES = 3;

/** normalize -> drop duplicates -> rate -> encode, for one request's spans. */
export function prepareSpans(spans: readonly DecodedSpan[], ctx: PrepareContext): PreparedRequest {
  const { normalizeOptions, priceBook, isKnown, tokenCheck, wrappedCalls } = ctx;
  const validIds = ctx.idsAreHex === true ? validHexIds : validIdStrings;
  const rows = emptyRows();
  const keys: string[] = [];
  const inRequest = new Set<string>();
  const nowUs = Date.now() * 1000;
  const oldestUs = ctx.rawRetentionMonths === undefined ? -Infinity : retentionStartUs(nowUs, ctx.rawRetentionMonths);
  const tally = new IngestTally(nowUs);
  const rejectedByReason: Record<string, number> = {};
  const rejectMessages: string[] = [];
  let ignored = 0;
  let duplicates = 0;
  let wrappers = 0;
  let rejected = 0;
  let sampled: SampledCall[] | undefined;
  const refuse = ({ reason, message }: { reason: string; message: string }): void => {
    rejected++;
    rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1;
    if (rejectMessages.length < MAX_REJECT_MESSAGES) rejectMessages.push(message);
  };
  for (const span of spans) {
    const n = normalizeSpan(span, normalizeOptions);
    if (n.kind === 'ignore') {
      ignored++;
      continue;
    }
    if (n.kind === 'reject') {
      refuse(n);
      continue;
    }
    const problem = !validIds(span)
      ? invalidIds(span)
      : span.startTimeUs > nowUs + MAX_AHEAD_US
        ? aheadOfClock(span, nowUs)
        : span.startTimeUs < oldestUs
          ? pastRetention(span, ctx.rawRetentionMonths!)
          : undefined;
    if (problem !== undefined) {
      refuse(problem);
      continue;
    }
    if (n.kind === 'llm' && wrappedCalls !== undefined && wrappedCalls.wrapsAnother(span, n.call.hasUsage)) {
      ignored++;
      wrappers++;
      continue;
    }
    const key = SeenSpans.key(span.traceId, span.spanId);
    if (inRequest.has(key) || isKnown(key)) {
      duplicates++;
      continue;
    }
    inRequest.add(key);
    keys.push(key);
    if (n.kind === 'llm') {
      const priced = priceBook.rate(n.call);
      rows.calls.push(priced);
      tally.addCall(priced);
      // The raw span still holds the content attributes the normalizer dropped; counted later, off this path.
      if (tokenCheck !== undefined && tokenCheck.sampled(span)) (sampled ??= []).push({ span, call: n.call });
    } else if (n.kind === 'run') {
      rows.runs.push(n.run);
      tally.addRun(n.run);
    } else rows.outcomes.push(n.outcome);
  }
  const prepared: PreparedRequest = {
    received: spans.length,
    ignored,
    duplicates,
    wrappers,
    rejected,
    rejectedByReason,
    rejectMessages,
    encoded: encodeRows(rows, keys),
    tally: tally.data(),
  };
  if (sampled !== undefined) prepared.sampled = sampled;
  return prepared;
}

function invalidIds(span: DecodedSpan): { reason: 'invalid_ids'; message: string } {
  return { reason: 'invalid_ids', message: `span ${span.spanId || '(none)'} has an invalid trace or span id` };
}

/**
 * How far ahead of this service's clock a span may start (µs). Clocks of senders drift by
 * seconds; a day ahead is a wrong clock or a unit error, and the call would be filed under a
 * day to come (its month's P&L, the forecasts, the budgets of a period not begun).
 */
const MAX_AHEAD_US = 86_400_000_000;

function aheadOfClock(span: DecodedSpan, nowUs: number): { reason: 'invalid_time'; message: string } {
  const hours = Math.round((span.startTimeUs - nowUs) / 3_600_000_000);
  return { reason: 'invalid_time', message: `span ${span.spanId} (${span.name}) starts ${hours} h after this service's clock; check the sender's clock (spans more than a day ahead are refused)` };
}

/**
 * The earliest start a stored row keeps: now less the raw retention in calendar months (the
 * tables' TTL is `start_time + toIntervalMonth(N)`), less a day for the engine's time zone.
 */
export function retentionStartUs(nowUs: number, months: number): number {
  const now = new Date(Math.floor(nowUs / 1000));
  // The day clamped to the month's length, as ClickHouse adds months (31 March less a month is 28 or 29 February, not 3 March).
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(now.getUTCDate(), lastDay));
  first.setUTCHours(now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds());
  return (first.getTime() - 86_400_000) * 1000;
}

function pastRetention(span: DecodedSpan, months: number): { reason: 'invalid_time'; message: string } {
  const day = new Date(Math.floor(span.startTimeUs / 1000)).toISOString().slice(0, 10);
  return {
    reason: 'invalid_time',
    message: `span ${span.spanId} (${span.name}) started ${day}, before the raw retention of ${months} months (PNL_RETENTION_RAW_MONTHS); its row would be deleted at the next merge (the TTL)`,
  };
}

function validIdStrings(span: DecodedSpan): boolean {
  return HEX32.test(span.traceId) && HEX16.test(span.spanId) && span.traceId !== ZERO32 && span.spanId !== ZERO16;
}

function validHexIds(span: DecodedSpan): boolean {
  return span.traceId.length === 32 && span.spanId.length === 16 && span.traceId !== ZERO32 && span.spanId !== ZERO16;
}
