/**
 * Rows of `width` numbers under string keys, all in one Float64Array: a new key costs a Map
 * entry and no object of its own, and values are added unboxed. For sums that live on the
 * thread that answers requests until they are written out (a batch's daily sums, the metric
 * call sums waiting for a scrape), where what they leave for the garbage collector counts.
 */
export class KeyedSums {
  private readonly index = new Map<string, number>();
  /** The keys, by slot, in the order they came. */
  readonly keys: string[] = [];
  /** Slot s holds its values at [s * width, (s + 1) * width). Replaced when it grows: read it after slotOf(). */
  sums: Float64Array;

  constructor(readonly width: number) {
    this.sums = new Float64Array(width * 1024);
  }

  get size(): number {
    return this.keys.length;
  }

  /** The slot of `key`; a new key gets the next slot, its values zero. */
  slotOf(key: string): number {
    let slot = this.index.get(key);
    if (slot === undefined) {
      slot = this.keys.length;
      if ((slot + 1) * this.width > this.sums.length) {
        const grown = new Float64Array(this.sums.length * 2);
        grown.set(this.sums);
        this.sums = grown;
      }
      this.sums.fill(0, slot * this.width, (slot + 1) * this.width);
      this.index.set(key, slot);
      this.keys.push(key);
    }
    return slot;
  }

  clear(): void {
    this.index.clear();
    this.keys.length = 0;
  }
}
