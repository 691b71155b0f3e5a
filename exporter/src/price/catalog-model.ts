import type { ModelInfo, ModelPrice, Provider } from '@pydantic/genai-prices';
import { catalogPriceSpec } from './catalog-price-spec.js';
import type { CompiledRate } from './compiled-rate.js';
import type { PriceSpec } from './price-spec.js';
import { compileSpec } from './price-spec.js';
import type { RateSelector } from './rate-selector.js';
import type { DailyWindow } from './time-of-day.js';
import { dailyWindow } from './time-of-day.js';

/** The constraint of one catalog price entry. */
export type CatalogConstraint =
  | { readonly kind: 'none' }
  | { readonly kind: 'from'; readonly date: string; readonly startUs: number }
  | { readonly kind: 'daily'; readonly window: DailyWindow };

/** One entry of a catalog model's price list, compiled. */
export interface CatalogCandidate {
  /** The price id: `catalog:<provider>/<model>`, plus `#from=<date>` or `#time=<start>-<end>` for constrained entries. */
  readonly id: string;
  readonly constraint: CatalogConstraint;
  readonly spec: PriceSpec;
  readonly rate: CompiledRate | null;
}

/** A catalog model with its whole price history, compiled once and shared by every call that resolves to it. */
export interface CatalogModel {
  readonly providerId: string;
  readonly modelId: string;
  /** In the catalog's own order, which the selection rule depends on. */
  readonly candidates: readonly CatalogCandidate[];
  /** Distinct `start_date` instants, ascending: the only times the selection can change (besides time of day). */
  readonly boundariesUs: readonly number[];
}

const compiled = new WeakMap<ModelInfo, CatalogModel>();

function constraintOf(c: unknown): CatalogConstraint {
  if (typeof c !== 'object' || c === null) return { kind: 'none' };
  const o = c as { type?: string; start_date?: string; start_time?: string; end_time?: string };
  if (o.start_date !== undefined && (o.type === undefined || o.type === 'start_date')) {
    // genai-prices compares `timestamp >= new Date(start_date)`; a date-only string is UTC midnight.
    return { kind: 'from', date: o.start_date, startUs: Date.parse(`${o.start_date}T00:00:00Z`) * 1000 };
  }
  if (o.start_time !== undefined && o.end_time !== undefined) {
    return { kind: 'daily', window: dailyWindow(o.start_time, o.end_time) };
  }
  throw new Error(`Unknown catalog price constraint: ${JSON.stringify(c)}`);
}

function suffix(c: CatalogConstraint): string {
  if (c.kind === 'from') return `#from=${c.date}`;
  if (c.kind === 'daily') return `#time=${c.window.label}`;
  return '';
}

/** Compiles (once per catalog model object) every price entry of a catalog model. */
export function compileCatalogModel(provider: Provider, model: ModelInfo): CatalogModel {
  const cached = compiled.get(model);
  if (cached !== undefined) return cached;
  const list: { constraint?: unknown; prices: ModelPrice }[] = Array.isArray(model.prices)
    ? model.prices
    : [{ prices: model.prices }];
  const base = `catalog:${provider.id}/${model.id}`;
  const candidates = list.map((entry): CatalogCandidate => {
    const constraint = constraintOf(entry.constraint);
    const id = base + suffix(constraint);
    const spec = catalogPriceSpec(entry.prices);
    return { id, constraint, spec, rate: compileSpec(spec, id, 'catalog') };
  });
  const boundariesUs = [
    ...new Set(candidates.flatMap((c) => (c.constraint.kind === 'from' ? [c.constraint.startUs] : []))),
  ].sort((a, b) => a - b);
  const result: CatalogModel = { providerId: provider.id, modelId: model.id, candidates, boundariesUs };
  compiled.set(model, result);
  return result;
}

/**
 * Which entries the catalog can choose for a call starting in the interval that begins at
 * `intervalStartUs` (no `start_date` boundary inside it), as indexes into `candidates`. This is genai-prices'
 * rule evaluated ahead of time: walk the list from the end; an unconstrained entry or a `start_date` already
 * reached wins; a `time_of_date` entry wins only inside its daily window, so it stays a runtime check; when
 * nothing wins, the first entry applies.
 */
function choiceAt(model: CatalogModel, intervalStartUs: number): { windows: number[]; otherwise: number } {
  const windows: number[] = [];
  for (let i = model.candidates.length - 1; i >= 0; i--) {
    const c = model.candidates[i]?.constraint;
    if (c === undefined || c.kind === 'none') return { windows, otherwise: i };
    if (c.kind === 'from') {
      if (intervalStartUs >= c.startUs) return { windows, otherwise: i };
    } else windows.push(i);
  }
  return { windows, otherwise: 0 };
}

/** The catalog's selector for calls starting in the interval that begins at `intervalStartUs`. */
export function catalogSelectorAt(model: CatalogModel, intervalStartUs: number): RateSelector {
  const { windows, otherwise } = choiceAt(model, intervalStartUs);
  const fallback = model.candidates[otherwise]?.rate ?? null;
  if (windows.length === 0) return fallback;
  return {
    windows: windows.map((i) => {
      const c = model.candidates[i] as CatalogCandidate & { constraint: { kind: 'daily' } };
      return { window: c.constraint.window, rate: c.rate };
    }),
    otherwise: fallback,
  };
}

/**
 * For each candidate (by index), the span of time in which the catalog may select it: from the start of the
 * first interval where it can apply to the end of the last. Unbounded ends are ±Infinity. Candidates the
 * catalog can never select (shadowed by a later entry) are absent.
 */
export function candidateRanges(model: CatalogModel): Map<number, { fromUs: number; toUs: number }> {
  const starts = [-Infinity, ...model.boundariesUs];
  const ranges = new Map<number, { fromUs: number; toUs: number }>();
  starts.forEach((start, k) => {
    const end = starts[k + 1] ?? Infinity;
    const { windows, otherwise } = choiceAt(model, start);
    for (const i of [...windows, otherwise]) {
      const r = ranges.get(i);
      if (r === undefined) ranges.set(i, { fromUs: start, toUs: end });
      else r.toUs = end;
    }
  });
  return ranges;
}
