import type { AttrValue } from '../model/decoded-span.js';
import { ok, skip, type ChatMessage, type Side } from './call-text.js';

/** Part types that are plain text, across OTel GenAI, the AI SDK and the providers' own formats. */
const TEXT_TYPES: ReadonlySet<string> = new Set(['text', 'input_text', 'output_text']);
/** Reasoning parts of a completion: billed as reasoning tokens, which the comparison subtracts. */
const REASONING_TYPES: ReadonlySet<string> = new Set(['reasoning', 'thinking', 'redacted_thinking']);

/**
 * A serialized content attribute may be far longer than the text it holds (JSON escapes turn one
 * character into up to six). Values longer than this many times the text cap are not parsed at
 * all, which bounds the parse cost as the cap bounds the tokenizer's.
 */
const RAW_CHARS_PER_TEXT_CHAR = 4;

/** Plain object check for parsed JSON and decoded kvlists. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The structured value of a content attribute: JSON text parsed, an OTLP array or kvlist as is.
 * Undefined when the attribute is absent. Parse errors become `unreadable_content`, never an
 * exception: the message of a JSON error quotes the content.
 */
export function structuredValue(value: AttrValue | undefined, maxTextChars: number): Side<unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') return ok(value);
  if (value.length > maxTextChars * RAW_CHARS_PER_TEXT_CHAR) return skip('too_long');
  try {
    return ok(JSON.parse(value) as unknown);
  } catch {
    return skip('unreadable_content');
  }
}

/**
 * The text of a message's content in the shapes conventions use: a string, or an array of parts
 * (`{type: 'text', text | content}`, or bare strings). Any other part (image, file, tool call,
 * tool result) makes the content `unsupported_content`, since its token cost is not its text.
 * Reasoning parts are left out when `dropReasoning` (completions), unsupported otherwise.
 * Several text parts are joined with a newline: a close estimate, not the provider's exact framing.
 */
export function contentText(content: unknown, dropReasoning: boolean): Side<string> {
  if (typeof content === 'string') return ok(content);
  if (content === undefined || content === null) return ok('');
  if (!Array.isArray(content)) return skip('unreadable_content');
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === 'string') {
      texts.push(part);
      continue;
    }
    if (!isRecord(part) || typeof part['type'] !== 'string') return skip('unreadable_content');
    const type = part['type'];
    if (TEXT_TYPES.has(type)) {
      const text = part['text'] ?? part['content'];
      if (typeof text !== 'string') return skip('unreadable_content');
      texts.push(text);
    } else if (!(dropReasoning && REASONING_TYPES.has(type))) {
      return skip('unsupported_content');
    }
  }
  return ok(texts.join('\n'));
}

/**
 * Content recorded as a flat string that may itself be a JSON array of content blocks (OpenLLMetry
 * writes Anthropic and vision content that way). Parsed only when it looks like such an array
 * (every element an object with a `type`); any other string is the text itself.
 */
export function flatContentText(content: string, dropReasoning: boolean): Side<string> {
  const trimmed = content.trimStart();
  if (!trimmed.startsWith('[{')) return ok(content);
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    return ok(content);
  }
  if (!Array.isArray(parsed) || !parsed.every((p) => isRecord(p) && typeof p['type'] === 'string')) return ok(content);
  return contentText(parsed, dropReasoning);
}

/**
 * Chat messages from a parsed message array, in the shape shared by OTel GenAI (`{role, parts}`),
 * the AI SDK and OpenAI-style payloads (`{role, content, name}`).
 */
export function chatMessages(value: unknown): Side<ChatMessage[]> {
  if (!Array.isArray(value)) return skip('unreadable_content');
  const messages: ChatMessage[] = [];
  for (const m of value) {
    if (!isRecord(m) || typeof m['role'] !== 'string') return skip('unreadable_content');
    const text = contentText(m['parts'] ?? m['content'], false);
    if (!text.ok) return skip(text.reason);
    messages.push({ role: m['role'], name: typeof m['name'] === 'string' ? m['name'] : '', text: text.value });
  }
  return ok(messages);
}

/** Completion texts from a parsed array of output messages (one per choice), reasoning left out. */
export function completionTexts(value: unknown): Side<string[]> {
  const list = isRecord(value) || typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) return skip('unreadable_content');
  const texts: string[] = [];
  for (const m of list) {
    if (typeof m === 'string') {
      texts.push(m);
      continue;
    }
    if (!isRecord(m)) return skip('unreadable_content');
    if (hasItems(m['tool_calls'])) return skip('unsupported_content');
    if (!('parts' in m) && !('content' in m)) return skip('unreadable_content');
    const text = contentText(m['parts'] ?? m['content'], true);
    if (!text.ok) return skip(text.reason);
    texts.push(text.value);
  }
  return ok(texts);
}

/** True for a non-empty array, or a string holding one (JSON-encoded tool lists). */
export function hasItems(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'string') {
    const t = value.trim();
    return t !== '' && t !== '[]' && t !== 'null';
  }
  return false;
}
