/**
 * Remembers which spans were already accepted, so a span delivered twice (client retry,
 * collector replay, restart) is counted once. Two generations of Sets bound the memory: when
 * the current one reaches its capacity it becomes the previous one and the oldest keys are
 * forgotten. A key costs about 80 bytes, so the default 1M keys (two generations of 500k) stay
 * under ~80 MB while covering far more than any OTLP retry or replay window at hundreds of
 * spans per second.
 */
export class SeenSpans {
  private current = new Set<string>();
  private previous = new Set<string>();
  private readonly generationSize: number;

  /** @param maxKeys total keys remembered across both generations (at least 2). */
  constructor(maxKeys: number) {
    this.generationSize = Math.max(1, Math.floor(maxKeys / 2));
  }

  /** The dedup key of a span: its span id plus half of its trace id (128 random bits in all). */
  static key(traceId: string, spanId: string): string {
    return spanId + traceId.slice(0, 16);
  }

  has(key: string): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  /** Records a key; returns false when it was already known (a duplicate). */
  add(key: string): boolean {
    if (this.has(key)) return false;
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Set<string>();
    }
    this.current.add(key);
    return true;
  }

  /** Forgets a key, used when a batch could not be accepted after all. */
  delete(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}
