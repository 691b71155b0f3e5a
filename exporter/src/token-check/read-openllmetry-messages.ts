import type { Attributes } from '../model/decoded-span.js';
import { ok, skip, type CallText, type ChatMessage, type Side } from './call-text.js';
import { flatContentText } from './content-parts.js';
import { hasField, indexedEntries, type IndexedEntry } from './indexed-attributes.js';

/** Key prefixes of prompt and completion lists: current OpenLLMetry, then its pre-0.23 names. */
const FAMILIES = [
  { prompt: 'gen_ai.prompt', completion: 'gen_ai.completion' },
  { prompt: 'llm.prompts', completion: 'llm.completions' },
] as const;

/**
 * OpenLLMetry / Traceloop (JS and Python) content: `gen_ai.prompt.N.{role,content}` and
 * `gen_ai.completion.N.{role,content}`, or the older `llm.prompts.N.*` / `llm.completions.N.*`.
 * Content may be a JSON array of content blocks (Anthropic, vision). Tool calls and tool
 * results (`tool_calls.*`, `tool_call_id`, `function_call.*`) make a side unsupported.
 * Undefined when the span has none of these keys.
 */
export function readOpenLlmetryMessages(attrs: Attributes): CallText | undefined {
  for (const family of FAMILIES) {
    const prompt = indexedEntries(attrs, family.prompt);
    const completion = indexedEntries(attrs, family.completion);
    if (prompt === undefined && completion === undefined) continue;
    return { input: promptMessages(prompt), output: completionTexts(completion) };
  }
  return undefined;
}

function promptMessages(entries: IndexedEntry[] | undefined): Side<ChatMessage[]> {
  if (entries === undefined || !entries.some((e) => e.has('content'))) return skip('no_content');
  const messages: ChatMessage[] = [];
  for (const entry of entries) {
    if (hasField(entry, 'tool_calls') || hasField(entry, 'function_call') || entry.has('tool_call_id')) return skip('unsupported_content');
    const text = entryText(entry, false);
    if (!text.ok) return skip(text.reason);
    const role = entry.get('role');
    const name = entry.get('name');
    messages.push({ role: typeof role === 'string' ? role : '', name: typeof name === 'string' ? name : '', text: text.value });
  }
  return ok(messages);
}

function completionTexts(entries: IndexedEntry[] | undefined): Side<string[]> {
  if (entries === undefined || !entries.some((e) => e.has('content'))) return skip('no_content');
  const texts: string[] = [];
  for (const entry of entries) {
    if (hasField(entry, 'tool_calls') || hasField(entry, 'function_call')) return skip('unsupported_content');
    const text = entryText(entry, true);
    if (!text.ok) return skip(text.reason);
    texts.push(text.value);
  }
  return ok(texts);
}

function entryText(entry: IndexedEntry, dropReasoning: boolean): Side<string> {
  const content = entry.get('content');
  if (content === undefined || content === null) return ok('');
  if (typeof content !== 'string') return skip('unreadable_content');
  return flatContentText(content, dropReasoning);
}
