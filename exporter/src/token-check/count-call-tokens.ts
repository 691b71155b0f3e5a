import type { ChatMessage } from './call-text.js';
import type { Encoder } from './load-encoders.js';

/**
 * OpenAI's chat framing, from its published counting method (openai-cookbook, "How to count
 * tokens with tiktoken", `num_tokens_from_messages`): every message costs 3 tokens
 * (`<|start|>{role}<|message|>...<|end|>` minus the role itself), the role and content cost
 * their own tokens, a `name` costs its tokens plus 1, and every reply is primed with 3 more.
 * The same numbers hold for gpt-3.5-turbo-0613 and later, GPT-4, GPT-4o and its successors.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const REPLY_PRIMING_TOKENS = 3;

/** Characters encoded between two yields to the event loop: 1-2 ms of tokenizer time (0.3 ms per 1000 characters measured). */
const SLICE_CHARS = 4_000;

/** How the prompt reached the model: chat messages (framed) or a completion prompt (raw text). */
export type PromptFormat = 'chat' | 'completion';

/**
 * Counts tokens of texts with one encoder, yielding to the event loop every SLICE_CHARS
 * characters, so that a 100k-character prompt delays other work by milliseconds, not 100 ms.
 */
export class TextCounter {
  private sinceYield = 0;

  constructor(private readonly encoder: Encoder) {}

  /** Tokens of `text`, encoded as ordinary text (special-token strings included). */
  async count(text: string): Promise<number> {
    let tokens = 0;
    let start = 0;
    while (start < text.length) {
      const end = sliceEnd(text, start);
      // `[]` for both special-token lists: user text like "<|endoftext|>" is text, as the API treats it.
      tokens += this.encoder.encode(text.slice(start, end), [], []).length;
      this.sinceYield += end - start;
      start = end;
      if (this.sinceYield >= SLICE_CHARS) {
        this.sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    return tokens;
  }
}

/**
 * Where to cut a long text: before a single space that follows a non-space and precedes a
 * non-space. tiktoken's pre-tokenizer splits there anyway (a word token carries its leading
 * space), so the pieces encode to the same tokens as the whole. Text without such a space (CJK)
 * is cut at the limit, which can shift a token or two.
 */
function sliceEnd(text: string, start: number): number {
  const limit = start + SLICE_CHARS;
  if (limit >= text.length) return text.length;
  for (let i = limit; i > start + SLICE_CHARS / 2; i--) {
    if (text.charCodeAt(i) === 32 && !isSpace(text.charCodeAt(i - 1)) && !isSpace(text.charCodeAt(i + 1))) return i;
  }
  return limit;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Estimated prompt tokens: chat framing as above, or the raw text for a completion prompt. */
export async function countPromptTokens(messages: readonly ChatMessage[], format: PromptFormat, counter: TextCounter): Promise<number> {
  let tokens = format === 'chat' ? REPLY_PRIMING_TOKENS : 0;
  for (const m of messages) {
    tokens += await counter.count(m.text);
    if (format === 'completion') continue;
    tokens += TOKENS_PER_MESSAGE + (await counter.count(m.role));
    if (m.name !== '') tokens += TOKENS_PER_NAME + (await counter.count(m.name));
  }
  return tokens;
}

/** Estimated completion tokens: the text of every choice, with no framing (OpenAI counts none). */
export async function countCompletionTokens(texts: readonly string[], counter: TextCounter): Promise<number> {
  let tokens = 0;
  for (const text of texts) tokens += await counter.count(text);
  return tokens;
}
