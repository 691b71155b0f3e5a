/** The tiktoken encodings the check uses. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/** Which encoding estimates a model's tokens, and whether that encoding is the model's own. */
export interface TokenizerChoice {
  encoding: EncodingName;
  /** True for OpenAI models (also served by Azure): the estimate uses the model's own tokenizer. */
  exact: boolean;
}

/** OpenAI model families on o200k_base (GPT-4o, 4.1, 4.5, 5, the o-series, gpt-oss, codex). */
const O200K = /^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|gpt-oss|codex)/;
/** Older OpenAI families on cl100k_base. Checked after O200K, since `gpt-4o` also starts with `gpt-4`. */
const CL100K = /^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)/;
/** Canonical providers that serve OpenAI's models under their own names. */
const OPENAI_PROVIDERS: ReadonlySet<string> = new Set(['openai', 'azure']);

/**
 * The encoding for a model. OpenAI models (provider openai or azure, a known model family) get
 * their own encoding and an exact comparison. Everything else (Anthropic, Gemini, Llama,
 * Mistral, Azure deployments with custom names) is estimated with o200k_base, the closest
 * modern BPE, and marked approximate: those tokenizers differ by tens of percent.
 */
export function chooseTokenizer(provider: string, model: string): TokenizerChoice {
  const m = model.toLowerCase().replace(/^.*\//, '');
  if (O200K.test(m)) return { encoding: 'o200k_base', exact: OPENAI_PROVIDERS.has(provider) };
  if (CL100K.test(m)) return { encoding: 'cl100k_base', exact: OPENAI_PROVIDERS.has(provider) };
  return { encoding: 'o200k_base', exact: false };
}
