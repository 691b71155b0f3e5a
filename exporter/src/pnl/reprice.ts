import { randomUUID } from 'node:crypto';
import { isCalendarDay } from '../api/date-range.js';
import type { LlmCall } from '../model/llm-call.js';
import type { CallCost, PicoUsd } from '../model/priced-call.js';
import { formatPicoUsd, type PriceBook, type PriceBookEntry } from '../price/index.js';
import type { PnlStore } from '../store/pnl-store.js';

/*
 * Re-rating stored calls with the current price book (a new catalog version, an override added
 * after the fact, a corrected contract price).
 *
 * Strategy — why not `ALTER TABLE ... UPDATE`, and why per month partition:
 * `pnl.llm_calls` is partitioned by toYYYYMM(start_time), `pnl.llm_costs_daily` by toYYYYMM(day).
 * An `ALTER UPDATE` is a mutation (asynchronous, rewrites whole parts, and a per-row value would
 * need a huge CASE), and delete + re-insert is not atomic (a crash in between loses or doubles
 * rows). Instead, for each month partition touched by [from, to):
 *
 *   1. read the calls of the range back (token columns + old cost columns), one day at a time
 *      (memory stays that of a day's calls), and rate them in JS with the same PriceBook.rate()
 *      the exporter uses at ingest (exact pico-dollars);
 *   2. insert each day's new cost columns, keyed by (trace_id, span_id), into a scratch table;
 *   3. copy the WHOLE month partition of llm_calls into a staging table with the same structure
 *      (`CREATE TABLE ... AS pnl.llm_calls`), taking the new cost columns from the scratch table
 *      where a row matches (ANY LEFT JOIN: at most one match, so the copy has exactly the rows of
 *      the partition, which is checked before going on);
 *   4. `ALTER TABLE pnl.llm_calls REPLACE PARTITION ID '<yyyymm>' FROM staging`: an atomic swap
 *      of the partition's parts — readers see either the old month or the new one, never a
 *      mixture, never a row twice;
 *   5. rebuild the month of `pnl.llm_costs_daily` the same way: staging = the partition's rows
 *      except those of the (day, customer) keys that have raw calls in the range + a fresh GROUP BY
 *      of those calls, then REPLACE PARTITION. Days whose raw calls already expired (raw retention
 *      may be shorter than aggregate retention) keep their daily rows untouched.
 *
 * Re-running is safe: every run starts from what is stored, the scratch/staging tables are
 * dropped and recreated, and an interrupted run leaves each partition either fully old or fully
 * new. A second run with the same price book computes identical values (and skips rewriting
 * llm_calls months where no row changed). The one requirement: nothing may write the month
 * between step 3 and 4, so ingestion must be stopped — the embedded engine enforces it (one
 * process per data directory); with a ClickHouse server, stop the exporters first.
 */

export interface RepriceOptions {
  /** First day, YYYY-MM-DD (UTC, inclusive). */
  from: string;
  /** Day after the last, YYYY-MM-DD (UTC, exclusive). */
  to: string;
  /** Only this customer's calls. */
  customer?: string;
  /** Rate and report, but write nothing. */
  dryRun: boolean;
  onProgress?: (message: string) => void;
}

/** Differences for one customer x provider x model. Costs are pico-dollars (1e-12 USD), exact. */
export interface RepriceDifference {
  customerId: string;
  provider: string;
  model: string;
  calls: number;
  /** Calls whose stored cost or price columns changed. */
  changedCalls: number;
  oldCost: PicoUsd;
  newCost: PicoUsd;
  difference: PicoUsd;
  /** Unpriced before, priced now. */
  newlyPriced: number;
  /** Priced before, unpriced now (e.g. an override removed). */
  newlyUnpriced: number;
}

export interface RepriceResult {
  dryRun: boolean;
  calls: number;
  changedCalls: number;
  /** Month partitions of llm_calls rewritten (empty on a dry run or when nothing changed). */
  rewrittenMonths: string[];
  /** Month partitions of llm_costs_daily rebuilt. */
  rebuiltDailyMonths: string[];
  differences: RepriceDifference[];
}

const RATES = 'pnl.llm_calls_reprice_rates';
const CALLS_STAGE = 'pnl.llm_calls_reprice_stage';
const DAILY_STAGE = 'pnl.llm_costs_daily_reprice_stage';
const COST_COLUMNS = ['cost_input_usd', 'cost_cache_read_usd', 'cost_cache_write_usd', 'cost_output_usd', 'cost_request_usd', 'cost_usd'] as const;
const PRICE_COLUMNS = ['priced', 'unpriced_reason', 'price_id', 'price_source'] as const;
/*
 * Every insert here gets its own deduplication token. With the embedded engine, settings given
 * with one query stay on the shared session: the exporter's last `insert_deduplication_token`
 * would otherwise be reused by our INSERT ... SELECTs, and the second of them silently dropped
 * as a "duplicate" (test/price/reprice.test.ts caught exactly that). A unique token never matches,
 * and unlike insert_deduplicate = 0 it leaves the exporter's deduplication on when reprice runs
 * in the service's process.
 */
let insertSeq = 0;
const runId = randomUUID();
function freshInsertSettings(): Record<string, unknown> {
  return { insert_deduplication_token: `reprice:${runId}:${insertSeq++}` };
}

/** A stored call as reprice reads it: its ids, what it was rated on, and its current cost columns. */
interface StoredCall extends RateRow {
  start_us: number;
  customer_id: string;
  provider: string;
  request_model: string;
  response_model: string;
  input_tokens: number;
  input_tokens_reported: number;
  input_includes_cache: boolean;
  cache_read_tokens: number;
  cache_write_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  has_usage: boolean;
  /** The tier the call was rated for at ingest; '' for calls stored before migration 010 or that reported none. */
  service_tier: string;
}

/** The cost and price columns reprice rewrites, keyed by the call's ids. */
interface RateRow {
  trace_id: string;
  span_id: string;
  cost_input_usd: string | null;
  cost_cache_read_usd: string | null;
  cost_cache_write_usd: string | null;
  cost_output_usd: string | null;
  cost_request_usd: string | null;
  cost_usd: string | null;
  priced: boolean;
  unpriced_reason: string;
  price_id: string;
  price_source: string;
}

/** Exact decimal text from ClickHouse (`0.150000000000`, `-1.5`) to pico-dollars. */
export function decimalToPico(text: string): PicoUsd {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (m === null) throw new RangeError(`not a decimal: ${JSON.stringify(text)}`);
  const frac = (m[3] ?? '').padEnd(12, '0');
  if (frac.length > 12 && /[1-9]/.test(frac.slice(12))) throw new RangeError(`finer than a pico-dollar: ${text}`);
  const v = BigInt((m[2] ?? '0') + frac.slice(0, 12));
  return m[1] === '-' ? -v : v;
}

/**
 * The LlmCall that pricing reads, rebuilt from a stored row (attribution is not needed to rate). The stored
 * service tier goes back in, so tier-specific overrides re-rate a call exactly as at ingest.
 */
export function storedToLlmCall(r: Pick<StoredCall, 'trace_id' | 'span_id' | 'start_us' | 'customer_id' | 'provider' | 'request_model' | 'response_model' | 'input_tokens' | 'input_tokens_reported' | 'input_includes_cache' | 'cache_read_tokens' | 'cache_write_tokens' | 'output_tokens' | 'reasoning_tokens' | 'has_usage' | 'service_tier'>): LlmCall {
  return {
    customerId: r.customer_id, customerTier: '', organizationId: '', productId: '', featureId: '', environment: '', taskType: '',
    sessionId: '', userId: '', runId: '', attempt: 0, attemptReason: '',
    traceId: r.trace_id, spanId: r.span_id, parentSpanId: '', startTimeUs: Number(r.start_us), durationUs: 0,
    provider: r.provider, requestModel: r.request_model, responseModel: r.response_model, operation: '', serviceTier: r.service_tier, agentName: '',
    usage: {
      inputReported: Number(r.input_tokens_reported),
      inputUncached: Number(r.input_tokens),
      cacheRead: Number(r.cache_read_tokens),
      cacheWrite: Number(r.cache_write_tokens),
      output: Number(r.output_tokens),
      reasoning: Number(r.reasoning_tokens),
    },
    inputIncludesCache: Boolean(r.input_includes_cache), hasUsage: Boolean(r.has_usage), status: 'ok', errorType: '',
    convention: '', scopeName: '', scopeVersion: '', serviceName: '', attributes: {},
  };
}

function costColumns(cost: CallCost | null): Pick<RateRow, (typeof COST_COLUMNS)[number]> {
  const f = (p: PicoUsd | undefined): string | null => (p === undefined ? null : formatPicoUsd(p));
  return {
    cost_input_usd: f(cost?.input), cost_cache_read_usd: f(cost?.cacheRead), cost_cache_write_usd: f(cost?.cacheWrite),
    cost_output_usd: f(cost?.output), cost_request_usd: f(cost?.request), cost_usd: f(cost?.total),
  };
}

function sameValue(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return decimalToPico(a) === decimalToPico(b);
}

function changed(old: StoredCall, next: RateRow): boolean {
  return COST_COLUMNS.some((c) => !sameValue(old[c], next[c])) || PRICE_COLUMNS.some((c) => String(old[c]) !== String(next[c]));
}

/** UTC month starts covering [from, to): [{ ym: 202611, from, to }] with the range clipped to each month. */
function monthsOf(from: string, to: string): Array<{ ym: number; from: string; to: string }> {
  const out: Array<{ ym: number; from: string; to: string }> = [];
  let cur = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (cur < end) {
    const next = new Date(Date.UTC(cur.getUTCFullYear(), cur.getUTCMonth() + 1, 1));
    const stop = next < end ? next : end;
    out.push({ ym: cur.getUTCFullYear() * 100 + cur.getUTCMonth() + 1, from: cur.toISOString().slice(0, 10), to: stop.toISOString().slice(0, 10) });
    cur = stop;
  }
  return out;
}

/**
 * Throws unless `value` is a day of the calendar written YYYY-MM-DD. Date.parse alone accepts 2026-02-30 and
 * rolls it over to March 2, which would silently re-rate (or skip) days nobody asked for; the day must read
 * back unchanged.
 */
function checkDay(flag: string, value: string): void {
  if (!isCalendarDay(value)) {
    throw new Error(`${flag} ${JSON.stringify(value)} is not a day of the calendar: write an existing UTC day as YYYY-MM-DD, e.g. 2026-02-28 (${flag === '--to' ? 'the day after the last one to re-rate' : 'the first day to re-rate'})`);
  }
}

/** UTC days of [from, to): [{ from: '2026-11-01', to: '2026-11-02' }, ...]. */
function daysOf(from: string, to: string): Array<{ from: string; to: string }> {
  const out: Array<{ from: string; to: string }> = [];
  for (let t = Date.parse(`${from}T00:00:00Z`), end = Date.parse(`${to}T00:00:00Z`); t < end; t += 86_400_000) {
    out.push({ from: new Date(t).toISOString().slice(0, 10), to: new Date(t + 86_400_000).toISOString().slice(0, 10) });
  }
  return out;
}

/**
 * Rates stored calls with `priceBook`, adding each one to its customer x provider x model
 * difference. A call stored twice is rated once: its copies share a start, hence a day.
 */
function rateRows(rows: readonly StoredCall[], priceBook: PriceBook, diffs: Map<string, RepriceDifference>): { rates: RateRow[]; changed: number } {
  const rates = new Map<string, RateRow>();
  let changedCount = 0;
  for (const row of rows) {
    const key = `${row.trace_id}/${row.span_id}`;
    if (rates.has(key)) continue; // a duplicate row would be copied as is; never rated twice
    const priced = priceBook.rate(storedToLlmCall(row));
    const next: RateRow = {
      trace_id: row.trace_id, span_id: row.span_id, ...costColumns(priced.cost),
      priced: priced.cost !== null, unpriced_reason: priced.unpricedReason, price_id: priced.priceId, price_source: priced.priceSource,
    };
    rates.set(key, next);
    const isChanged = changed(row, next);
    if (isChanged) changedCount++;
    const dkey = `${row.customer_id}\u0000${row.provider}\u0000${row.request_model}`;
    let d = diffs.get(dkey);
    if (d === undefined) {
      d = { customerId: row.customer_id, provider: row.provider, model: row.request_model, calls: 0, changedCalls: 0, oldCost: 0n, newCost: 0n, difference: 0n, newlyPriced: 0, newlyUnpriced: 0 };
      diffs.set(dkey, d);
    }
    const oldCost = row.cost_usd === null ? null : decimalToPico(row.cost_usd);
    const newCost = priced.cost === null ? null : priced.cost.total;
    d.calls++;
    if (isChanged) d.changedCalls++;
    d.oldCost += oldCost ?? 0n;
    d.newCost += newCost ?? 0n;
    d.difference = d.newCost - d.oldCost;
    if (oldCost === null && newCost !== null) d.newlyPriced++;
    if (oldCost !== null && newCost === null) d.newlyUnpriced++;
  }
  return { rates: [...rates.values()], changed: changedCount };
}

/** Re-rates the stored calls of [from, to) with `priceBook` and, unless a dry run, rewrites them and the daily aggregates. */
export async function repriceCalls(store: PnlStore, priceBook: PriceBook, options: RepriceOptions): Promise<RepriceResult> {
  checkDay('--from', options.from);
  checkDay('--to', options.to);
  if (options.from >= options.to) throw new Error(`--from ${options.from} must be before --to ${options.to} (exclusive)`);
  const progress = options.onProgress ?? (() => undefined);
  const customer = options.customer ?? '';
  if (!options.dryRun) {
    await refuseDistributedTables(store);
    await refusePartlyExpiredDays(store, { from: options.from, to: options.to, customer });
  }
  const diffs = new Map<string, RepriceDifference>();
  /** Price book entries upserted by this run, so a month only writes the ones earlier months did not. */
  const recorded = new Set<string>();
  const result: RepriceResult = { dryRun: options.dryRun, calls: 0, changedCalls: 0, rewrittenMonths: [], rebuiltDailyMonths: [], differences: [] };

  for (const month of monthsOf(options.from, options.to)) {
    const range = { from: month.from, to: month.to, customer };
    // One day at a time: a busy month is millions of calls, and the engine hands a result to
    // JavaScript whole. The new rates go to the scratch table as each day is rated.
    if (!options.dryRun) await createRatesTable(store);
    let read = 0;
    let changedInMonth = 0;
    try {
      for (const day of daysOf(month.from, month.to)) {
        const rows = await store.select<StoredCall>(
          `SELECT trace_id, span_id, toUnixTimestamp64Micro(start_time) AS start_us, customer_id, provider, request_model, response_model,
                  input_tokens, input_tokens_reported, input_includes_cache, cache_read_tokens, cache_write_tokens, output_tokens,
                  reasoning_tokens, has_usage, service_tier, ${COST_COLUMNS.join(', ')}, ${PRICE_COLUMNS.join(', ')}
           FROM pnl.llm_calls
           WHERE start_time >= toDateTime64({from:Date}, 6, 'UTC') AND start_time < toDateTime64({to:Date}, 6, 'UTC')
             AND ({customer:String} = '' OR customer_id = {customer:String})`,
          { ...day, customer },
        );
        if (rows.length === 0) continue;
        const rated = rateRows(rows, priceBook, diffs);
        read += rows.length;
        changedInMonth += rated.changed;
        if (options.dryRun) continue;
        // Before any call is rewritten, so no stored price_id ever lacks its pnl.price_book row (readers join on it),
        // even if the run stops half way. The service records only the book it started with.
        await recordPriceEntries(store, priceBook, rated.rates, recorded);
        for (let i = 0; i < rated.rates.length; i += 50_000) {
          await store.client.insert({ table: RATES, values: rated.rates.slice(i, i + 50_000), format: 'JSONEachRow', clickhouse_settings: freshInsertSettings() as never });
        }
        if (rows.length >= 100_000) progress(`${day.from}: ${rows.length} calls rated`);
      }
      progress(`${month.ym}: ${read} calls read from ${month.from} to ${month.to}${customer === '' ? '' : ` for ${customer}`}`);
      result.calls += read;
      result.changedCalls += changedInMonth;
      if (read === 0) continue;
      progress(`${month.ym}: ${changedInMonth} of ${read} calls priced differently`);
      if (options.dryRun) continue;
      const partition = String(month.ym);
      if (changedInMonth > 0) {
        await rewriteCallsPartition(store, partition, month.ym);
        result.rewrittenMonths.push(partition);
        progress(`${month.ym}: llm_calls partition ${partition} replaced`);
      }
    } finally {
      if (!options.dryRun) await command(store, `DROP TABLE IF EXISTS ${RATES}`);
    }
    await rebuildDailyPartition(store, String(month.ym), month.ym, range);
    result.rebuiltDailyMonths.push(String(month.ym));
    progress(`${month.ym}: llm_costs_daily rebuilt for ${month.from} to ${month.to}`);
  }
  result.differences = [...diffs.values()].sort(
    (a, b) => a.customerId.localeCompare(b.customerId) || a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model),
  );
  return result;
}

/**
 * Upserts the price book rows behind the price ids in `rates` that `recorded` does not hold yet. A discount's id
 * names two rows (`override:<id>+catalog:<entry>`); both are written.
 */
async function recordPriceEntries(store: PnlStore, priceBook: PriceBook, rates: Iterable<RateRow>, recorded: Set<string>): Promise<void> {
  const wanted = new Set<string>();
  for (const r of rates) {
    for (const id of r.price_id === '' ? [] : r.price_id.split('+')) if (!recorded.has(id)) wanted.add(id);
  }
  if (wanted.size === 0) return;
  const rows: PriceBookEntry[] = priceBook.entries().filter((e) => wanted.has(e.entry_id));
  await store.upsertPriceBook(rows);
  for (const id of wanted) recorded.add(id);
}

/*
 * On a ClickHouse cluster (docs/scaling.md) llm_calls and llm_costs_daily are Distributed tables
 * over per-shard tables. There, `CREATE TABLE stage AS pnl.llm_calls` would create another
 * Distributed table over the live shards, so filling the "staging" table would insert a second
 * copy of the month into the live data, and REPLACE PARTITION does not exist on a Distributed
 * table. Refused before anything is written; a dry run only reads, and works.
 */
async function refuseDistributedTables(store: PnlStore): Promise<void> {
  const rows = await store.select<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = 'pnl' AND name IN ('llm_calls', 'llm_costs_daily') AND engine = 'Distributed' ORDER BY name`,
  );
  if (rows.length === 0) return;
  throw new Error(
    `reprice cannot rewrite ${rows.map((r) => `pnl.${r.name}`).join(' and ')} on a ClickHouse cluster: they are Distributed tables, ` +
      'which have no partitions to replace. Nothing was written. Use --dry-run to see the differences; see docs/scaling.md, "Re-rating on a cluster".',
  );
}

/*
 * The daily rows of a (day, customer) that has raw calls are rebuilt from those calls. When the daily rows
 * count more calls than llm_calls still holds, raw retention expired part of the day (TTL drops whole parts,
 * and a part can end mid-day), and the rebuild would drop the expired calls' cost from the aggregates.
 * Refused before anything is written; such days can only be left out of the range.
 */
async function refusePartlyExpiredDays(store: PnlStore, range: { from: string; to: string; customer: string }): Promise<void> {
  const rows = await store.select<{ d: string; customer_id: string; daily_calls: string; raw_calls: string }>(
    `SELECT toString(a.day) AS d, a.customer_id AS customer_id, toString(a.calls) AS daily_calls, toString(r.calls) AS raw_calls
     FROM (SELECT day, customer_id, sum(calls) AS calls FROM pnl.llm_costs_daily
           WHERE day >= {from:Date} AND day < {to:Date} AND ({customer:String} = '' OR customer_id = {customer:String})
           GROUP BY day, customer_id) AS a
     INNER JOIN (SELECT toDate(start_time) AS day, customer_id, count() AS calls FROM pnl.llm_calls
           WHERE start_time >= toDateTime64({from:Date}, 6, 'UTC') AND start_time < toDateTime64({to:Date}, 6, 'UTC')
             AND ({customer:String} = '' OR customer_id = {customer:String})
           GROUP BY day, customer_id) AS r
     ON a.day = r.day AND a.customer_id = r.customer_id
     WHERE a.calls > r.calls
     ORDER BY d, customer_id`,
    range,
  );
  if (rows.length === 0) return;
  const shown = rows.slice(0, 10).map((r) => `${r.d} ${JSON.stringify(r.customer_id)} (${r.daily_calls} calls aggregated, ${r.raw_calls} stored)`);
  const days = [...new Set(rows.map((r) => r.d))];
  throw new Error(
    `reprice cannot rebuild the daily aggregates of ${rows.length} day x customer pair(s) whose raw calls partly expired: ${shown.join('; ')}${rows.length > shown.length ? '; ...' : ''}. ` +
      `Rebuilding them from the calls left would drop the expired calls' cost. Nothing was written. Choose a range that leaves out ${days.length === 1 ? days[0] : `${days[0]} to ${days[days.length - 1]}`} (e.g. --from the day after).`,
  );
}

async function command(store: PnlStore, query: string, params: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): Promise<void> {
  await store.client.command({ query, query_params: params, clickhouse_settings: settings as never });
}

async function columnsOf(store: PnlStore, table: string): Promise<string[]> {
  const rows = await store.select<{ name: string }>(
    `SELECT name FROM system.columns WHERE database = 'pnl' AND table = {table:String} ORDER BY position`,
    { table },
  );
  return rows.map((r) => r.name);
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** The scratch table of new cost columns, keyed by the call's ids, filled day by day. */
async function createRatesTable(store: PnlStore): Promise<void> {
  await command(store, `DROP TABLE IF EXISTS ${RATES}`);
  await command(
    store,
    `CREATE TABLE ${RATES} (
       trace_id FixedString(32), span_id FixedString(16),
       ${COST_COLUMNS.map((c) => `${c} Nullable(Decimal(38, 12))`).join(', ')},
       priced Bool, unpriced_reason String, price_id String, price_source String, matched UInt8 DEFAULT 1
     ) ENGINE = MergeTree ORDER BY (trace_id, span_id)`,
  );
}

/** Replaces a month of llm_calls with a copy taking its cost columns from the scratch table where a call has a row there. */
async function rewriteCallsPartition(store: PnlStore, partition: string, ym: number): Promise<void> {
  await command(store, `DROP TABLE IF EXISTS ${CALLS_STAGE}`);
  try {
    await command(store, `CREATE TABLE ${CALLS_STAGE} AS pnl.llm_calls`);
    const replaced = new Set<string>([...COST_COLUMNS, ...PRICE_COLUMNS]);
    const columns = await columnsOf(store, 'llm_calls');
    const select = columns.map((c) => (replaced.has(c) ? `if(r.matched = 1, r.${quote(c)}, c.${quote(c)}) AS ${quote(c)}` : `c.${quote(c)} AS ${quote(c)}`));
    await command(
      store,
      `INSERT INTO ${CALLS_STAGE} (${columns.map(quote).join(', ')})
       SELECT ${select.join(', ')}
       FROM pnl.llm_calls AS c ANY LEFT JOIN ${RATES} AS r ON c.trace_id = r.trace_id AND c.span_id = r.span_id
       WHERE toYYYYMM(c.start_time) = {ym:UInt32}`,
      { ym },
      freshInsertSettings(),
    );
    const [live] = await store.select<{ n: number }>(`SELECT count() AS n FROM pnl.llm_calls WHERE toYYYYMM(start_time) = {ym:UInt32}`, { ym });
    const [staged] = await store.select<{ n: number }>(`SELECT count() AS n FROM ${CALLS_STAGE}`);
    if (Number(live?.n) !== Number(staged?.n)) {
      throw new Error(`month ${partition}: staged ${staged?.n} rows but llm_calls holds ${live?.n} (were calls being ingested? stop the service and re-run); nothing was replaced`);
    }
    await command(store, `ALTER TABLE pnl.llm_calls REPLACE PARTITION ID '${partition}' FROM ${CALLS_STAGE}`);
  } finally {
    await command(store, `DROP TABLE IF EXISTS ${CALLS_STAGE}`);
  }
}

async function rebuildDailyPartition(store: PnlStore, partition: string, ym: number, range: { from: string; to: string; customer: string }): Promise<void> {
  await command(store, `DROP TABLE IF EXISTS ${DAILY_STAGE}`);
  try {
    await command(store, `CREATE TABLE ${DAILY_STAGE} AS pnl.llm_costs_daily`);
    const columns = await columnsOf(store, 'llm_costs_daily');
    const list = columns.map(quote).join(', ');
    // Only the (day, customer) keys with raw calls in the range are rebuilt; every other row of the month is kept
    // as it is. Raw calls may expire before their daily rows (raw retention can be the shorter one), and a day
    // in the range without calls must keep its aggregates rather than be rebuilt from nothing.
    await command(
      store,
      `INSERT INTO ${DAILY_STAGE} (${list}) SELECT ${list} FROM pnl.llm_costs_daily
       WHERE toYYYYMM(day) = {ym:UInt32}
         AND (day, customer_id) NOT IN (
           SELECT DISTINCT toDate(start_time), customer_id FROM pnl.llm_calls
           WHERE start_time >= toDateTime64({from:Date}, 6, 'UTC') AND start_time < toDateTime64({to:Date}, 6, 'UTC')
             AND ({customer:String} = '' OR customer_id = {customer:String}))`,
      { ym, ...range },
      freshInsertSettings(),
    );
    // Same keys and sums as aggregateDaily() in store/daily-aggregates.ts, from the re-rated calls: exactly the
    // (day, customer) keys left out above.
    await command(
      store,
      `INSERT INTO ${DAILY_STAGE} (day, customer_id, feature_id, provider, model, attempt_reason, calls, error_calls, unpriced_calls,
         input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, duration_us, customer_tier)
       SELECT toDate(start_time) AS agg_day, customer_id, feature_id, provider, request_model, attempt_reason,
              count(), countIf(status = 'error'), countIf(cost_usd IS NULL),
              sum(toUInt64(input_tokens)), sum(toUInt64(cache_read_tokens)), sum(toUInt64(cache_write_tokens)),
              sum(toUInt64(output_tokens)), sum(toUInt64(reasoning_tokens)),
              toDecimal128(ifNull(sum(cost_usd), 0), 12), sum(duration_us),
              argMaxIf(customer_tier, start_time, customer_tier != '')
       FROM pnl.llm_calls
       WHERE start_time >= toDateTime64({from:Date}, 6, 'UTC') AND start_time < toDateTime64({to:Date}, 6, 'UTC')
         AND ({customer:String} = '' OR customer_id = {customer:String})
       GROUP BY agg_day, customer_id, feature_id, provider, request_model, attempt_reason`,
      range,
      freshInsertSettings(),
    );
    await command(store, `ALTER TABLE pnl.llm_costs_daily REPLACE PARTITION ID '${partition}' FROM ${DAILY_STAGE}`);
  } finally {
    await command(store, `DROP TABLE IF EXISTS ${DAILY_STAGE}`);
  }
}

/** Renders the differences as a plain table (exact USD with 12 decimals in --json; 6 here). */
export function renderRepriceTable(result: RepriceResult): string {
  const usd = (p: PicoUsd): string => {
    const s = formatPicoUsd(p);
    const [w, f = ''] = s.split('.');
    return `${w}.${f.slice(0, 6)}`;
  };
  const head = ['customer', 'provider', 'model', 'calls', 'changed', 'newly priced', 'old cost', 'new cost', 'difference'];
  const body = result.differences.map((d) => [
    d.customerId, d.provider, d.model, String(d.calls), String(d.changedCalls), String(d.newlyPriced), usd(d.oldCost), usd(d.newCost),
    `${d.difference > 0n ? '+' : ''}${usd(d.difference)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const total = result.differences.reduce((s, d) => s + d.difference, 0n);
  return [
    line(head),
    ...body.map(line),
    `${result.dryRun ? 'dry run: nothing written. ' : ''}${result.calls} calls, ${result.changedCalls} priced differently, total difference ${total > 0n ? '+' : ''}${formatPicoUsd(total)} USD`,
    '',
  ].join('\n');
}
