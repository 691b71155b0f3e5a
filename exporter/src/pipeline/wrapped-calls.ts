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
 * Keyed by 30 bits of the parent's span id, with 30 bits of its trace id as the value: small
 * integers, so the maps hold no strings. (Keyed by the id strings, the maps kept every
 * remembered id alive into the old generation: +2.3 µs per span for the worker and its garbage
 * collector in benchmark pairs. A table of parsed dedup keys cost 2.5 µs in a microbenchmark.)
 * A span is taken for a remembered parent when both match (a false match: ~1 in 10^13 spans);
 * two parents with the same key keep the later one, so about 1 in 30,000 wrappers is missed
 * and priced as before.
 */
export class WrappedCalls {
  private current: ParentTable;
  private previous: ParentTable;

  constructor(private readonly generation = DEFAULT_GENERATION) {
    this.current = new ParentTable(generation);
    this.previous = new ParentTable(generation);
  }

  /**
   * Notes a model-call span; true when it contains a model call with usage seen before (it is
   * then not priced). `hasUsage`: whether its own call reported tokens; a call without any
   * does not make its parent a repeat (that parent may be the only one with the usage).
   */
  wrapsAnother(span: DecodedSpan, hasUsage: boolean): boolean {
    const trace = bits30(span.traceId);
    const id = bits30(span.spanId);
    const wraps = this.current.get(id) === trace || this.previous.get(id) === trace;
    // Recorded for a wrapper too: its own parent (a third level) repeats the same tokens.
    if (hasUsage && span.parentSpanId !== '') {
      if (this.current.size >= this.generation) {
        const emptied = this.previous;
        emptied.clear();
        this.previous = this.current;
        this.current = emptied;
      }
      this.current.set(bits30(span.parentSpanId), trace);
    }
    return wraps;
  }
}

/**
 * 30-bit keys to 30-bit values in two typed arrays, open addressing with linear probing, at
 * most half full: what a Map<number, number> did here, without its hashing and growth, and
 * nothing for the garbage collector to trace (~6.8% of the ingest worker's CPU in a profile
 * with Maps, 0.23 µs per span alone).
 */
class ParentTable {
  size = 0;
  private readonly keys: Int32Array;
  private readonly values: Int32Array;
  private readonly shift: number;

  constructor(maxSize: number) {
    const bits = Math.max(3, Math.ceil(Math.log2(maxSize * 2)));
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.values = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  /** The value stored for `key`, or EMPTY. */
  get(key: number): number {
    const { keys } = this;
    const mask = keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i] as number;
      if (k === key) return this.values[i] as number;
      if (k === EMPTY) return EMPTY;
    }
  }

  /** Stores `value` for `key`, replacing an earlier one (a Map's set). */
  set(key: number, value: number): void {
    const { keys } = this;
    const mask = keys.length - 1;
    let i = Math.imul(key, 0x9e3779b1) >>> this.shift;
    for (; keys[i] !== key; i = (i + 1) & mask) {
      if (keys[i] === EMPTY) {
        keys[i] = key;
        this.size++;
        break;
      }
    }
    this.values[i] = value;
  }

  clear(): void {
    this.keys.fill(EMPTY);
    this.size = 0;
  }
}

/** No key (keys are 30-bit, never negative). */
const EMPTY = -1;

/**
 * 30 bits of an id from its first and last 8 characters read as hex (a small integer, stored
 * without an object). Random ids differ everywhere; where a sender numbers them, or puts a
 * time first, the ends differ. Reading 16 characters, not all of a 32-character trace id
 * through a hash, saves ~0.3 µs per span.
 */
function bits30(id: string): number {
  // The first word multiplied (an odd constant) so that ids repeating one word do not cancel out.
  return (Math.imul(hexAt(id, 0), 0x9e3779b1) ^ hexAt(id, id.length - 8)) & 0x3fffffff;
}

/** Up to 8 characters from `start` read as hex. */
function hexAt(id: string, start: number): number {
  let v = 0;
  for (let i = Math.max(0, start), end = Math.min(id.length, start + 8); i < end; i++) {
    const c = id.charCodeAt(i);
    // '0'-'9' -> 0-9, 'a'-'f' and 'A'-'F' -> 10-15; anything else some other nibble (only a key).
    v = (v << 4) | ((c & 15) + (c >> 6) * 9);
  }
  return v;
}
