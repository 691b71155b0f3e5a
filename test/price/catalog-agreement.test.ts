import type { MatchLogic, ModelInfo, Provider } from '@pydantic/genai-prices';
import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import type { TokenUsage } from '../../exporter/src/model/llm-call.js';
import { compileCatalogModel } from '../../exporter/src/price/catalog-model.js';
import { createPriceBook } from '../../exporter/src/price/index.js';
import { llmCall } from './llm-call-fixture.js';

/*
 * Cross-check against genai-prices itself, for every model of the bundled catalog: our exact integer
 * totals must equal the library's float totals (to float precision), and our precompiled date/time-of-day
 * selection must pick the same price entry the library picks. This is what makes "same semantics as
 * genai-prices" (tiers, cache fallbacks, reasoning, request fees, dated prices) a tested claim.
 */

const providers = (await waitForUpdate()) ?? [];

/** Literal names a match rule mentions; the ones the library resolves back to the model are used. */
function namesIn(m: MatchLogic): string[] {
  if ('or' in m) return m.or.flatMap(namesIn);
  if ('and' in m) return m.and.flatMap(namesIn);
  if ('equals' in m) return [m.equals];
  if ('starts_with' in m) return [m.starts_with];
  if ('contains' in m) return [m.contains];
  if ('ends_with' in m) return [m.ends_with];
  return [];
}

function reachableName(provider: Provider, model: ModelInfo): string | undefined {
  return namesIn(model.match).find((name) => {
    try {
      return calcPrice({}, name, { providerId: provider.id })?.model === model;
    } catch {
      return false;
    }
  });
}

const usages: TokenUsage[] = [
  { inputReported: 0, inputUncached: 1_234, cacheRead: 567, cacheWrite: 89, output: 4_321, reasoning: 321 },
  { inputReported: 0, inputUncached: 250_000, cacheRead: 10_000, cacheWrite: 0, output: 3_000, reasoning: 0 },
  { inputReported: 0, inputUncached: 0, cacheRead: 0, cacheWrite: 0, output: 7, reasoning: 7 },
];

/** Instants around every dated boundary of the model, at several times of day (peak windows). */
function instants(model: ModelInfo): Date[] {
  const days = ['2024-01-15', '2026-06-01'];
  if (Array.isArray(model.prices)) {
    for (const p of model.prices) {
      const c = p.constraint as { start_date?: string } | undefined;
      if (c?.start_date !== undefined) {
        const t = Date.parse(`${c.start_date}T00:00:00Z`);
        days.push(new Date(t - 86_400_000).toISOString().slice(0, 10), c.start_date);
      }
    }
  }
  return days.flatMap((d) => ['00:00:00.000', '00:29:59.999', '02:00:00.000', '05:00:00.000', '07:30:00.000', '23:59:59.999'].map((t) => new Date(`${d}T${t}Z`)));
}

describe('agreement with genai-prices for the whole bundled catalog', () => {
  const book = createPriceBook();

  it('prices every reachable catalog model like genai-prices, and picks the same dated entry', () => {
    let compared = 0;
    let unreachable = 0;
    const mismatches: string[] = [];
    for (const provider of providers) {
      for (const model of provider.models) {
        const name = reachableName(provider, model);
        if (name === undefined) {
          unreachable++;
          continue;
        }
        const compiled = compileCatalogModel(provider, model);
        for (const at of instants(model)) {
          for (const u of usages) {
            const libUsage = {
              input_tokens: u.inputUncached + u.cacheRead + u.cacheWrite,
              cache_read_tokens: u.cacheRead,
              cache_write_tokens: u.cacheWrite,
              output_tokens: u.output,
              output_reasoning_tokens: u.reasoning,
            };
            let lib;
            try {
              lib = calcPrice(libUsage, name, { providerId: provider.id, timestamp: at });
            } catch {
              continue; // genai-prices rejects this usage shape for the model; nothing to compare.
            }
            if (lib === null) continue;
            const list = Array.isArray(model.prices) ? model.prices.map((p) => p.prices) : [model.prices];
            const chosen = compiled.candidates[list.indexOf(lib.model_price)];
            const ours = book.rate(llmCall(provider.id, name, u, { at: at.toISOString() }));
            if (chosen?.rate === null) {
              // Priced only in units tokens do not measure: we refuse rather than claim $0.
              if (ours.unpricedReason !== 'unknown_model') mismatches.push(`${provider.id}/${model.id}: expected unpriced`);
              continue;
            }
            compared++;
            if (ours.priceId !== chosen?.id) mismatches.push(`${provider.id}/${model.id} at ${at.toISOString()}: ${ours.priceId} vs ${chosen?.id}`);
            const total = Number(ours.cost?.total ?? -1n) / 1e12;
            const rounded = chosen?.spec.notes.some((n) => n.includes('rounded')) === true;
            const tokens = u.inputUncached + u.cacheRead + u.cacheWrite + u.output;
            // Float totals carry ~1e-16 relative error; entries rounded to pico precision differ by < 0.5 pico per token.
            const tolerance = Math.max(1e-12 * Math.abs(lib.total_price), 1e-15) + (rounded ? tokens * 0.5e-12 : 0);
            if (Math.abs(total - lib.total_price) > tolerance) {
              mismatches.push(`${provider.id}/${model.id} at ${at.toISOString()}: ${total} vs genai-prices ${lib.total_price}`);
            }
          }
        }
      }
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    // Most of the catalog is exercised; a regression in name derivation would show here.
    expect(compared).toBeGreaterThan(20_000);
    expect(unreachable).toBeLessThan(100);
  });
});
