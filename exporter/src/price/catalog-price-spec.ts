import type { ModelPrice } from '@pydantic/genai-prices';
import { fractionDigits, numberToPlainDecimal, scaleDecimal, unscaleToDecimal } from './money.js';
import type { DecimalPrices, DecimalTier, PriceSpec } from './price-spec.js';

/** Catalog price keys a call's token usage can be billed against, and where each lands in a {@link DecimalPrices}. */
const TOKEN_KEYS = {
  input_mtok: 'inputMtok',
  cache_read_mtok: 'cacheReadMtok',
  cache_write_mtok: 'cacheWriteMtok',
  output_mtok: 'outputMtok',
  output_reasoning_mtok: 'outputReasoningMtok',
} as const satisfies Record<string, keyof DecimalPrices>;

type TokenKey = keyof typeof TOKEN_KEYS;

function isTokenKey(key: string): key is TokenKey {
  return Object.hasOwn(TOKEN_KEYS, key);
}

interface Tiered {
  base: number;
  tiers: { start: number; price: number }[];
}

function isTiered(v: unknown): v is Tiered {
  return typeof v === 'object' && v !== null && 'base' in v && Array.isArray((v as Tiered).tiers);
}

/**
 * Exact decimal of a catalog number at `maxDigits` precision. The catalog stores prices as JS numbers; the
 * shortest round-trip string is the decimal its authors wrote, except for a handful of float artefacts
 * (`0.18000000000000002`) and true repeating decimals (`0.08333333333333334` = 1/12). Those are rounded
 * half-even to the precision we hold and the rounding is recorded in the entry's notes.
 */
function catalogDecimal(key: string, n: number, maxDigits: number, notes: string[]): string {
  const text = numberToPlainDecimal(n);
  if (fractionDigits(text) <= maxDigits) return text;
  const rounded = unscaleToDecimal(scaleDecimal(text, maxDigits).value, maxDigits);
  notes.push(`${key} ${text} rounded to ${rounded} (pico-dollar precision)`);
  return rounded;
}

/**
 * Turns one catalog `ModelPrice` into a {@link PriceSpec}. Tiered keys are merged onto one ascending list of
 * thresholds; at each threshold every key carries the price genai-prices would pick for an input count just
 * above it (its last tier whose start is at or below the threshold).
 */
export function catalogPriceSpec(price: ModelPrice): PriceSpec {
  const notes: string[] = [];
  const base: DecimalPrices = {};
  const tieredKeys: [TokenKey, Tiered][] = [];
  let billable = true;
  let unbilledKeys = 0;
  let billedKeys = 0;
  for (const [key, value] of Object.entries(price)) {
    if (value === undefined) continue;
    if (key === 'requests_kcount' && typeof value === 'number') {
      // USD per thousand requests; one call is one request. Pico per call = kcount × 10^9.
      const kcount = catalogDecimal(key, value, 9, notes);
      base.perCallUsd = unscaleToDecimal(scaleDecimal(kcount, 9).value, 12);
      billedKeys++;
    } else if (isTokenKey(key)) {
      billedKeys++;
      if (isTiered(value)) {
        base[TOKEN_KEYS[key]] = catalogDecimal(key, value.base, 6, notes);
        tieredKeys.push([key, value]);
      } else if (typeof value === 'number') {
        base[TOKEN_KEYS[key]] = catalogDecimal(key, value, 6, notes);
      }
    } else {
      unbilledKeys++;
    }
  }
  if (unbilledKeys > 0 && billedKeys === 0) {
    // e.g. audio-hour or document-page pricing: rating from token counts would claim $0, so refuse instead.
    billable = false;
    notes.push(`only prices units that token usage does not measure (${Object.keys(price).join(', ')})`);
  } else if (unbilledKeys > 0) {
    notes.push(`not billed from token usage: ${Object.keys(price).filter((k) => !isTokenKey(k) && k !== 'requests_kcount').join(', ')}`);
  } else if (billedKeys === 0) {
    notes.push('the catalog lists no price for this model (free)');
  }
  const tiers = mergeTiers(base, tieredKeys, notes);
  return { base, tiers, billable, notes: [...new Set(notes)] };
}

function mergeTiers(base: DecimalPrices, tieredKeys: [TokenKey, Tiered][], notes: string[]): DecimalTier[] {
  const starts = [...new Set(tieredKeys.flatMap(([, t]) => t.tiers.map((tier) => tier.start)))].sort((a, b) => a - b);
  return starts.map((start) => {
    const prices: DecimalPrices = { ...base };
    delete prices.perCallUsd;
    for (const [key, t] of tieredKeys) {
      let chosen = t.base;
      for (const tier of [...t.tiers].sort((a, b) => a.start - b.start)) if (tier.start <= start) chosen = tier.price;
      prices[TOKEN_KEYS[key]] = catalogDecimal(key, chosen, 6, notes);
    }
    return { aboveInputTokens: start, prices };
  });
}
