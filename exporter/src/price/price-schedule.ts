import type { CatalogModel } from './catalog-model.js';
import { catalogSelectorAt } from './catalog-model.js';
import type { CompiledOverride } from './compiled-override.js';
import type { CompiledRate } from './compiled-rate.js';
import type { RateSelector } from './rate-selector.js';
import { mapSelector, pickFromSelector } from './rate-selector.js';

/**
 * Everything needed to price one (provider, model) at any time: consecutive effective-date intervals, each
 * with what applies in it. Built once per distinct (provider, model names) and cached by the price book,
 * so rating a call is a lookup, a date comparison and the arithmetic.
 */
export interface PriceSchedule {
  /** Interval starts in microseconds since the epoch, ascending; the first is -Infinity. */
  readonly startsUs: readonly number[];
  /** `selectors[i]` applies from `startsUs[i]` up to `startsUs[i + 1]`. */
  readonly selectors: readonly RateSelector[];
}

/** The schedule of a model nobody prices: every call is unpriced. */
export const UNPRICED: PriceSchedule = { startsUs: [-Infinity], selectors: [null] };

/**
 * Merges the catalog's price history with the overrides that match the call's provider and model.
 * `overrides` must be sorted best first ({@link byPrecedence}). In each interval the first override in
 * effect wins; a discount only counts where the catalog has a price to discount.
 */
export function buildSchedule(catalog: CatalogModel | null, overrides: readonly CompiledOverride[]): PriceSchedule {
  const bounds = new Set<number>(catalog?.boundariesUs ?? []);
  for (const o of overrides) {
    if (Number.isFinite(o.fromUs)) bounds.add(o.fromUs);
    if (Number.isFinite(o.toUs)) bounds.add(o.toUs);
  }
  const starts = [-Infinity, ...[...bounds].sort((a, b) => a - b)];
  const startsUs: number[] = [];
  const selectors: RateSelector[] = [];
  for (const start of starts) {
    const fromCatalog = catalog === null ? null : catalogSelectorAt(catalog, start);
    const winner = overrides.find((o) => o.fromUs <= start && start < o.toUs && (o.fixed !== null || fromCatalog !== null));
    let selector: RateSelector = fromCatalog;
    if (winner?.fixed != null) selector = winner.fixed;
    else if (winner !== undefined) selector = mapSelector(fromCatalog, (r) => winner.discounted(r));
    // Adjacent intervals with the same outcome collapse, so most models have a single interval.
    if (selectors.length > 0 && sameSelector(selectors[selectors.length - 1] ?? null, selector)) continue;
    startsUs.push(start);
    selectors.push(selector);
  }
  return { startsUs, selectors };
}

function sameSelector(a: RateSelector, b: RateSelector): boolean {
  if (a === b) return true;
  if (a === null || b === null || !('windows' in a) || !('windows' in b)) return false;
  return (
    a.otherwise === b.otherwise &&
    a.windows.length === b.windows.length &&
    a.windows.every((w, i) => w.rate === b.windows[i]?.rate && w.window === b.windows[i]?.window)
  );
}

/** The rate in effect at `timeUs`, or null when nothing prices the call then. */
export function rateAt(schedule: PriceSchedule, timeUs: number): CompiledRate | null {
  const { startsUs, selectors } = schedule;
  let i = startsUs.length - 1;
  // Price histories are short (a few entries); a backwards scan beats a binary search at this size.
  while (i > 0 && !(timeUs >= (startsUs[i] as number))) i--;
  return pickFromSelector(selectors[i] ?? null, timeUs);
}
