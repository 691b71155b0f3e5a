import type { LlmCall } from '../model/llm-call.js';
import { billedServiceTier } from '../model/service-tier.js';
import { canonicalProvider } from '../normalize/canonical-provider.js';
import type { PricedCall, UnpricedReason } from '../model/priced-call.js';
import { catalogProviders, catalogVersion, findCatalogModel } from './catalog-lookup.js';
import type { CatalogModel } from './catalog-model.js';
import { compileCatalogModel } from './catalog-model.js';
import type { CompiledOverride } from './compiled-override.js';
import { byPrecedence, compileOverrides } from './compiled-override.js';
import type { PriceOverride, ValidOverride } from './override-schema.js';
import { validateOverrides } from './overrides-file.js';
import type { PriceBookEntry } from './price-book-entries.js';
import { catalogEntries, overrideEntry } from './price-book-entries.js';
import type { TieredSchedule } from './tiered-schedule.js';
import { buildTieredSchedule, scheduleForTier, UNPRICED_TIERED } from './tiered-schedule.js';
import { rateAt } from './price-schedule.js';
import { costOf, isBillableUsage } from './rate-call.js';

/** Rates LLM calls against the catalog and the organisation's overrides. */
export interface PriceBook {
  /** Version of the catalog data in use, e.g. `@pydantic/genai-prices@0.1.8`. */
  readonly catalogVersion: string;
  /**
   * Prices one call at its start time and service tier. Never throws and never returns $0 for a model it cannot price:
   * an unknown model gives `cost: null` with `unpricedReason: 'unknown_model'`, a call without token counts
   * `cost: null` with `'no_usage'`.
   */
  rate(call: LlmCall): PricedCall;
  /** Every price entry the book can apply: all catalog entries, then the overrides in file order. */
  entries(): PriceBookEntry[];
}

/** Distinct (provider, model names) kept resolved; model names come from spans, so the cache is bounded. */
const MAX_CACHED_SCHEDULES = 50_000;

class DefaultPriceBook implements PriceBook {
  readonly catalogVersion = catalogVersion();
  /** Best first, so the first override in effect wins. */
  readonly #overrides: readonly CompiledOverride[];
  /** provider → response model → request model → schedule: nested maps avoid building a key string per call. */
  readonly #cache = new Map<string, Map<string, Map<string, TieredSchedule>>>();
  #cached = 0;
  #entries: PriceBookEntry[] | undefined;

  constructor(overrides: readonly ValidOverride[]) {
    this.#overrides = compileOverrides(overrides).sort(byPrecedence);
  }

  rate(call: LlmCall): PricedCall {
    if (!call.hasUsage || !isBillableUsage(call.usage)) return unpriced(call, 'no_usage');
    const schedules = this.#schedule(call.provider, call.responseModel, call.requestModel);
    const rate = rateAt(scheduleForTier(schedules, billedServiceTier(call.serviceTier)), call.startTimeUs);
    if (rate === null) return unpriced(call, 'unknown_model');
    return { call, cost: costOf(rate, call.usage), priceId: rate.id, priceSource: rate.source, unpricedReason: '' };
  }

  entries(): PriceBookEntry[] {
    if (this.#entries === undefined) {
      const rows: PriceBookEntry[] = [];
      for (const provider of catalogProviders()) {
        for (const model of provider.models) rows.push(...catalogEntries(compileCatalogModel(provider, model), this.catalogVersion));
      }
      const inFileOrder = [...this.#overrides].sort((a, b) => a.index - b.index);
      for (const o of inFileOrder) rows.push(overrideEntry(o, this.catalogVersion));
      this.#entries = rows;
    }
    // Copies: callers may annotate rows without corrupting the memoised list.
    return this.#entries.map((e) => ({ ...e, prices: { ...e.prices } }));
  }

  #schedule(provider: string, responseModel: string, requestModel: string): TieredSchedule {
    const byResponse = this.#cache.get(provider);
    const schedule = byResponse?.get(responseModel)?.get(requestModel);
    if (schedule !== undefined) return schedule;
    if (this.#cached >= MAX_CACHED_SCHEDULES) {
      // A flood of distinct model names: start over rather than grow without bound. Resolution is pure.
      this.#cache.clear();
      this.#cached = 0;
    }
    const resolved = this.#resolve(provider, responseModel, requestModel);
    let r = this.#cache.get(provider);
    if (r === undefined) this.#cache.set(provider, (r = new Map()));
    let q = r.get(responseModel);
    if (q === undefined) r.set(responseModel, (q = new Map()));
    q.set(requestModel, resolved);
    this.#cached++;
    return resolved;
  }

  /** The response model (what actually ran, often dated) is tried before the requested alias. */
  #resolve(provider: string, responseModel: string, requestModel: string): TieredSchedule {
    const names = [...new Set([responseModel.trim(), requestModel.trim()].filter((n) => n !== ''))];
    if (names.length === 0) return UNPRICED_TIERED;
    // Stored calls already carry the canonical id; a provider given any other way (prices show, tests) is read
    // the same way, so it is priced as ingest would price it and matched like the overrides' own providers.
    const own = canonicalProvider(provider);
    const match = findCatalogModel(own, names);
    const catalog: CatalogModel | null = match === null ? null : compileCatalogModel(match.provider, match.model);
    // Overrides match the call's own provider (or the catalog's id for it), never the owner of a fallback list:
    // an OpenAI contract does not price Azure calls, though the catalog prices them from OpenAI's list. The
    // model may be named by either reported name or by the catalog model id.
    const providers = new Set([own, match?.callProviderId ?? own]);
    const models = [...names.map((n) => n.toLowerCase()), ...(catalog === null ? [] : [catalog.modelId.toLowerCase()])];
    const applicable = this.#overrides.filter((o) => providers.has(o.valid.provider) && models.some((m) => o.pattern.matches(m)));
    if (catalog === null && applicable.length === 0) return UNPRICED_TIERED;
    return buildTieredSchedule(catalog, applicable);
  }
}

function unpriced(call: LlmCall, reason: UnpricedReason): PricedCall {
  return { call, cost: null, priceId: '', priceSource: '', unpricedReason: reason };
}

/**
 * A price book over the bundled catalog and the given overrides, validated like the overrides file.
 * Throws {@link PriceBookError} listing every problem. Mostly for tests and for overrides held elsewhere.
 */
export function createPriceBook(overrides: readonly PriceOverride[] = []): PriceBook {
  return new DefaultPriceBook(validateOverrides(overrides));
}

/** A price book over already validated overrides (used by `loadPriceBook`). */
export function priceBookFromValidOverrides(overrides: readonly ValidOverride[]): PriceBook {
  return new DefaultPriceBook(overrides);
}
