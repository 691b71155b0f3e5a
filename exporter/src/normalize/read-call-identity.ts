import type { Attributes, DecodedSpan } from '../model/decoded-span.js';
import { firstStringAttr, stringAttr } from './attribute-values.js';
import { canonicalProvider, providerFromModel } from './canonical-provider.js';
import type { Convention } from './detect-convention.js';

/** Where each convention names the model and provider, most specific key first. */
interface IdentityKeys {
  requestModel: readonly string[];
  responseModel: readonly string[];
  provider: readonly string[];
}

const GEN_AI: IdentityKeys = {
  requestModel: ['gen_ai.request.model'],
  responseModel: ['gen_ai.response.model'],
  provider: ['gen_ai.provider.name', 'gen_ai.system'],
};

const KEYS: Readonly<Record<Convention, IdentityKeys>> = {
  'otel-genai': GEN_AI,
  openllmetry: GEN_AI,
  openlit: GEN_AI,
  // `llm.model_name` starts as the requested model and is overwritten with the served one.
  openinference: {
    requestModel: ['llm.model_name', 'gen_ai.request.model'],
    responseModel: ['llm.response.model_name', 'llm.model_name', 'gen_ai.response.model'],
    // `llm.provider` is the host (azure, aws, google), which is what the price depends on;
    // `llm.system` is the model family.
    provider: ['llm.provider', 'llm.system', 'gen_ai.provider.name', 'gen_ai.system'],
  },
  'vercel-ai': {
    requestModel: ['ai.model.id', 'gen_ai.request.model'],
    responseModel: ['ai.response.model', 'gen_ai.response.model'],
    provider: ['ai.model.provider', 'gen_ai.provider.name', 'gen_ai.system'],
  },
  langfuse: {
    requestModel: ['langfuse.observation.model.name', 'gen_ai.request.model', 'ai.model.id'],
    responseModel: ['gen_ai.response.model', 'ai.response.model'],
    provider: ['gen_ai.provider.name', 'gen_ai.system', 'ai.model.provider'],
  },
};

/** Requested model, as the emitter named it ('' when absent). */
export function requestModelOf(attrs: Attributes, convention: Convention): string {
  return firstStringAttr(attrs, KEYS[convention].requestModel);
}

/** Model that served the call, when the emitter reports it. */
export function responseModelOf(attrs: Attributes, convention: Convention): string {
  return firstStringAttr(attrs, KEYS[convention].responseModel);
}

/** Canonical provider id; guessed from the model name only when the span names no provider. */
export function providerOf(attrs: Attributes, convention: Convention, model: string): string {
  const provider = canonicalProvider(firstStringAttr(attrs, KEYS[convention].provider));
  return provider !== '' ? provider : providerFromModel(model);
}

/** GenAI operation name; conventions without one are mapped onto chat, text_completion or embeddings. */
export function operationOf(span: DecodedSpan): string {
  const attrs = span.attributes;
  const operation = stringAttr(attrs, 'gen_ai.operation.name');
  if (operation !== '') return operation === 'embedding' ? 'embeddings' : operation === 'completion' ? 'text_completion' : operation;
  const kind = attrs['openinference.span.kind'];
  if (kind === 'EMBEDDING' || kind === 'embedding') return 'embeddings';
  const aiOperationId = attrs['ai.operationId'];
  if (typeof aiOperationId === 'string' && aiOperationId.endsWith('.doEmbed')) return 'embeddings';
  const requestType = attrs['llm.request.type'];
  if (requestType === 'completion') return 'text_completion';
  if (requestType === 'embedding' || requestType === 'embeddings') return 'embeddings';
  if (attrs['langfuse.observation.type'] === 'embedding') return 'embeddings';
  return 'chat';
}

const AGENT_NAME = ['gen_ai.agent.name', 'agent.name', 'ai.telemetry.functionId'];

/** The agent a call was made for, where the convention records one. */
export function agentNameOf(attrs: Attributes): string {
  return firstStringAttr(attrs, AGENT_NAME);
}
