import type { Baggage } from '@opentelemetry/api';
import { PNL_KEYS, type AttemptReason } from './attribute-keys.js';

/**
 * Returns the baggage for attempt `attempt` of a run.
 *
 * A first attempt started inside a failure-driven attempt of an enclosing run (in this
 * process or upstream, through baggage) keeps the enclosing markers: a sub-agent re-run
 * because its parent retried is evolution spend, and numbering it 0 would book it as base.
 */
export function attemptBaggage(baggage: Baggage, attempt: number, reason: AttemptReason | undefined): Baggage {
  if (attempt > 0 && reason !== undefined) {
    return baggage
      .setEntry(PNL_KEYS.attempt, { value: String(attempt) })
      .setEntry(PNL_KEYS.attemptReason, { value: reason });
  }
  const enclosing = Number(baggage.getEntry(PNL_KEYS.attempt)?.value ?? '0');
  if (enclosing > 0) return baggage;
  return baggage.setEntry(PNL_KEYS.attempt, { value: '0' }).removeEntry(PNL_KEYS.attemptReason);
}
