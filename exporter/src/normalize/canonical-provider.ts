/*
 * Provider values seen in the wild, lowercased, mapped to the provider ids of the price
 * catalog (`@pydantic/genai-prices`: openai, anthropic, aws, azure, google, x-ai, mistral,
 * groq, deepseek, cohere, ...). Old and new OTel values (`vertex_ai` / `gcp.vertex_ai`,
 * `xai` / `x_ai`, `az.ai.*` / `azure.ai.*`), OpenLLMetry's capitalised ones ("OpenAI",
 * "AWS"), OpenInference's (`mistralai`, `vertexai`) and OpenLIT's land here.
 * Vertex and Gemini both price under `google`; Azure OpenAI under `azure` (the catalog falls
 * back to OpenAI's models there).
 */
const EXACT: ReadonlyMap<string, string> = new Map([
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['aws', 'aws'],
  ['aws.bedrock', 'aws'],
  ['aws_bedrock', 'aws'],
  ['bedrock', 'aws'],
  ['amazon-bedrock', 'aws'],
  ['amazon_bedrock', 'aws'],
  ['azure', 'azure'],
  ['azure_ai', 'azure'],
  ['azure_openai', 'azure'],
  ['azureopenai', 'azure'],
  ['google', 'google'],
  ['gemini', 'google'],
  ['vertex', 'google'],
  ['vertexai', 'google'],
  ['vertex_ai', 'google'],
  ['google_ai_studio', 'google'],
  ['google_genai', 'google'],
  ['x_ai', 'x-ai'],
  ['xai', 'x-ai'],
  ['x-ai', 'x-ai'],
  ['mistral', 'mistral'],
  ['mistral_ai', 'mistral'],
  ['mistralai', 'mistral'],
  ['groq', 'groq'],
  ['deepseek', 'deepseek'],
  ['cohere', 'cohere'],
  ['perplexity', 'perplexity'],
  ['together', 'together'],
  ['together_ai', 'together'],
  ['togetherai', 'together'],
  ['fireworks', 'fireworks'],
  ['fireworks_ai', 'fireworks'],
  ['fireworks-ai', 'fireworks'],
  ['cerebras', 'cerebras'],
  ['openrouter', 'openrouter'],
  ['moonshot', 'moonshotai'],
  ['moonshotai', 'moonshotai'],
]);

/*
 * Prefixes for structured values: OTel's `azure.ai.openai`, `gcp.gemini`, `aws.*`, and the
 * AI SDK's `<provider>.<api>` (`openai.chat`, `anthropic.messages`, `google.vertex.chat`,
 * `vertex.anthropic.messages`, `azure-openai.chat`). Checked in order.
 */
const PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['azure', 'azure'],
  ['az.ai.', 'azure'],
  ['gcp.', 'google'],
  ['google', 'google'],
  ['vertex', 'google'],
  ['aws.', 'aws'],
  ['amazon-bedrock', 'aws'],
  ['bedrock', 'aws'],
  ['openai.', 'openai'],
  ['anthropic.', 'anthropic'],
  ['xai.', 'x-ai'],
  ['mistral.', 'mistral'],
  ['groq.', 'groq'],
  ['deepseek.', 'deepseek'],
  ['cohere.', 'cohere'],
  ['perplexity.', 'perplexity'],
  ['togetherai.', 'together'],
  ['fireworks.', 'fireworks'],
  ['cerebras.', 'cerebras'],
  ['openrouter.', 'openrouter'],
  ['moonshotai.', 'moonshotai'],
];

/** Memo of raw value -> id; provider values are few, so this turns the mapping into one lookup. */
const memo = new Map<string, string>();
const MAX_MEMO = 1024;

/**
 * The price catalog's provider id for a provider value as an emitter wrote it. Unknown
 * providers pass through lowercased; '' stays ''.
 */
export function canonicalProvider(raw: string): string {
  if (raw === '') return '';
  let id = memo.get(raw);
  if (id === undefined) {
    id = resolve(raw.trim().toLowerCase());
    if (memo.size < MAX_MEMO) memo.set(raw, id);
  }
  return id;
}

function resolve(lower: string): string {
  const exact = EXACT.get(lower);
  if (exact !== undefined) return exact;
  for (const [prefix, id] of PREFIXES) {
    if (lower.startsWith(prefix)) return id;
  }
  return lower;
}

/**
 * A provider guessed from the model name, for spans that name no provider: only families
 * whose names are unambiguous. '' when the name says nothing.
 */
export function providerFromModel(model: string): string {
  if (model.startsWith('gpt-') || model.startsWith('chatgpt-') || model.startsWith('text-embedding-')) return 'openai';
  if (isOpenAiReasoningModel(model)) return 'openai';
  if (model.startsWith('claude')) return 'anthropic';
  if (model.startsWith('gemini')) return 'google';
  return '';
}

/** o1, o3, o4 and their variants (`o3-mini`, `o4-mini-2025-04-16`), not any word starting with "o". */
function isOpenAiReasoningModel(model: string): boolean {
  if (model.length < 2 || model.charCodeAt(0) !== 111 /* o */) return false;
  const digit = model.charCodeAt(1);
  if (digit !== 49 /* 1 */ && digit !== 51 /* 3 */ && digit !== 52 /* 4 */) return false;
  return model.length === 2 || model.charCodeAt(2) === 45 /* - */;
}
