/**
 * Attribute key prefixes that carry prompt, completion, tool-argument or embedding content in
 * some convention. Nothing under them is ever stored, whatever the options say: the product
 * promise is that no prompt text leaves the normalizer.
 */
const CONTENT_PREFIXES: readonly string[] = [
  // OTel GenAI, OpenLLMetry, OpenLIT
  'gen_ai.prompt',
  'gen_ai.completion',
  'gen_ai.input.messages',
  'gen_ai.output.messages',
  'gen_ai.system_instructions',
  'gen_ai.tool.definitions',
  'gen_ai.tool.call.arguments',
  'gen_ai.tool.call.result',
  'gen_ai.tool.args',
  'gen_ai.tool.input',
  'gen_ai.tool.output',
  'gen_ai.content.',
  'gen_ai.retrieval.',
  'gen_ai.agent.finish',
  'gen_ai.agent.thinking',
  'gen_ai.workflow.input',
  'gen_ai.workflow.output',
  'traceloop.entity.input',
  'traceloop.entity.output',
  'llm.prompts',
  'llm.completions',
  // OpenInference
  'llm.input_messages',
  'llm.output_messages',
  'llm.prompt_template',
  'llm.tools',
  'llm.invocation_parameters',
  'input.value',
  'output.value',
  'message.',
  'retrieval.documents',
  'embedding.',
  'tool.parameters',
  'tool_call.',
  // Vercel AI SDK
  'ai.prompt',
  'ai.response.text',
  'ai.response.toolCalls',
  'ai.response.object',
  'ai.response.reasoning',
  'ai.response.files',
  'ai.toolCall.args',
  'ai.toolCall.result',
  'ai.value',
  'ai.embedding',
  'ai.schema',
  // Langfuse
  'langfuse.observation.input',
  'langfuse.observation.output',
  'langfuse.trace.input',
  'langfuse.trace.output',
  // Exceptions quote user data often enough to keep them out too.
  'exception.',
];

/** True when the key may carry prompt or completion content in some convention. */
export function isContentKey(key: string): boolean {
  for (const prefix of CONTENT_PREFIXES) {
    if (key.startsWith(prefix)) return true;
  }
  return false;
}

/**
 * Whether some key under `prefix` could be a content key. When not (as for `pnl.custom.`), keys
 * matched by the prefix need no per-key content check.
 */
export function prefixMayHoldContent(prefix: string): boolean {
  return CONTENT_PREFIXES.some((content) => content.startsWith(prefix) || prefix.startsWith(content));
}
