import { z } from 'zod';
import { fractionDigits, isPlainDecimal, numberToPlainDecimal } from './money.js';

/**
 * One price override as written in the overrides file (and accepted by `createPriceBook`). Either fixed
 * prices (`input_mtok` and `output_mtok`, optionally cache prices and `per_call`) for models the catalog does
 * not price the way you pay (fine-tuned, self-hosted, negotiated), or `discount_percent` taken off the
 * catalog price. Decimals may be strings or numbers; strings are exact as written.
 */
export interface PriceOverride {
  /** Stable id recorded on every call priced with this entry (`override:<id>`). Derived from provider, model and dates when absent. */
  id?: string;
  /** Provider id as the call reports it or as the catalog names it (`openai`, `anthropic`, `my-vllm`). */
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
  /** Free text kept in the price book (contract reference, reason). */
  notes?: string;
}

/** An override after validation: decimals as exact plain strings, dates as instants. */
export interface ValidOverride {
  id: string;
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
  notes: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:@/*+-]*$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A decimal field with at most `maxDigits` fraction digits (the precision money is held at for that unit). */
function decimal(what: string, example: string, maxDigits: number, max?: string) {
  return z.union([z.string(), z.number()], { error: `must be a decimal ${what}, e.g. ${example}` }).transform((v, ctx) => {
    const text = typeof v === 'number' ? (Number.isFinite(v) && v >= 0 ? numberToPlainDecimal(v) : String(v)) : v.trim();
    if (!isPlainDecimal(text)) {
      ctx.addIssue({ code: 'custom', message: `must be a plain decimal ${what} such as ${example} (no sign, exponent or unit), got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    if (fractionDigits(text) > maxDigits) {
      ctx.addIssue({ code: 'custom', message: `has more than ${maxDigits} decimal places (${text}), finer than prices are held (1e-12 USD); round it to ${maxDigits} places` });
      return z.NEVER;
    }
    if (max !== undefined && Number(text) > Number(max)) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${max}, got ${text}` });
      return z.NEVER;
    }
    return text;
  });
}

const mtok = decimal('of USD per million tokens', '0.15', 6);

const instant = z.string({ error: 'must be an ISO date like 2025-01-31 or a date-time like 2025-01-31T12:00:00Z' }).transform((v, ctx) => {
  const text = v.trim();
  const date = ISO_DATE.exec(text) ?? ISO_DATE_TIME.exec(text);
  const ms = ISO_DATE.test(text) ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  // Date.parse rolls 2025-02-30 over to March; compare the calendar date back to reject it.
  const [, y, m, d] = date ?? [];
  const sameDay = date !== null && new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).toISOString().startsWith(`${y}-${m}-${d}`);
  if (date === null || Number.isNaN(ms) || !sameDay) {
    ctx.addIssue({ code: 'custom', message: `must be an ISO date like 2025-01-31 (UTC midnight) or a date-time with zone like 2025-01-31T12:00:00Z, got ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return { text, us: ms * 1000 };
});

/** Schema of one override entry; cross-field rules are checked after the field types. */
export const overrideEntrySchema = z
  .strictObject(
    {
      id: z.string({ error: 'must be a string' }).regex(ID, 'must start with a letter or digit and use only letters, digits and . _ : @ / * + -').optional(),
      provider: z.string({ error: 'is required: the provider id as text, e.g. openai' }).trim().min(1, 'must not be empty').transform((s) => s.toLowerCase()),
      model: z.string({ error: 'must be a model name or pattern, e.g. gpt-4o-mini or ft:gpt-4o-mini:acme:*' }).trim().min(1, 'must not be empty').optional(),
      effective_from: instant.optional(),
      effective_to: instant.optional(),
      input_mtok: mtok.optional(),
      output_mtok: mtok.optional(),
      cache_read_mtok: mtok.optional(),
      cache_write_mtok: mtok.optional(),
      per_call: decimal('of USD per call', '0.0004', 12).optional(),
      discount_percent: decimal('percentage', '12.5', 4, '100').optional(),
      notes: z.string({ error: 'must be text' }).optional(),
    },
    { error: (issue) => (issue.code === 'unrecognized_keys' ? `has unknown key(s) ${issue.keys.join(', ')}: check the spelling against docs/pricing.md` : 'must be a mapping of override fields') },
  )
  .superRefine(
    (e, ctx) => {
      // Runs even when some fields failed (see `when`), so a value may still be its raw input here.
      const fixed = (['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'per_call'] as const).filter((k) => e[k] !== undefined);
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

/** The id an entry gets when it does not name one: provider, model and start date, stable while those stay. */
export function deriveOverrideId(e: ParsedOverrideEntry): string {
  const model = (e.model ?? '*').toLowerCase();
  return `${e.provider}/${model}${e.effective_from === undefined ? '' : `@${e.effective_from.text}`}`;
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
    notes: e.notes ?? '',
  };
}
