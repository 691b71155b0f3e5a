import { z } from 'zod';
import { mtok, tokenThreshold } from './override-fields.js';

/** One long-context tier of a fixed-price override, as written (`long_context:` in the overrides file). */
export interface LongContextTierInput {
  /** The tier applies when a call's total input tokens (uncached + cache read + cache write) exceed this. */
  above_input_tokens: string | number;
  /** USD per million tokens for the whole call once above the threshold; an absent rate keeps the entry's own. */
  input_mtok?: string | number;
  output_mtok?: string | number;
  cache_read_mtok?: string | number;
  cache_write_mtok?: string | number;
}

/** Token rates a tier may set, as exact decimal text. */
export interface LongContextPrices {
  inputMtok?: string;
  outputMtok?: string;
  cacheReadMtok?: string;
  cacheWriteMtok?: string;
}

/** A validated long-context tier. */
export interface ValidLongContextTier {
  aboveInputTokens: number;
  /** Only the rates the tier sets; the others are the entry's base rates (as in the catalog). */
  prices: LongContextPrices;
}

const RATE_KEYS = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok'] as const;

const EXAMPLE = '{ above_input_tokens: 200000, input_mtok: 2.5, output_mtok: 15 }';

const tierSchema = z
  .strictObject(
    {
      above_input_tokens: tokenThreshold,
      input_mtok: mtok.optional(),
      output_mtok: mtok.optional(),
      cache_read_mtok: mtok.optional(),
      cache_write_mtok: mtok.optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has unknown key(s) ${issue.keys.join(', ')}: a long-context tier takes above_input_tokens and any of ${RATE_KEYS.join(', ')} (per_call is per entry, not per tier)`
          : `must be a mapping like ${EXAMPLE}`,
    },
  )
  .superRefine(
    (t, ctx) => {
      if (RATE_KEYS.every((k) => t[k] === undefined)) {
        ctx.addIssue({ code: 'custom', message: `sets no price: give at least one of ${RATE_KEYS.join(', ')} for calls above the threshold, e.g. ${EXAMPLE}` });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null && !Array.isArray(payload.value) },
  );

type ParsedTier = z.output<typeof tierSchema>;

function toValid(t: ParsedTier): ValidLongContextTier {
  const prices: LongContextPrices = {};
  if (t.input_mtok !== undefined) prices.inputMtok = t.input_mtok;
  if (t.output_mtok !== undefined) prices.outputMtok = t.output_mtok;
  if (t.cache_read_mtok !== undefined) prices.cacheReadMtok = t.cache_read_mtok;
  if (t.cache_write_mtok !== undefined) prices.cacheWriteMtok = t.cache_write_mtok;
  return { aboveInputTokens: t.above_input_tokens, prices };
}

/**
 * `long_context:` of an override entry: one tier as a mapping, or several as a list. Tiers are returned by
 * ascending threshold whatever order they were written in; two tiers with the same threshold are an error,
 * since nothing could choose between them. Issues carry the path inside `long_context`, so a problem is
 * reported at the exact key and line.
 */
export const longContextSchema = z.unknown().transform((value, ctx): ValidLongContextTier[] => {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    ctx.addIssue({ code: 'custom', message: `must be a tier such as ${EXAMPLE}, or a list of them; remove the key for no long-context prices` });
    return z.NEVER;
  }
  const tiers: ValidLongContextTier[] = [];
  list.forEach((raw, i) => {
    const result = tierSchema.safeParse(raw);
    const at = Array.isArray(value) ? [i] : [];
    if (result.success) tiers.push(toValid(result.data));
    else for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...at, ...issue.path] });
  });
  if (tiers.length < list.length) return z.NEVER;
  tiers.sort((a, b) => a.aboveInputTokens - b.aboveInputTokens);
  for (let i = 1; i < tiers.length; i++) {
    const n = tiers[i]?.aboveInputTokens;
    if (n === tiers[i - 1]?.aboveInputTokens) {
      ctx.addIssue({ code: 'custom', message: `has two tiers above ${n} input tokens; give each tier its own above_input_tokens or merge them` });
      return z.NEVER;
    }
  }
  return tiers;
});
