import type { Attributes } from '../model/decoded-span.js';
import { ok, skip, type CallText, type ChatMessage, type Side } from './call-text.js';
import { chatMessages, completionTexts, contentText, structuredValue } from './content-parts.js';

const INPUT = 'gen_ai.input.messages';
const SYSTEM = 'gen_ai.system_instructions';
const OUTPUT = 'gen_ai.output.messages';

/**
 * OTel GenAI content (semantic conventions 1.37+, also OpenLIT, newer OpenLLMetry and AI SDK v7):
 * `gen_ai.system_instructions` (parts), `gen_ai.input.messages` and `gen_ai.output.messages`
 * (`[{role, parts: [{type: 'text', content}]}]`), as JSON text or structured OTLP values.
 * Undefined when the span has none of these keys.
 */
export function readOtelMessages(attrs: Attributes, maxChars: number): CallText | undefined {
  if (attrs[INPUT] === undefined && attrs[SYSTEM] === undefined && attrs[OUTPUT] === undefined) return undefined;
  const output = structuredValue(attrs[OUTPUT], maxChars);
  return {
    input: otelInput(attrs, maxChars),
    output: output === undefined ? skip('no_content') : output.ok ? completionTexts(output.value) : skip(output.reason),
  };
}

function otelInput(attrs: Attributes, maxChars: number): Side<ChatMessage[]> {
  const input = structuredValue(attrs[INPUT], maxChars);
  // System instructions alone are not the whole prompt: comparing them would flag every emitter.
  if (input === undefined) return skip('no_content');
  if (!input.ok) return skip(input.reason);
  const messages = chatMessages(input.value);
  if (!messages.ok) return messages;
  const system = structuredValue(attrs[SYSTEM], maxChars);
  if (system === undefined) return messages;
  if (!system.ok) return skip(system.reason);
  // Instructions given apart from the history still reach the model as a system message.
  const text = contentText(system.value, false);
  if (!text.ok) return skip(text.reason);
  return ok([{ role: 'system', name: '', text: text.value }, ...messages.value]);
}
