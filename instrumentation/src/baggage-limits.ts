import type { Baggage } from '@opentelemetry/api';
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
 * Checks that the whole baggage (ours plus anything already in it) serializes within the
 * W3C propagator limits, measuring it the way the propagator encodes it.
 * @throws AttributionError `baggage_too_large` naming the limit and the size.
 */
export function checkBaggageLimits(baggage: Baggage): void {
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
    const member = encodeURIComponent(key).length + 1 + encodeURIComponent(entry.value).length;
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
        `entries; remove custom keys or other baggage set upstream.`,
    );
  }
}
