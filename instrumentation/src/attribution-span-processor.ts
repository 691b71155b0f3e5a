import { propagation, type AttributeValue, type Baggage, type Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTEMPT_REASONS, PNL_CUSTOM_PREFIX, PNL_KEYS, PROPAGATED_KEYS } from './attribute-keys.js';
import type { Attribution } from './attribution-builder.js';
import { isCustomKey, isValidValue, validateAttributionKey, validateValue } from './validate-attribution.js';

/** Options for {@link AttributionSpanProcessor}. */
export interface AttributionSpanProcessorOptions {
  /**
   * Attribution put on every span whose context does not carry that key, e.g.
   * `{ 'pnl.environment': 'production' }`. Default: none.
   */
  defaults?: Attribution;
}

// Flattened [key, value, key, value, ...]: the per-span loop then touches one array.
type Pairs = readonly (string | AttributeValue)[];

/**
 * Copies the `pnl.*` attribution, run id and attempt markers from the parent context's W3C
 * baggage onto every span when it starts, whichever library starts it, so the exporter finds
 * them on the LLM spans of any instrumentation. Attributes the span already has win, so a
 * run span keeps its own `pnl.run.id`.
 *
 * Register it before the exporting processor.
 */
export class AttributionSpanProcessor implements SpanProcessor {
  private readonly defaults: Pairs;
  // Baggage is immutable and one object is shared by every span started under the same
  // attribution, so its filtered pairs are computed once per baggage, not once per span.
  private readonly cache = new WeakMap<Baggage, Pairs>();

  constructor(options: AttributionSpanProcessorOptions = {}) {
    const defaults: (string | AttributeValue)[] = [];
    for (const [key, value] of Object.entries(options.defaults ?? {})) {
      defaults.push(validateAttributionKey(key), validateValue(key, value));
    }
    this.defaults = defaults;
  }

  /** Copies the attribution onto the starting span. */
  onStart(span: Span, parentContext: Context): void {
    const baggage = propagation.getBaggage(parentContext);
    const pairs = baggage === undefined ? this.defaults : this.pairsFor(baggage);
    const existing = span.attributes;
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i] as string;
      if (existing[key] === undefined) span.setAttribute(key, pairs[i + 1] as AttributeValue);
    }
  }

  /** No-op: attribution is complete at start. */
  onEnd(_span: ReadableSpan): void {}

  /** No-op: this processor holds no spans. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** No-op: this processor holds no resources. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  private pairsFor(baggage: Baggage): Pairs {
    const cached = this.cache.get(baggage);
    if (cached !== undefined) return cached;
    const pairs: (string | AttributeValue)[] = [];
    const seen = new Set<string>();
    for (const [key, entry] of baggage.getAllEntries()) {
      // Baggage may come from another service or a client: copy only keys we define, and
      // custom keys only in the form our builder would have produced.
      if (!PROPAGATED_KEYS.has(key) && !(key.startsWith(PNL_CUSTOM_PREFIX) && isCustomKey(key.slice(PNL_CUSTOM_PREFIX.length)))) continue;
      if (key === PNL_KEYS.attempt) {
        // Baggage values are strings; the exporter expects an integer attempt number.
        const attempt = Number(entry.value);
        if (!Number.isSafeInteger(attempt) || attempt < 0) continue;
        pairs.push(key, attempt);
      } else {
        // Values set here were checked when set; values from elsewhere are checked now (a CR/LF
        // or a 3000-character id would reach logs and CSV exports; an unknown reason, the P&L).
        if (!isValidValue(entry.value)) continue;
        if (key === PNL_KEYS.attemptReason && !(ATTEMPT_REASONS as readonly string[]).includes(entry.value)) continue;
        pairs.push(key, entry.value);
      }
      seen.add(key);
    }
    for (let i = 0; i < this.defaults.length; i += 2) {
      const key = this.defaults[i] as string;
      if (!seen.has(key)) pairs.push(key, this.defaults[i + 1] as AttributeValue);
    }
    this.cache.set(baggage, pairs);
    return pairs;
  }
}
