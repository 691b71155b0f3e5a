import type { ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import { divRoundHalfEven, numberToPlainDecimal, scaleDecimal, unscaleToDecimal } from './money.js';

/** One genai-prices catalog: its version label and its providers, as the package hands them out. */
export interface CatalogSnapshot {
  /** e.g. `@pydantic/genai-prices@0.1.8`, or the data file's name. */
  readonly version: string;
  readonly providers: readonly Provider[];
}

/**
 * One rate of a model as the catalog writes it, exact decimal text. `entry` names the price entry within the
 * model's price history with the suffix its price id carries ('' unconstrained, `#from=2025-06-10`,
 * `#time=01:00:00Z-04:00:00Z`); `key` is the catalog key, long-context tiers as `<key>>N` like
 * `PriceBook.entries()` (`input_mtok>200000`).
 */
export interface CatalogRate {
  entry: string;
  key: string;
  value: string;
}

/** A rate that differs between the two catalogs. */
export interface RateChange {
  entry: string;
  key: string;
  /** null: the rate is new in the newer catalog. */
  old: string | null;
  /** null: the newer catalog dropped the rate. */
  new: string | null;
  /** Signed change of the rate in percent, to 2 decimals (`-20`, `+12.5`); null when there was no old rate or it was 0. */
  percent: string | null;
}

/** A model present in only one of the catalogs, with its rates there. */
export interface ModelRates {
  model: string;
  rates: CatalogRate[];
}

/** What changed for one provider. */
export interface ProviderDiff {
  provider: string;
  added: ModelRates[];
  removed: ModelRates[];
  changed: { model: string; changes: RateChange[] }[];
  /** Models present in both catalogs with identical rates. */
  unchanged: number;
}

/** The difference between the catalog in use and a newer one, by provider (providers with no change are left out). */
export interface CatalogDiff {
  from: string;
  to: string;
  providers: ProviderDiff[];
  totals: { added: number; removed: number; changed: number; unchanged: number };
}

function decimalText(n: number): string {
  // Catalog numbers are the decimals their authors wrote; the shortest round-trip text recovers them exactly.
  return Number.isFinite(n) && n >= 0 ? numberToPlainDecimal(n) : String(n);
}

function entryLabel(constraint: unknown): string {
  if (typeof constraint !== 'object' || constraint === null) return '';
  const c = constraint as { start_date?: unknown; start_time?: unknown; end_time?: unknown };
  if (typeof c.start_date === 'string') return `#from=${c.start_date}`;
  if (typeof c.start_time === 'string' && typeof c.end_time === 'string') return `#time=${c.start_time}-${c.end_time}`;
  return `#${JSON.stringify(constraint)}`;
}

function flattenPrice(entry: string, price: ModelPrice, out: CatalogRate[]): void {
  for (const key of Object.keys(price).sort()) {
    const v: unknown = price[key];
    if (typeof v === 'number') out.push({ entry, key, value: decimalText(v) });
    else if (typeof v === 'object' && v !== null && 'base' in v && Array.isArray((v as { tiers?: unknown }).tiers)) {
      const t = v as { base: number; tiers: { start: number; price: number }[] };
      out.push({ entry, key, value: decimalText(t.base) });
      for (const tier of [...t.tiers].sort((a, b) => a.start - b.start)) out.push({ entry, key: `${key}>${tier.start}`, value: decimalText(tier.price) });
    } else if (v !== undefined) out.push({ entry, key, value: JSON.stringify(v) });
  }
}

/**
 * Every rate of a catalog model, in the catalog's entry order: all price keys (including units a call's token
 * usage does not bill, such as `web_searches_kcount`), so the diff shows whatever the catalog changed.
 */
export function modelRates(model: ModelInfo): CatalogRate[] {
  const out: CatalogRate[] = [];
  const list = Array.isArray(model.prices) ? model.prices : [{ prices: model.prices }];
  const seen = new Map<string, number>();
  for (const item of list as { constraint?: unknown; prices: ModelPrice }[]) {
    let entry = entryLabel(item.constraint);
    const n = seen.get(entry) ?? 0;
    seen.set(entry, n + 1);
    // Two entries with the same constraint would merge their rates; keep them apart by position.
    if (n > 0) entry = `${entry}#${n + 1}`;
    flattenPrice(entry, item.prices, out);
  }
  return out;
}

/** Signed percent change to 2 decimals, exact until that rounding (half-even). */
export function percentChange(oldValue: string, newValue: string): string | null {
  const scale = 20;
  const o = scaleDecimal(oldValue, scale).value;
  const n = scaleDecimal(newValue, scale).value;
  if (o === 0n) return null;
  const diff = n - o;
  const hundredths = divRoundHalfEven((diff < 0n ? -diff : diff) * 10_000n, o);
  if (hundredths === 0n) return '0';
  return `${diff < 0n ? '-' : '+'}${unscaleToDecimal(hundredths, 2)}`;
}

const rateId = (r: { entry: string; key: string }): string => `${r.entry}\u0000${r.key}`;

function compareRates(older: CatalogRate[], newer: CatalogRate[]): RateChange[] {
  const before = new Map(older.map((r) => [rateId(r), r]));
  const after = new Map(newer.map((r) => [rateId(r), r]));
  const changes: RateChange[] = [];
  for (const r of older) {
    const n = after.get(rateId(r));
    if (n === undefined) changes.push({ entry: r.entry, key: r.key, old: r.value, new: null, percent: null });
    else if (!sameValue(r.value, n.value)) changes.push({ entry: r.entry, key: r.key, old: r.value, new: n.value, percent: percentOrNull(r.value, n.value) });
  }
  for (const r of newer) {
    if (!before.has(rateId(r))) changes.push({ entry: r.entry, key: r.key, old: null, new: r.value, percent: null });
  }
  return changes;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;

function sameValue(a: string, b: string): boolean {
  if (a === b) return true;
  return DECIMAL.test(a) && DECIMAL.test(b) && scaleDecimal(a, 20).value === scaleDecimal(b, 20).value;
}

function percentOrNull(a: string, b: string): string | null {
  return DECIMAL.test(a) && DECIMAL.test(b) ? percentChange(a, b) : null;
}

function modelsById(provider: Provider | undefined): Map<string, ModelInfo> {
  return new Map((provider?.models ?? []).map((m) => [m.id, m]));
}

/**
 * Compares two catalogs model by model (by provider id and model id): models only in the newer one are
 * added, only in the older one removed, and models in both are changed when any rate differs (a rate
 * added, dropped or re-priced, in any dated or tiered entry) and unchanged otherwise.
 */
export function diffCatalogs(older: CatalogSnapshot, newer: CatalogSnapshot): CatalogDiff {
  const oldProviders = new Map(older.providers.map((p) => [p.id, p]));
  const newProviders = new Map(newer.providers.map((p) => [p.id, p]));
  const ids = [...new Set([...oldProviders.keys(), ...newProviders.keys()])].sort();
  const totals = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  const providers: ProviderDiff[] = [];
  for (const id of ids) {
    const before = modelsById(oldProviders.get(id));
    const after = modelsById(newProviders.get(id));
    const d: ProviderDiff = { provider: id, added: [], removed: [], changed: [], unchanged: 0 };
    for (const [modelId, m] of before) {
      const n = after.get(modelId);
      if (n === undefined) {
        d.removed.push({ model: modelId, rates: modelRates(m) });
        continue;
      }
      const changes = compareRates(modelRates(m), modelRates(n));
      if (changes.length === 0) d.unchanged++;
      else d.changed.push({ model: modelId, changes });
    }
    for (const [modelId, m] of after) if (!before.has(modelId)) d.added.push({ model: modelId, rates: modelRates(m) });
    totals.added += d.added.length;
    totals.removed += d.removed.length;
    totals.changed += d.changed.length;
    totals.unchanged += d.unchanged;
    if (d.added.length + d.removed.length + d.changed.length > 0) providers.push(d);
  }
  return { from: older.version, to: newer.version, providers, totals };
}
