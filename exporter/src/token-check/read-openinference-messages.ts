import type { AttrValue, Attributes } from '../model/decoded-span.js';
import { ok, skip, type CallText, type ChatMessage, type Side } from './call-text.js';
import { contentText } from './content-parts.js';
import { hasField, indexedEntries, type IndexedEntry } from './indexed-attributes.js';

const INPUT = 'llm.input_messages';
const OUTPUT = 'llm.output_messages';

/**
 * OpenInference content: `llm.input_messages.N.message.{role,content,name}` and
 * `llm.output_messages.N.message.*`, where content is either `message.content` or the parts
 * `message.contents.M.message_content.{type,text}`. Tool calls (`message.tool_calls.*`,
 * `message.function_call_*`) and tool results (`message.tool_call_id`) make a side unsupported.
 * `input.value` / `output.value` are not read: they hold the raw request (model, parameters),
 * not what the model was shown. Undefined when the span has no message keys.
 */
export function readOpenInferenceMessages(attrs: Attributes): CallText | undefined {
  const input = indexedEntries(attrs, INPUT);
  const output = indexedEntries(attrs, OUTPUT);
  if (input === undefined && output === undefined) return undefined;
  return { input: inputMessages(input), output: outputTexts(output) };
}

function inputMessages(entries: IndexedEntry[] | undefined): Side<ChatMessage[]> {
  if (entries === undefined) return skip('no_content');
  const messages: ChatMessage[] = [];
  for (const entry of entries) {
    if (hasToolCall(entry) || entry.has('message.tool_call_id')) return skip('unsupported_content');
    const text = messageText(entry, false);
    if (!text.ok) return skip(text.reason);
    messages.push({ role: stringField(entry, 'message.role'), name: stringField(entry, 'message.name'), text: text.value });
  }
  return ok(messages);
}

function outputTexts(entries: IndexedEntry[] | undefined): Side<string[]> {
  if (entries === undefined) return skip('no_content');
  const texts: string[] = [];
  for (const entry of entries) {
    if (hasToolCall(entry)) return skip('unsupported_content');
    const text = messageText(entry, true);
    if (!text.ok) return skip(text.reason);
    texts.push(text.value);
  }
  return ok(texts);
}

function hasToolCall(entry: IndexedEntry): boolean {
  return hasField(entry, 'message.tool_calls') || hasField(entry, 'message.function_call');
}

/** `message.content`, else the `message.contents.M.message_content.*` parts in order. */
function messageText(entry: IndexedEntry, dropReasoning: boolean): Side<string> {
  const content = entry.get('message.content');
  if (content !== undefined && content !== null) return typeof content === 'string' ? ok(content) : skip('unreadable_content');
  const parts = new Map<number, { type?: AttrValue; text?: AttrValue }>();
  for (const [key, value] of entry) {
    const m = /^message\.contents\.(\d+)\.message_content\.(.+)$/.exec(key);
    if (m === null) continue;
    const index = Number(m[1]);
    let part = parts.get(index);
    if (part === undefined) parts.set(index, (part = {}));
    if (m[2] === 'type') part.type = value;
    else if (m[2] === 'text') part.text = value;
    // Any other field (image.image.url, ...) is a non-text part; its type says so.
    else part.type ??= 'non_text';
  }
  const ordered = [...parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => ({ type: p.type ?? 'text', text: p.text }));
  return contentText(ordered, dropReasoning);
}

function stringField(entry: IndexedEntry, key: string): string {
  const value = entry.get(key);
  return typeof value === 'string' ? value : '';
}
