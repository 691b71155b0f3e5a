import type { Baggage, BaggageEntry } from '@opentelemetry/api';
import { AttributionError } from './attribution-error.js';

// The limits the JS and Python W3C baggage propagators enforce. Past them they drop entries
// silently, so a customer id could vanish from downstream services without any error.
/** Most bytes in one serialized baggage header. */
export const BAGGAGE_MAX_BYTES = 8192;
/** Most bytes in one `key=value` member. */
export const BAGGAGE_MAX_MEMBER_BYTES = 4096;
/** Most members in one baggage header. */
export const BAGGAGE_MAX_MEMBERS = 180;

/**
 * The baggage with `own` entries kept and the others (set upstream: other services' baggage,
 * or whatever a client sent in its `baggage` header) removed as far as needed to fit the W3C
 * limits: non-`pnl.*` entries first, then upstream `pnl.*` ones, in their order. Throwing
 * instead let any HTTP client make every attributed request fail with an 8 KB header.
 * @throws AttributionError `baggage_too_large` when the `own` entries alone do not fit.
 */
export function fitBaggage(baggage: Baggage, own: readonly string[]): Baggage {
  if (withinLimits(baggage)) return baggage;
  const ours = new Set(own);
  const upstream = baggage.getAllEntries().map(([key]) => key).filter((key) => !ours.has(key));
  let fitted = baggage;
  for (const key of [...upstream.filter((k) => !k.startsWith('pnl.')), ...upstream.filter((k) => k.startsWith('pnl.'))]) {
    fitted = fitted.removeEntry(key);
    if (withinLimits(fitted)) return fitted;
  }
  checkBaggageLimits(fitted);
  return fitted;
}

function withinLimits(baggage: Baggage): boolean {
  const entries = baggage.getAllEntries();
  if (entries.length > BAGGAGE_MAX_MEMBERS) return false;
  let total = 0;
  for (const [key, entry] of entries) {
    const member = memberBytes(key, entry);
    if (member > BAGGAGE_MAX_MEMBER_BYTES) return false;
    total += member + (total === 0 ? 0 : 1);
  }
  return total <= BAGGAGE_MAX_BYTES;
}

/** One `key=value;properties` member as the propagator writes it (properties count too). */
function memberBytes(key: string, entry: BaggageEntry): number {
  const properties = entry.metadata === undefined ? 0 : 1 + entry.metadata.toString().length;
  return encodeURIComponent(key).length + 1 + encodeURIComponent(entry.value).length + properties;
}

/**
 * Checks that the whole baggage serializes within the W3C propagator limits, measuring it the
 * way the propagator encodes it.
 * @throws AttributionError `baggage_too_large` naming the limit and the size.
 */
function checkBaggageLimits(baggage: Baggage): void {
  const entries = baggage.getAllEntries();
  if (entries.length > BAGGAGE_MAX_MEMBERS) {
    throw new AttributionError(
      'baggage_too_large',
      undefined,
      `baggage would hold ${entries.length} entries, over the ${BAGGAGE_MAX_MEMBERS} that propagators forward; drop custom keys.`,
    );
  }
  let total = 0;
  for (const [key, entry] of entries) {
    const member = memberBytes(key, entry);
    if (member > BAGGAGE_MAX_MEMBER_BYTES) {
      throw new AttributionError(
        'baggage_too_large',
        key,
        `baggage entry ${key} is ${member} bytes encoded, over the ${BAGGAGE_MAX_MEMBER_BYTES}-byte limit; shorten its value.`,
      );
    }
    total += member + (total === 0 ? 0 : 1);
  }
  if (total > BAGGAGE_MAX_BYTES) {
    throw new AttributionError(
      'baggage_too_large',
      undefined,
      `baggage would be ${total} bytes encoded, over the ${BAGGAGE_MAX_BYTES}-byte header limit, and propagators would drop ` +
        `entries; remove custom keys.`,
    );
  }
}
