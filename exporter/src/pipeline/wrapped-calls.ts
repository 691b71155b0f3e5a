import { SeenSpans } from '../dedupe/seen-spans.js';
import type { DecodedSpan } from '../model/decoded-span.js';

/** Parents remembered (two generations): ~4 MB each; at 60k calls/s, several seconds of traffic. */
const DEFAULT_MAX_PARENTS = 524_288;

/**
 * Finds model-call spans that wrap another model call and repeat its tokens, so only the
 * innermost call is priced. AI SDK 7 emits `embeddings <model>` for an `embed`/`embedMany` call
 * and again for each provider call under it, both with `gen_ai.operation.name` = embeddings
 * and the same input tokens; a framework's LLM span around an SDK's own instrumented call does
 * the same. Nothing on the outer span says so: only that a model call with usage is its child.
 *
 * A child ends before its parent, and span processors export in the order spans end, so the
 * child comes first: in the same request or an earlier one. The parents of calls seen are
 * remembered (bounded; a parent that comes more than ~500k calls later, or to another
 * replica, is not recognised and is priced as before).
 */
export class WrappedCalls {
  private readonly parents: SeenSpans;

  constructor(maxParents = DEFAULT_MAX_PARENTS) {
    this.parents = new SeenSpans(maxParents);
  }

  /**
   * Notes a model-call span; true when it contains a model call with usage seen before (it is
   * then not priced). `hasUsage`: whether its own call reported tokens; a call without any
   * does not make its parent a repeat (that parent may be the only one with the usage).
   */
  wrapsAnother(span: DecodedSpan, hasUsage: boolean): boolean {
    const wraps = this.parents.has(SeenSpans.key(span.traceId, span.spanId));
    // Recorded for a wrapper too: its own parent (a third level) repeats the same tokens.
    if (hasUsage && span.parentSpanId !== '') this.parents.add(SeenSpans.key(span.traceId, span.parentSpanId));
    return wraps;
  }
}
