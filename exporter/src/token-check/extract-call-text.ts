import type { Attributes } from '../model/decoded-span.js';
import { skip, type CallText } from './call-text.js';
import { hasItems } from './content-parts.js';
import { readAiSdkMessages } from './read-ai-sdk-messages.js';
import { readLangfuseMessages } from './read-langfuse-messages.js';
import { readOpenInferenceMessages } from './read-openinference-messages.js';
import { readOpenLlmetryMessages } from './read-openllmetry-messages.js';
import { readOtelMessages } from './read-otel-messages.js';

/**
 * Readers in order of preference. An emitter in transition may write two conventions at once
 * (OpenLLMetry writes `gen_ai.input.messages` and, on older paths, `gen_ai.prompt.N`): the
 * first that finds its keys wins, so a prompt is never counted twice.
 */
const READERS: ReadonlyArray<(attrs: Attributes, maxChars: number) => CallText | undefined> = [
  readOtelMessages,
  readOpenLlmetryMessages,
  readOpenInferenceMessages,
  readAiSdkMessages,
  readLangfuseMessages,
];

/** Keys holding tool definitions sent with the prompt: they cost input tokens in a provider-specific framing. */
const TOOL_LIST_KEYS = ['gen_ai.tool.definitions', 'ai.prompt.tools'];
const TOOL_KEY_PREFIXES = ['llm.tools.', 'llm.request.functions.'];

/**
 * The prompt and completion text of one model-call span, from whichever content convention its
 * emitter used. Each side is either text or why it cannot be compared: not captured, tool or
 * media content, unreadable, or longer than `maxChars` characters. Pure; the text it returns
 * must stay inside the caller (no storage, no logs).
 */
export function extractCallText(attrs: Attributes, maxChars: number): CallText {
  for (const read of READERS) {
    const text = read(attrs, maxChars);
    if (text === undefined) continue;
    if (text.input.ok && hasToolDefinitions(attrs)) text.input = skip('unsupported_content');
    if (text.input.ok && text.input.value.reduce((n, m) => n + m.role.length + m.name.length + m.text.length, 0) > maxChars) text.input = skip('too_long');
    if (text.output.ok && text.output.value.reduce((n, t) => n + t.length, 0) > maxChars) text.output = skip('too_long');
    return text;
  }
  return { input: skip('no_content'), output: skip('no_content') };
}

function hasToolDefinitions(attrs: Attributes): boolean {
  if (TOOL_LIST_KEYS.some((key) => hasItems(attrs[key]))) return true;
  for (const key of Object.keys(attrs)) if (TOOL_KEY_PREFIXES.some((prefix) => key.startsWith(prefix))) return true;
  return false;
}
