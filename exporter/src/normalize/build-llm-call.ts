import type { DecodedSpan } from '../model/decoded-span.js';
import type { LlmCall } from '../model/llm-call.js';
import type { CompiledOptions } from './compile-options.js';
import { detectConvention } from './detect-convention.js';
import { hasAnyCount } from './raw-usage.js';
import { readAttribution, resourceInfo } from './read-attribution.js';
import { agentNameOf, operationOf, providerOf, requestModelOf, responseModelOf } from './read-call-identity.js';
import { readUsage } from './read-usage.js';
import { serviceTierOf } from './read-service-tier.js';
import { spanStatus, errorTypeOf } from './span-status.js';
import { scanAttributes } from './scan-attributes.js';
import { buildTokenUsage, inputIncludesCache } from './token-usage.js';

/**
 * One LLM call from a span already classified as a model call.
 * @throws InvalidUsageError when a token count is not a non-negative integer.
 */
export function buildLlmCall(span: DecodedSpan, options: CompiledOptions): LlmCall {
  const attrs = span.attributes;
  const convention = detectConvention(span);
  const requestModel = requestModelOf(attrs, convention);
  const responseModel = responseModelOf(attrs, convention);
  const provider = providerOf(attrs, convention, requestModel || responseModel);

  const raw = readUsage(span, convention);
  const hasUsage = hasAnyCount(raw);
  const includesCache =
    hasUsage &&
    inputIncludesCache(raw, options.cacheInclusion.includesCache(span.scopeName, span.scopeVersion, provider, raw.dialect));

  const resource = resourceInfo(span.resource, options);
  const scan = scanAttributes(attrs, options);
  const who = readAttribution(scan.attribution, resource.attribution);
  return {
    customerId: who.customerId,
    customerTier: who.customerTier,
    organizationId: who.organizationId,
    productId: who.productId,
    featureId: who.featureId,
    environment: who.environment,
    taskType: who.taskType,
    sessionId: who.sessionId,
    userId: options.hashUserId(who.userId),
    runId: who.runId,
    attempt: who.attempt,
    attemptReason: who.attemptReason,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    startTimeUs: span.startTimeUs,
    durationUs: span.endTimeUs - span.startTimeUs,
    provider,
    requestModel,
    responseModel,
    operation: operationOf(span),
    serviceTier: serviceTierOf(attrs),
    agentName: agentNameOf(attrs),
    usage: buildTokenUsage(raw, includesCache),
    inputIncludesCache: includesCache,
    hasUsage,
    status: spanStatus(span),
    errorType: errorTypeOf(span),
    convention,
    scopeName: span.scopeName,
    scopeVersion: span.scopeVersion,
    serviceName: resource.serviceName,
    attributes: scan.stored,
  };
}
