import type { LlmCall } from './llm-call.js';

/**
 * Money is held as integer pico-dollars (1e-12 USD) in a bigint: exact for every catalog price
 * (per-million-token prices with up to six decimals) and summed without float error.
 */
export type PicoUsd = bigint;

/** Cost of one call by billed component. Reasoning is billed inside output. */
export interface CallCost {
  input: PicoUsd;
  cacheRead: PicoUsd;
  cacheWrite: PicoUsd;
  output: PicoUsd;
  /** Per-request fees (e.g. `requests_kcount` prices or fixed per-call overrides). */
  request: PicoUsd;
  total: PicoUsd;
}

/** Why a call has no price. */
export type UnpricedReason = 'unknown_model' | 'no_usage';

/** An LLM call after rating against the price book. */
export interface PricedCall {
  call: LlmCall;
  /** null when unpriced: an unknown model is never $0. */
  cost: CallCost | null;
  /** Identifies the exact price entry used, e.g. `catalog:openai/gpt-4o@2024-08-06` or `override:acme-discount#2`. '' when unpriced. */
  priceId: string;
  /** 'catalog' or 'override' ('' when unpriced). */
  priceSource: '' | 'catalog' | 'override';
  unpricedReason: '' | UnpricedReason;
}
