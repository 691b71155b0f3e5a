import type { DecodedSpan } from '../model/decoded-span.js';

/** The span convention a model-call span was recognised as (`LlmCall.convention`). */
export type Convention = 'otel-genai' | 'openllmetry' | 'openinference' | 'vercel-ai' | 'langfuse' | 'openlit';

/**
 * Names the convention of a model-call span from its most specific marker. Order matters:
 * AI SDK and OpenInference spans may also carry `gen_ai.*` keys, and Langfuse's processor
 * adds `langfuse.*` keys to other emitters' spans, so the more specific markers are checked
 * first and plain OTel GenAI is the fallback.
 */
export function detectConvention(span: DecodedSpan): Convention {
  const attrs = span.attributes;
  if (attrs['openinference.span.kind'] !== undefined) return 'openinference';
  if (attrs['ai.operationId'] !== undefined) return 'vercel-ai';
  if (attrs['langfuse.observation.type'] !== undefined) return 'langfuse';
  const scope = span.scopeName;
  if (scope.startsWith('@openlit/') || scope.startsWith('openlit') || attrs['telemetry.sdk.name'] === 'openlit') {
    return 'openlit';
  }
  if (scope.startsWith('@traceloop/') || attrs['llm.request.type'] !== undefined || attrs['traceloop.span.kind'] !== undefined) {
    return 'openllmetry';
  }
  return 'otel-genai';
}
