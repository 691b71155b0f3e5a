import type { Attributes } from '../model/decoded-span.js';
import { ok, skip, type CallText, type Side } from './call-text.js';
import { chatMessages, hasItems, structuredValue } from './content-parts.js';

const MESSAGES = 'ai.prompt.messages';
const TEXT = 'ai.response.text';
const TOOL_CALLS = 'ai.response.toolCalls';

/**
 * Vercel AI SDK (v3 to v6) model-call spans (`ai.*.doGenerate` / `doStream`): the prompt in
 * `ai.prompt.messages` (`[{role, content: string | [{type: 'text', text}, ...]}]`), the
 * completion in `ai.response.text`. A response with tool calls is unsupported (their tokens are
 * not in the text). Undefined when the span has neither key.
 */
export function readAiSdkMessages(attrs: Attributes, maxChars: number): CallText | undefined {
  const messages = structuredValue(attrs[MESSAGES], maxChars);
  const text = attrs[TEXT];
  if (messages === undefined && text === undefined) return undefined;
  return {
    input: messages === undefined ? skip('no_content') : messages.ok ? chatMessages(messages.value) : skip(messages.reason),
    output: outputText(attrs),
  };
}

function outputText(attrs: Attributes): Side<string[]> {
  if (hasItems(attrs[TOOL_CALLS])) return skip('unsupported_content');
  const text = attrs[TEXT];
  if (text === undefined || text === null) return skip('no_content');
  return typeof text === 'string' ? ok([text]) : skip('unreadable_content');
}
