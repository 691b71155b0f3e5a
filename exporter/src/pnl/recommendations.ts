import type { LlmCall, TokenUsage } from '../model/llm-call.js';
import { PICO_PER_USD, picoToUsdNumber, type PriceBook } from '../price/index.js';
import type { PnlStore } from '../store/pnl-store.js';
import { query } from '../store/query-files.js';

/**
 * A call is "small" when its whole input (uncached + cache read + cache write) is at most this many tokens.
 * Such prompts rarely need a flagship model's context or depth, and stay far below every long-context tier.
 */
export const SMALL_CALL_MAX_INPUT_TOKENS = 2_000;
/** ...and its output (reasoning included) at most this many tokens: short answers, classifications, extractions. */
export const SMALL_CALL_MAX_OUTPUT_TOKENS = 500;

/** One step down a provider's ladder: calls on a model matching `from` could run on `to`. */
export interface LadderStep {
  /** Canonical provider id, as stored in `llm_calls.provider`. */
  readonly provider: string;
  /** Requested model names this step applies to. */
  readonly from: RegExp;
  /** The cheaper model of the same provider, as the price catalog names it. */
  readonly to: string;
}

/** Optional dated suffix of OpenAI snapshots (`gpt-4o-2024-08-06`), so `gpt-4o` never matches `gpt-4o-mini`. */
const DATED = '(?:-\\d{4}-\\d{2}-\\d{2})?$';

/**
 * The cheaper model suggested for each expensive one: the same provider's smaller sibling of the same
 * generation, one step down. Each candidate must price in the price book at the calls' time, else the step is
 * not used; a step that does not lower the cost is not suggested.
 */
export const CHEAPER_MODEL_LADDER: readonly LadderStep[] = [
  { provider: 'openai', from: new RegExp(`^gpt-4o${DATED}`), to: 'gpt-4o-mini' },
  { provider: 'openai', from: new RegExp(`^gpt-4\\.1${DATED}`), to: 'gpt-4.1-mini' },
  { provider: 'openai', from: new RegExp(`^o3${DATED}`), to: 'o4-mini' },
  { provider: 'anthropic', from: /^claude-opus-4/, to: 'claude-sonnet-4-5' },
  { provider: 'anthropic', from: /^claude-sonnet-4/, to: 'claude-3-5-haiku-latest' },
  { provider: 'google', from: /^gemini-2\.5-pro/, to: 'gemini-2.5-flash' },
];

/** Summed tokens of a group of calls, by how they are billed (as stored in `pnl.llm_calls`). */
export interface GroupTokens {
  input: number;
  cacheRead: number;
  cacheWrite: number;
  /** Reasoning included. */
  output: number;
  reasoning: number;
}

/** Small calls of one customer × feature × provider × model that a cheaper model would have priced lower. */
export interface Recommendation {
  customer: string;
  feature: string;
  provider: string;
  model: string;
  candidateModel: string;
  /** The price entry that priced the candidate (`catalog:openai/gpt-4o-mini`, or an override). */
  candidatePriceId: string;
  calls: number;
  tokens: GroupTokens;
  /** What the calls cost as stored (exact sum of their prices). */
  currentCostUsd: number;
  /** The same calls and tokens at the candidate's prices. */
  candidateCostUsd: number;
  /** current − candidate for the period, computed in pico-dollars and converted once. */
  savingUsd: number;
  message: string;
}

type Count = number | string;

interface SmallCallGroupRow {
  customer: string;
  feature: string;
  provider_id: string;
  model_name: string;
  n_calls: Count;
  n_input: Count;
  n_cache_read: Count;
  n_cache_write: Count;
  n_output: Count;
  n_reasoning: Count;
  cost_usd_text: string;
  last_start_us: Count;
}

/** Pico-dollars per token of each billed kind, and per call, of one model at one instant. */
interface UnitRates {
  priceId: string;
  input: bigint;
  cacheRead: bigint;
  cacheWrite: bigint;
  output: bigint;
  reasoning: bigint;
  perCall: bigint;
}

/**
 * Savings from moving small calls (input ≤ {@link SMALL_CALL_MAX_INPUT_TOKENS}, output ≤
 * {@link SMALL_CALL_MAX_OUTPUT_TOKENS}) in the UTC days `[from, to)` to the next cheaper model of the same provider
 * ({@link CHEAPER_MODEL_LADDER}), per customer × feature × provider × requested model, largest saving first.
 * Assumes the cheaper model would use the same tokens. The candidate cost is exact: the price book rates
 * synthetic calls at the group's last call time, and the group's summed tokens are billed at those rates.
 */
export async function recommendSavings(store: PnlStore, priceBook: PriceBook, range: { from: string; to: string }): Promise<Recommendation[]> {
  const rows = await store.select<SmallCallGroupRow>(query('recommendation-small-calls'), {
    from: range.from,
    to: range.to,
    max_input: SMALL_CALL_MAX_INPUT_TOKENS,
    max_output: SMALL_CALL_MAX_OUTPUT_TOKENS,
  });
  const out: Recommendation[] = [];
  for (const row of rows) {
    const rec = recommendationFor(row, priceBook, range);
    if (rec !== null) out.push(rec);
  }
  return out.sort(
    (a, b) => b.savingUsd - a.savingUsd || cmp(a.customer, b.customer) || cmp(a.feature, b.feature) || cmp(a.provider, b.provider) || cmp(a.model, b.model),
  );
}

/** The ladder's candidate for a provider's model, or null when the model is not on the ladder. */
export function cheaperModel(provider: string, model: string): string | null {
  return CHEAPER_MODEL_LADDER.find((s) => s.provider === provider && s.from.test(model))?.to ?? null;
}

function recommendationFor(row: SmallCallGroupRow, priceBook: PriceBook, range: { from: string; to: string }): Recommendation | null {
  const candidate = cheaperModel(row.provider_id, row.model_name);
  if (candidate === null) return null;
  const rates = unitRates(priceBook, row.provider_id, candidate, Number(row.last_start_us));
  if (rates === null) return null;
  const calls = Number(row.n_calls);
  const tokens: GroupTokens = {
    input: Number(row.n_input),
    cacheRead: Number(row.n_cache_read),
    cacheWrite: Number(row.n_cache_write),
    output: Number(row.n_output),
    reasoning: Number(row.n_reasoning),
  };
  const currentPico = usdTextToPico(row.cost_usd_text);
  const candidatePico = groupCost(rates, calls, tokens);
  if (candidatePico >= currentPico) return null;
  const saving = picoToUsdNumber(currentPico - candidatePico);
  const current = picoToUsdNumber(currentPico);
  return {
    customer: row.customer,
    feature: row.feature,
    provider: row.provider_id,
    model: row.model_name,
    candidateModel: candidate,
    candidatePriceId: rates.priceId,
    calls,
    tokens,
    currentCostUsd: current,
    candidateCostUsd: picoToUsdNumber(candidatePico),
    savingUsd: saving,
    message:
      `${row.customer} / ${row.feature}: ${calls} small calls on ${row.provider_id} ${row.model_name} cost ${usd(current)} ` +
      `from ${range.from} to ${range.to} (exclusive); on ${candidate} they would cost ${usd(picoToUsdNumber(candidatePico))}, saving ${usd(saving)}.`,
  };
}

/**
 * Rates of `model` from 1-token synthetic calls. The group's tokens are not rated as one summed call on
 * purpose: the sum of many small calls can cross a long-context tier (e.g. > 200k input) that none of the
 * calls crossed, which would reprice every token, and a per-call fee is due once per call. Every rate is an
 * integer number of pico-dollars per token, so N tokens cost exactly N × the 1-token price.
 */
function unitRates(priceBook: PriceBook, provider: string, model: string, atUs: number): UnitRates | null {
  const plain = priceBook.rate(syntheticCall(provider, model, atUs, { inputUncached: 1, cacheRead: 1, cacheWrite: 1, output: 1 }));
  // Output made only of reasoning: its output component is the reasoning rate (the output rate when not priced apart).
  const reasoning = priceBook.rate(syntheticCall(provider, model, atUs, { output: 1, reasoning: 1 }));
  if (plain.cost === null || reasoning.cost === null) return null;
  const c = plain.cost;
  return { priceId: plain.priceId, input: c.input, cacheRead: c.cacheRead, cacheWrite: c.cacheWrite, output: c.output, reasoning: reasoning.cost.output, perCall: c.request };
}

/** Exact cost of `calls` calls with these summed tokens, each below every long-context threshold. */
function groupCost(r: UnitRates, calls: number, t: GroupTokens): bigint {
  // Reasoning above output is an emitter error; bill what output says, as the price book does.
  const reasoning = Math.min(t.reasoning, t.output);
  return (
    BigInt(calls) * r.perCall +
    BigInt(t.input) * r.input +
    BigInt(t.cacheRead) * r.cacheRead +
    BigInt(t.cacheWrite) * r.cacheWrite +
    BigInt(t.output - reasoning) * r.output +
    BigInt(reasoning) * r.reasoning
  );
}

/** A complete LlmCall that only the price book sees: a provider, a model, an instant and token counts. */
function syntheticCall(provider: string, model: string, atUs: number, usage: Partial<TokenUsage>): LlmCall {
  const u: TokenUsage = { inputReported: 0, inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 0, reasoning: 0, ...usage };
  u.inputReported = u.inputUncached + u.cacheRead + u.cacheWrite;
  return {
    customerId: '', customerTier: '', organizationId: '', productId: '', featureId: '', environment: '', taskType: '',
    sessionId: '', userId: '', runId: '', attempt: 0, attemptReason: '',
    traceId: '0'.repeat(32), spanId: '0'.repeat(16), parentSpanId: '',
    startTimeUs: atUs, durationUs: 0,
    provider, requestModel: model, responseModel: '', operation: 'chat', serviceTier: '', agentName: '',
    usage: u, inputIncludesCache: true, hasUsage: true, status: 'ok', errorType: '',
    convention: 'synthetic', scopeName: '', scopeVersion: '', serviceName: '', attributes: {},
  };
}

/** Exact pico-dollars of a non-negative ClickHouse Decimal(38, 12) rendered as text (`0.12`, `3`). */
function usdTextToPico(text: string): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  return BigInt(whole) * PICO_PER_USD + BigInt(fraction.padEnd(12, '0').slice(0, 12));
}

/** Dollars for a message: cents from $1 up, else six decimals so sub-cent LLM costs stay readable. */
function usd(amount: number): string {
  return `$${amount.toFixed(Math.abs(amount) >= 1 ? 2 : 6)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
