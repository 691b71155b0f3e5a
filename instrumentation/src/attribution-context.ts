import { context, propagation, type Context } from '@opentelemetry/api';
import { ATTRIBUTION_KEYS, PNL_CUSTOM_PREFIX } from './attribute-keys.js';
import type { Attribution, AttributionBuilder } from './attribution-builder.js';
import { fitBaggage } from './baggage-limits.js';
import { isValidValue, validateAttributionKey, validateValue } from './validate-attribution.js';

/**
 * Returns `parent` (default: the active context) with the attribution merged into its W3C
 * baggage. Keys already in the baggage are overwritten, so an inner scope refines an outer one.
 * Use it where a framework hands you a context; otherwise prefer {@link withAttribution}.
 * Entries set upstream (other services' baggage, or a client's header) give way when the total
 * would exceed the W3C limits (see {@link fitBaggage}).
 * @throws AttributionError on an invalid key or value, or when these entries alone exceed the W3C limits.
 */
export function attributionContext(attr: Attribution | AttributionBuilder, parent: Context = context.active()): Context {
  const entries = toEntries(attr);
  let baggage = propagation.getBaggage(parent) ?? propagation.createBaggage();
  for (const [key, value] of entries) baggage = baggage.setEntry(key, { value });
  return propagation.setBaggage(parent, fitBaggage(baggage, entries.map(([key]) => key)));
}

/**
 * Runs `fn` with the attribution in the active context's baggage: every span started inside
 * (by any library) gets the `pnl.*` attributes, and outgoing requests carry them in the
 * `baggage` header. Returns what `fn` returns.
 * @throws AttributionError before calling `fn` when the attribution is invalid.
 */
export function withAttribution<T>(attr: Attribution | AttributionBuilder, fn: () => T): T {
  return context.with(attributionContext(attr), fn);
}

/** The attribution in the given (default: active) context's baggage, or an empty object. */
export function currentAttribution(ctx: Context = context.active()): Attribution {
  const out: Record<string, string> = {};
  const baggage = propagation.getBaggage(ctx);
  if (!baggage) return Object.freeze(out);
  for (const [key, entry] of baggage.getAllEntries()) {
    // Values from another service or a client were never checked: an invalid one is left out,
    // so `attribution(currentAttribution())` never throws on what a client sent.
    if ((ATTRIBUTION_KEYS.has(key) || key.startsWith(PNL_CUSTOM_PREFIX)) && isValidValue(entry.value)) {
      out[key] = entry.value;
    }
  }
  return Object.freeze(out);
}

function toEntries(attr: Attribution | AttributionBuilder): [string, string][] {
  const built: Attribution = isBuilder(attr) ? attr.build() : attr;
  // Plain objects may come from JavaScript callers or config files: validate them like the builder does.
  return Object.entries(built).map(([key, value]) => [validateAttributionKey(key), validateValue(key, value)]);
}

function isBuilder(attr: Attribution | AttributionBuilder): attr is AttributionBuilder {
  return typeof (attr as AttributionBuilder).build === 'function';
}
