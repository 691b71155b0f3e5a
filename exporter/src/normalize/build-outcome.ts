import type { DecodedSpan } from '../model/decoded-span.js';
import type { Outcome } from '../model/llm-call.js';
import { stringAttr } from './attribute-values.js';
import type { CompiledOptions } from './compile-options.js';
import { readAttribution, resourceInfo } from './read-attribution.js';
import { scanAttributes } from './scan-attributes.js';

/** One business outcome from an `outcome {name}` span (`pnl.outcome.name`, `pnl.outcome.value`). */
export function buildOutcome(span: DecodedSpan, options: CompiledOptions): Outcome {
  const attrs = span.attributes;
  const resource = resourceInfo(span.resource, options);
  const attribution = readAttribution(scanAttributes(attrs, options).attribution, resource.attribution);
  const raw = attrs['pnl.outcome.value'];
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : 1;
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    runId: attribution.runId,
    customerId: attribution.customerId,
    featureId: attribution.featureId,
    atUs: span.startTimeUs,
    name: stringAttr(attrs, 'pnl.outcome.name'),
    // An outcome without a value counts as one success.
    value: Number.isFinite(value) ? value : 1,
  };
}
