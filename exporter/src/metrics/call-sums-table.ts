import { CALL_SUMS_STRIDE } from './ingest-tally.js';

/** Values summed per key: an IngestTallyData call sum entry without its key. */
export const CALL_SUM_VALUES = CALL_SUMS_STRIDE - 1;

/**
 * Call sums by key, all values in one Float64Array: a new key costs a Map entry and no object
 * of its own, and the values are added unboxed. This runs for every call sum of every accepted
 * request, on the thread that answers them, so what it leaves for the garbage collector counts.
 */
export class CallSumsTable {
  private readonly index = new Map<string, number>();
  private readonly keys: string[] = [];
  private sums = new Float64Array(CALL_SUM_VALUES * 1024);

  get size(): number {
    return this.keys.length;
  }

  /** Adds the CALL_SUM_VALUES values at entries[at + 1..] under the key at entries[at]. */
  add(entries: ReadonlyArray<string | number>, at: number): void {
    const key = entries[at] as string;
    let slot = this.index.get(key);
    if (slot === undefined) {
      slot = this.keys.length;
      if ((slot + 1) * CALL_SUM_VALUES > this.sums.length) this.grow();
      this.sums.fill(0, slot * CALL_SUM_VALUES, (slot + 1) * CALL_SUM_VALUES);
      this.index.set(key, slot);
      this.keys.push(key);
    }
    const sums = this.sums;
    const base = slot * CALL_SUM_VALUES;
    for (let k = 0; k < CALL_SUM_VALUES; k++) sums[base + k]! += entries[at + 1 + k] as number;
  }

  /** Calls `fn` with each key and its values (sums[offset..offset + CALL_SUM_VALUES - 1]), in the order keys came. */
  forEach(fn: (key: string, sums: Float64Array, offset: number) => void): void {
    for (let slot = 0; slot < this.keys.length; slot++) fn(this.keys[slot]!, this.sums, slot * CALL_SUM_VALUES);
  }

  clear(): void {
    this.index.clear();
    this.keys.length = 0;
  }

  private grow(): void {
    const next = new Float64Array(this.sums.length * 2);
    next.set(this.sums);
    this.sums = next;
  }
}
