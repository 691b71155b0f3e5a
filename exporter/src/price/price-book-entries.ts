import type { CatalogModel } from './catalog-model.js';
import { candidateRanges } from './catalog-model.js';
import type { CompiledOverride } from './compiled-override.js';
import type { DecimalPrices, PriceSpec } from './price-spec.js';

/**
 * One row of the price book, shaped for the ClickHouse `pnl.price_book` table. Every `priceId` on a priced
 * call is one row's `entry_id`, or for a discount `<override entry_id>+<catalog entry_id>`.
 *
 * `prices` holds exact decimal strings under these keys (absent = not set by the entry):
 * `input_mtok`, `cache_read_mtok`, `cache_write_mtok`, `output_mtok`, `output_reasoning_mtok` (USD per million
 * tokens; unset cache prices bill at the input rate, unset reasoning bills as output), `per_call` (USD),
 * `discount_percent` (discount overrides), long-context tiers as `<key>>N` (e.g. `input_mtok>200000`: the price
 * when total input exceeds N tokens), `time_of_day` (daily UTC window, e.g. `01:00:00Z-04:00:00Z`),
 * `service_tier` (an override only for calls at that tier) and `notes` (precision and coverage remarks).
 */
export interface PriceBookEntry {
  entry_id: string;
  source: 'catalog' | 'override';
  provider: string;
  /** Catalog model id, or the override's model pattern (`*` = every model of the provider). */
  model: string;
  /** ISO 8601 UTC instant from which the entry can apply; null = since always. */
  effective_from: string | null;
  /** ISO 8601 UTC instant before which it applies; null = open-ended. */
  effective_to: string | null;
  prices: Record<string, string>;
  /** Catalog data the book was built from, e.g. `@pydantic/genai-prices@0.1.8`. */
  catalog_version: string;
}

const KEYS: [keyof DecimalPrices, string][] = [
  ['inputMtok', 'input_mtok'],
  ['cacheReadMtok', 'cache_read_mtok'],
  ['cacheWriteMtok', 'cache_write_mtok'],
  ['outputMtok', 'output_mtok'],
  ['outputReasoningMtok', 'output_reasoning_mtok'],
  ['perCallUsd', 'per_call'],
];

function priceMap(spec: PriceSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, key] of KEYS) {
    const v = spec.base[field];
    if (v !== undefined) out[key] = v;
  }
  for (const tier of spec.tiers) {
    for (const [field, key] of KEYS) {
      const v = tier.prices[field];
      if (v !== undefined && v !== spec.base[field]) out[`${key}>${tier.aboveInputTokens}`] = v;
    }
  }
  if (spec.notes.length > 0) out.notes = spec.notes.join('; ');
  return out;
}

function isoOrNull(us: number): string | null {
  return Number.isFinite(us) ? new Date(us / 1000).toISOString() : null;
}

/** Rows for every price entry of one catalog model that the catalog can select. */
export function catalogEntries(model: CatalogModel, catalogVersion: string): PriceBookEntry[] {
  const ranges = candidateRanges(model);
  const rows: PriceBookEntry[] = [];
  model.candidates.forEach((c, i) => {
    const range = ranges.get(i);
    if (range === undefined) return;
    const prices = priceMap(c.spec);
    if (c.constraint.kind === 'daily') prices.time_of_day = c.constraint.window.label;
    rows.push({
      entry_id: c.id,
      source: 'catalog',
      provider: model.providerId,
      model: model.modelId,
      effective_from: isoOrNull(range.fromUs),
      effective_to: isoOrNull(range.toUs),
      prices,
      catalog_version: catalogVersion,
    });
  });
  return rows;
}

/** The row of one override entry. */
export function overrideEntry(o: CompiledOverride, catalogVersion: string): PriceBookEntry {
  const prices = priceMap(o.spec);
  if (o.valid.discountPercent !== null) prices.discount_percent = o.valid.discountPercent;
  if (o.valid.serviceTier !== null) prices.service_tier = o.valid.serviceTier;
  return {
    entry_id: o.priceId,
    source: 'override',
    provider: o.valid.provider,
    model: o.valid.model,
    effective_from: isoOrNull(o.fromUs),
    effective_to: isoOrNull(o.toUs),
    prices,
    // A discount is relative to the catalog, so the catalog version is part of what the row means.
    catalog_version: catalogVersion,
  };
}
