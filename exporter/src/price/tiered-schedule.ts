import type { CatalogModel } from './catalog-model.js';
import type { CompiledOverride } from './compiled-override.js';
import type { PriceSchedule } from './price-schedule.js';
import { buildSchedule, UNPRICED } from './price-schedule.js';

/**
 * The price schedules of one (provider, model) by service tier. Most models have no tier-specific override
 * and so a single schedule for every tier; only the tiers some override names get one of their own.
 */
export interface TieredSchedule {
  /** For calls at a tier no applicable override names: catalog and every-tier overrides. */
  readonly anyTier: PriceSchedule;
  /** For each tier an applicable override names: its entries first, then the every-tier ones. */
  readonly byTier: ReadonlyMap<string, PriceSchedule>;
}

const NO_TIERS: ReadonlyMap<string, PriceSchedule> = new Map();

/** Nothing prices the model at any tier. */
export const UNPRICED_TIERED: TieredSchedule = { anyTier: UNPRICED, byTier: NO_TIERS };

/**
 * Builds the schedules of a model. `overrides` must be sorted best first (`byPrecedence`, which puts
 * tier-specific entries ahead of the others), so filtering keeps each tier's list in precedence order.
 */
export function buildTieredSchedule(catalog: CatalogModel | null, overrides: readonly CompiledOverride[]): TieredSchedule {
  const everyTier = overrides.filter((o) => o.serviceTier === null);
  const anyTier = buildSchedule(catalog, everyTier);
  const tiers = new Set(overrides.flatMap((o) => (o.serviceTier === null ? [] : [o.serviceTier])));
  if (tiers.size === 0) return { anyTier, byTier: NO_TIERS };
  const byTier = new Map<string, PriceSchedule>();
  for (const tier of tiers) {
    byTier.set(tier, buildSchedule(catalog, overrides.filter((o) => o.serviceTier === null || o.serviceTier === tier)));
  }
  return { anyTier, byTier };
}

/** The schedule for calls billed at `tier` (already defaulted: '' is never passed). */
export function scheduleForTier(s: TieredSchedule, tier: string): PriceSchedule {
  return s.byTier.size === 0 ? s.anyTier : (s.byTier.get(tier) ?? s.anyTier);
}
