import type { DecodedSpan } from '../model/decoded-span.js';

/**
 * Parents remembered per generation (two generations): the same request and the next 30 or
 * more of 512 spans. A parent that ends after its sender's export was cut (a
 * BatchSpanProcessor cuts at 512 spans or every 5 s) comes in that sender's next request,
 * which, at a few ms between a call's end and its parent's, is soon.
 */
const DEFAULT_GENERATION = 16_384;

/**
 * Finds model-call spans that wrap another model call and repeat its tokens, so only the
 * innermost call is priced. AI SDK 7 emits `embeddings <model>` for an `embed`/`embedMany` call
 * and again for each provider call under it, both with `gen_ai.operation.name` = embeddings
 * and the same input tokens; a framework's LLM span around an SDK's own instrumented call does
 * the same. Nothing on the outer span says so: only that a model call with usage is its child.
 *
 * A child ends before its parent, and span processors export in the order spans end, so the
 * child comes first: in the same request or an earlier one. The parents of calls seen are
 * remembered (bounded: a parent that comes more than 16k calls later, or to another replica,
 * is not recognised and is priced as before).
 *
 * Keyed by the parent's span id, with its trace id as the value: the id strings come from the
 * decoder and their hashes are computed once. (A table of parsed keys, as the dedup memory
 * keeps, cost 2.5 µs per span in a microbenchmark, these maps 0.3-0.5.)
 */
export class WrappedCalls {
  private current = new Map<string, string>();
  private previous = new Map<string, string>();

  constructor(private readonly generation = DEFAULT_GENERATION) {}

  /**
   * Notes a model-call span; true when it contains a model call with usage seen before (it is
   * then not priced). `hasUsage`: whether its own call reported tokens; a call without any
   * does not make its parent a repeat (that parent may be the only one with the usage).
   */
  wrapsAnother(span: DecodedSpan, hasUsage: boolean): boolean {
    const wraps = this.current.get(span.spanId) === span.traceId || this.previous.get(span.spanId) === span.traceId;
    // Recorded for a wrapper too: its own parent (a third level) repeats the same tokens.
    if (hasUsage && span.parentSpanId !== '') {
      if (this.current.size >= this.generation) {
        this.previous = this.current;
        this.current = new Map();
      }
      this.current.set(span.parentSpanId, span.traceId);
    }
    return wraps;
  }
}
