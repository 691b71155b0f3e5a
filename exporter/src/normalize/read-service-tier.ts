import type { Attributes } from '../model/decoded-span.js';
import { canonicalServiceTier } from '../model/service-tier.js';
import { stringAttr } from './attribute-values.js';

/**
 * Where a span says which service tier served the call, in order of trust:
 * - `pnl.service_tier`: set explicitly by the application, the only way to mark calls that no span
 *   attribute describes (results of the Anthropic or OpenAI batch APIs, priced at half the list price);
 * - the tier that served the call, as OTel GenAI names it (`openai.response.service_tier`) and as it did
 *   before the OpenAI keys moved out of `gen_ai.*`;
 * - the tier that was requested: a specific tier is what ran unless the provider said otherwise.
 */
export const SERVICE_TIER_KEYS: readonly string[] = [
  'pnl.service_tier',
  'openai.response.service_tier',
  'gen_ai.openai.response.service_tier',
  'openai.request.service_tier',
  'gen_ai.openai.request.service_tier',
];

/**
 * The call's canonical service tier (`default`, `batch`, `priority`, `flex`, another reported tier name), or
 * '' when the span does not say. A requested `auto` says nothing about what ran and is skipped.
 */
export function serviceTierOf(attrs: Attributes): string {
  for (const key of SERVICE_TIER_KEYS) {
    const tier = canonicalServiceTier(stringAttr(attrs, key));
    if (tier !== '') return tier;
  }
  return '';
}
