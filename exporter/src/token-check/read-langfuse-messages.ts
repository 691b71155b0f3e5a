import type { Attributes } from '../model/decoded-span.js';
import { ok, skip, type CallText, type ChatMessage, type Side } from './call-text.js';
import { chatMessages, completionTexts, isRecord, structuredValue } from './content-parts.js';

const INPUT = 'langfuse.observation.input';
const OUTPUT = 'langfuse.observation.output';

/**
 * Langfuse generation content: `langfuse.observation.input` (an OpenAI-style message array,
 * `{messages: [...]}`, or a prompt string) and `langfuse.observation.output` (a message, a list
 * of them, or a string). Both are JSON text, as the Langfuse SDKs serialize them; a value that is
 * not JSON is taken as the plain text itself. Undefined when the span has neither key.
 */
export function readLangfuseMessages(attrs: Attributes, maxChars: number): CallText | undefined {
  if (attrs[INPUT] === undefined && attrs[OUTPUT] === undefined) return undefined;
  return { input: langfuseInput(attrs, maxChars), output: langfuseOutput(attrs, maxChars) };
}

function langfuseInput(attrs: Attributes, maxChars: number): Side<ChatMessage[]> {
  const value = plainOrParsed(attrs, INPUT, maxChars);
  if (value === undefined) return skip('no_content');
  if (!value.ok) return skip(value.reason);
  const input = value.value;
  // A bare prompt string reaches the model as one user message.
  if (typeof input === 'string') return ok([{ role: 'user', name: '', text: input }]);
  if (isRecord(input) && Array.isArray(input['messages'])) return chatMessages(input['messages']);
  return chatMessages(input);
}

function langfuseOutput(attrs: Attributes, maxChars: number): Side<string[]> {
  const value = plainOrParsed(attrs, OUTPUT, maxChars);
  if (value === undefined) return skip('no_content');
  if (!value.ok) return skip(value.reason);
  return completionTexts(value.value);
}

/** The parsed JSON value, or the string itself when it is not JSON (a plain prompt or answer). */
function plainOrParsed(attrs: Attributes, key: string, maxChars: number): Side<unknown> | undefined {
  const parsed = structuredValue(attrs[key], maxChars);
  if (parsed !== undefined && !parsed.ok && parsed.reason === 'unreadable_content') return ok(attrs[key]);
  return parsed;
}
