import { z } from 'zod';
import { canonicalProvider } from '../normalize/canonical-provider.js';
import type { PricedServiceTier } from '../model/service-tier.js';
import { isPricedServiceTier, PRICED_SERVICE_TIERS } from '../model/service-tier.js';
import { decimal, instant, mtok } from './override-fields.js';
import type { LongContextTierInput, ValidLongContextTier } from './override-long-context.js';
import { longContextSchema } from './override-long-context.js';

/**
 * One price override as written in the overrides file (and accepted by `createPriceBook`). Either fixed
 * prices (`input_mtok` and `output_mtok`, optionally cache prices and `per_call`) for models the catalog does
 * not price the way you pay (fine-tuned, self-hosted, negotiated), or `discount_percent` taken off the
 * catalog price. Decimals may be strings or numbers; strings are exact as written.
 */
export interface PriceOverride {
  /** Stable id recorded on every call priced with this entry (`override:<id>`). Derived from provider, model and dates when absent. */
  id?: string;
  /**
   * Provider as spans report it or as the catalog names it (`openai`, `aws.bedrock`, `azure_openai`, `my-vllm`). Read
   * into the catalog id the way ingest reads a span's provider, so `aws.bedrock` and `aws` name the same calls.
   */
  provider: string;
  /** Exact model name, a pattern with `*`, or absent / `*` for every model of the provider. */
  model?: string;
  /** ISO date (UTC midnight) or date-time with zone; the entry applies to calls starting at or after it. */
  effective_from?: string;
  /** ISO date or date-time; the entry applies to calls starting before it. */
  effective_to?: string;
  /** USD per million uncached input tokens. */
  input_mtok?: string | number;
  /** USD per million output tokens, reasoning included. */
  output_mtok?: string | number;
  /** USD per million cache-read tokens; defaults to `input_mtok`. */
  cache_read_mtok?: string | number;
  /** USD per million cache-write tokens; defaults to `input_mtok`. */
  cache_write_mtok?: string | number;
  /** USD per call, on top of token prices. */
  per_call?: string | number;
  /** Percent off the catalog price (all of its rates), e.g. 12.5. */
  discount_percent?: string | number;
  /**
   * Only calls served at this tier (`default`, `batch`, `priority`, `flex`); absent = every tier. A call that
   * reports no tier is a `default` call.
   */
  service_tier?: string;
  /**
   * Fixed prices only: the rates for calls whose total input exceeds a threshold, for the whole call (one
   * tier, or a list of tiers), as genai-prices applies the catalog's long-context tiers.
   */
  long_context?: LongContextTierInput | LongContextTierInput[];
  /** Free text kept in the price book (contract reference, reason). */
  notes?: string;
}

/** An override after validation: decimals as exact plain strings, dates as instants. */
export interface ValidOverride {
  id: string;
  /** The catalog provider id (`canonicalProvider`): what a stored call's provider is compared with. */
  provider: string;
  model: string;
  effectiveFrom: { text: string; us: number } | null;
  effectiveTo: { text: string; us: number } | null;
  prices: {
    inputMtok?: string;
    outputMtok?: string;
    cacheReadMtok?: string;
    cacheWriteMtok?: string;
    perCallUsd?: string;
  };
  discountPercent: string | null;
  /** Only calls billed at this tier; null = every tier. */
  serviceTier: PricedServiceTier | null;
  /** Long-context tiers of fixed prices, by ascending threshold ([] for none). */
  longContext: ValidLongContextTier[];
  notes: string;
}

/*
 * No '+': a discount's price_id is `override:<id>+<catalog entry id>`, and readers split it there to find the
 * two price book entries.
 */
const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/*-]*$/;

const id = z.string({ error: 'must be a string' }).superRefine((v, ctx) => {
  if (v.includes('+')) {
    const suggestion = v.replace(/\+/g, '-');
    ctx.addIssue({
      code: 'custom',
      message: `must not contain '+', which joins a discount's id to the catalog entry's in a price_id (override:<id>+catalog:...); use another separator, e.g. ${suggestion}`,
    });
  } else if (!ID.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'must start with a letter or digit and use only letters, digits and . _ : @ / * -' });
  }
});

const serviceTier = z
  .string({ error: `must be one of ${PRICED_SERVICE_TIERS.join(', ')}` })
  .transform((v, ctx) => {
    const tier = v.trim().toLowerCase();
    if (!isPricedServiceTier(tier)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be one of ${PRICED_SERVICE_TIERS.join(', ')} (the tier that served the call: openai.response.service_tier or pnl.service_tier), got ${JSON.stringify(v)}`,
      });
      return z.NEVER;
    }
    return tier;
  });

/** Schema of one override entry; cross-field rules are checked after the field types. */
export const overrideEntrySchema = z
  .strictObject(
    {
      id: id.optional(),
      // Ingest rewrites span providers to catalog ids before pricing (aws.bedrock -> aws, azure_openai -> azure);
      // an entry kept as written would never match a stored call.
      provider: z.string({ error: 'is required: the provider id as text, e.g. openai' }).trim().min(1, 'must not be empty').transform((s) => canonicalProvider(s)),
      model: z.string({ error: 'must be a model name or pattern, e.g. gpt-4o-mini or ft:gpt-4o-mini:acme:*' }).trim().min(1, 'must not be empty').optional(),
      effective_from: instant.optional(),
      effective_to: instant.optional(),
      input_mtok: mtok.optional(),
      output_mtok: mtok.optional(),
      cache_read_mtok: mtok.optional(),
      cache_write_mtok: mtok.optional(),
      per_call: decimal('of USD per call', '0.0004', 12).optional(),
      discount_percent: decimal('percentage', '12.5', 4, '100').optional(),
      service_tier: serviceTier.optional(),
      long_context: longContextSchema.optional(),
      notes: z.string({ error: 'must be text' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `has unknown key(s) ${issue.keys.join(', ')}: check the spelling against docs/pricing.md` : 'must be a mapping of override fields') },
  )
  .superRefine(
    (e, ctx) => {
      // Runs even when some fields failed (see `when`), so a value may still be its raw input here.
      const fixed = (['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'per_call'] as const).filter((k) => e[k] !== undefined);
      if (e.discount_percent !== undefined && e.long_context !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['long_context'],
          message: "sets prices, so it needs fixed prices (input_mtok, output_mtok) instead of discount_percent; a discount already applies to the catalog's own long-context tiers",
        });
      }
      if (e.discount_percent !== undefined && fixed.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['discount_percent'], message: `cannot be combined with fixed prices (${fixed.join(', ')}): write a discount or fixed prices, not both` });
      } else if (e.discount_percent === undefined) {
        for (const k of ['input_mtok', 'output_mtok'] as const) {
          if (e[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required for fixed prices (write 0 if free), or use discount_percent instead' });
        }
      }
      const from: unknown = e.effective_from;
      const to: unknown = e.effective_to;
      if (isInstant(from) && isInstant(to) && to.us <= from.us) {
        ctx.addIssue({ code: 'custom', path: ['effective_to'], message: `must be after effective_from (${from.text}); the entry applies to calls in [from, to)` });
      }
    },
    // Report cross-field problems together with field problems, as long as the entry is a mapping at all.
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  );

function isInstant(v: unknown): v is { text: string; us: number } {
  return typeof v === 'object' && v !== null && typeof (v as { us?: unknown }).us === 'number';
}

/** Parsed form of one entry, before ids are derived. */
export type ParsedOverrideEntry = z.output<typeof overrideEntrySchema>;

/**
 * The id an entry gets when it does not name one: provider, model, start date and service tier, stable while
 * those stay. The tier is a `#tier=` suffix, in the style of catalog constraint suffixes (`#from=`).
 */
export function deriveOverrideId(e: ParsedOverrideEntry): string {
  const model = (e.model ?? '*').toLowerCase();
  const from = e.effective_from === undefined ? '' : `@${e.effective_from.text}`;
  return `${e.provider}/${model}${from}${e.service_tier === undefined ? '' : `#tier=${e.service_tier}`}`;
}

/** Converts a parsed entry to its validated form. */
export function toValidOverride(e: ParsedOverrideEntry): ValidOverride {
  const prices: ValidOverride['prices'] = {};
  if (e.input_mtok !== undefined) prices.inputMtok = e.input_mtok;
  if (e.output_mtok !== undefined) prices.outputMtok = e.output_mtok;
  if (e.cache_read_mtok !== undefined) prices.cacheReadMtok = e.cache_read_mtok;
  if (e.cache_write_mtok !== undefined) prices.cacheWriteMtok = e.cache_write_mtok;
  if (e.per_call !== undefined) prices.perCallUsd = e.per_call;
  return {
    id: e.id ?? deriveOverrideId(e),
    provider: e.provider,
    model: (e.model ?? '*').toLowerCase(),
    effectiveFrom: e.effective_from ?? null,
    effectiveTo: e.effective_to ?? null,
    prices,
    discountPercent: e.discount_percent ?? null,
    serviceTier: e.service_tier ?? null,
    longContext: e.long_context ?? [],
    notes: e.notes ?? '',
  };
}
