/** Model names (lowercased) mapped to the name to match them as, from PNL_INVOICE_MODEL_ALIASES. */
export type ModelAliases = ReadonlyMap<string, string>;

const NO_ALIASES: ModelAliases = new Map();

/*
 * Snapshot suffixes that name a dated release of the same priced model: OpenAI's -2024-07-18,
 * Anthropic's -20250514 (and Vertex's @20250514), -latest aliases, and the MMDD snapshots of old
 * GPT models (gpt-4-0613, gpt-3.5-turbo-0125). Invoices and spans disagree on these all the time
 * (a request for gpt-4o-mini runs, and is billed, as gpt-4o-mini-2024-07-18).
 */
const SUFFIXES: readonly RegExp[] = [/-latest$/, /-\d{4}-\d{2}-\d{2}$/, /-\d{8}$/];
const GPT_MMDD = /^(gpt-.+)-\d{4}$/;

/**
 * The name a model is matched under when our rated costs meet an invoice. Both sides go through
 * it, so it only has to make the two spellings of one model equal:
 * 1. an alias from `aliases` (looked up by the trimmed, lowercased name) replaces the name;
 * 2. lowercase; spaces, underscores, dots and `@` become `-` ("Claude Sonnet 4.5" and
 *    "claude-sonnet-4-5" meet, as do "gpt-4.1" and "gpt-4-1");
 * 3. one snapshot suffix is dropped (-latest, -YYYY-MM-DD, -YYYYMMDD, or -MMDD on gpt-*).
 * E.g. "Claude Sonnet 4" and "claude-sonnet-4-20250514" are both `claude-sonnet-4`.
 */
export function modelKey(model: string, aliases: ModelAliases = NO_ALIASES): string {
  const named = aliases.get(model.trim().toLowerCase()) ?? model;
  let key = named
    .trim()
    .toLowerCase()
    .replace(/[\s_.@]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  for (const suffix of SUFFIXES) {
    if (suffix.test(key)) {
      key = key.replace(suffix, '');
      break;
    }
  }
  return key.replace(GPT_MMDD, '$1');
}

/**
 * Reads PNL_INVOICE_MODEL_ALIASES: a JSON object of model name to the name to match it as.
 * Returns undefined for text that is not such an object (the configuration check reports it).
 */
export function parseModelAliases(json: string | undefined): ModelAliases | undefined {
  if (json === undefined) return NO_ALIASES;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (!entries.every(([k, v]) => typeof v === 'string' && v.trim() !== '' && k.trim() !== '')) return undefined;
  return new Map(entries.map(([k, v]) => [k.trim().toLowerCase(), v as string]));
}
