import { fmix32 } from '../hash/fmix32.js';

/**
 * Remembers which spans were already accepted, so a span delivered twice (client retry,
 * collector replay, restart) is counted once. Two generations bound the memory: when the
 * current one reaches its capacity it becomes the previous one and the oldest keys are
 * forgotten.
 *
 * A key is 128 bits of hex (see key()). Each generation stores them as four 32-bit words in
 * an open-addressing table in one typed array: 32 bytes per key at half load, so the default
 * 1M keys take 32 MB, not the ~80 MB a Set of strings takes, and the garbage collector has no
 * million strings to trace at every major collection.
 */
export class SeenSpans {
  private current: KeyTable;
  private previous: KeyTable;
  private readonly generationSize: number;

  /** @param maxKeys total keys remembered across both generations (at least 2). */
  constructor(maxKeys: number) {
    this.generationSize = Math.max(1, Math.floor(maxKeys / 2));
    this.current = new KeyTable(this.generationSize);
    this.previous = new KeyTable(this.generationSize);
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
    this.addUnknown(key);
    return true;
  }

  /**
   * Records a key that has() just said is unknown, without looking it up again: accepting a
   * request checks all its keys first (it is accepted whole or not at all), then adds them.
   */
  addUnknown(key: string): void {
    if (this.current.size >= this.generationSize) {
      const oldest = this.previous;
      oldest.clear();
      this.previous = this.current;
      this.current = oldest;
    }
    this.current.insert(key);
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

/* Slot states: all four words 0 = empty; words 0-1 = 0 with word 3 = 1 = deleted. A real key
 * never has words 0-1 at 0: they are the span id, and an all-zero span id is rejected as
 * invalid before dedup. */
const WORDS = 4;

/** One generation: a set of 128-bit hex keys; keys of any other shape go to a plain Set. */
class KeyTable {
  private readonly slots: Uint32Array;
  private readonly mask: number;
  private readonly shift: number;
  private used = 0;
  private count = 0;
  private readonly odd = new Set<string>();
  private readonly words = new Uint32Array(WORDS);

  constructor(capacity: number) {
    let bits = 4;
    while (2 ** bits < capacity * 2) bits++;
    this.slots = new Uint32Array(2 ** bits * WORDS);
    this.mask = 2 ** bits - 1;
    this.shift = 32 - bits;
  }

  get size(): number {
    return this.count + this.odd.size;
  }

  has(key: string): boolean {
    if (!this.parse(key)) return this.odd.has(key);
    return this.find() >= 0;
  }

  /** Adds a key that is not in the table. */
  insert(key: string): void {
    if (!this.parse(key)) {
      this.odd.add(key);
      return;
    }
    const s = this.slots;
    // The first free slot on the key's probe path: empty, or left by a delete.
    let i = this.home();
    while (s[i * WORDS] !== 0 || s[i * WORDS + 1] !== 0) i = (i + 1) & this.mask;
    if (s[i * WORDS + 3] === 0) this.used++;
    s.set(this.words, i * WORDS);
    this.count++;
    // Deletes leave markers that lengthen probes; past 3/4 occupancy, rebuild without them.
    if (this.used * 4 > (this.mask + 1) * 3) this.rehash();
  }

  private rehash(): void {
    const live = this.slots.slice();
    this.slots.fill(0);
    this.used = 0;
    this.count = 0;
    for (let b = 0; b < live.length; b += WORDS) {
      if (live[b] === 0 && live[b + 1] === 0) continue;
      this.words.set(live.subarray(b, b + WORDS));
      let i = this.home();
      while (this.slots[i * WORDS] !== 0 || this.slots[i * WORDS + 1] !== 0) i = (i + 1) & this.mask;
      this.slots.set(this.words, i * WORDS);
      this.used++;
      this.count++;
    }
  }

  delete(key: string): void {
    if (!this.parse(key)) {
      this.odd.delete(key);
      return;
    }
    const i = this.find();
    if (i < 0) return;
    this.slots.fill(0, i * WORDS, i * WORDS + WORDS);
    this.slots[i * WORDS + 3] = 1;
    this.count--;
  }

  clear(): void {
    this.slots.fill(0);
    this.used = 0;
    this.count = 0;
    this.odd.clear();
  }

  /** The slot holding the parsed key, or -1. Stops at an empty slot; steps over deleted ones. */
  private find(): number {
    const w = this.words;
    const s = this.slots;
    for (let i = this.home(); ; i = (i + 1) & this.mask) {
      const b = i * WORDS;
      if (s[b] === w[0] && s[b + 1] === w[1] && s[b + 2] === w[2] && s[b + 3] === w[3]) return i;
      if (s[b] === 0 && s[b + 1] === 0 && s[b + 3] === 0) return -1;
    }
  }

  private home(): number {
    const w = this.words;
    return hashKeyWords(w[0]!, w[1]!, w[2]!, w[3]!) >>> this.shift;
  }

  /** Parses a 32-character lowercase hex key into this.words; false for any other shape. */
  private parse(key: string): boolean {
    if (key.length !== 32) return false;
    const w = this.words;
    for (let word = 0; word < WORDS; word++) {
      let v = 0;
      for (let i = word * 8, end = i + 8; i < end; i++) {
        const c = key.charCodeAt(i);
        const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
        if (d < 0) return false;
        v = v * 16 + d;
      }
      w[word] = v;
    }
    return w[0] !== 0 || w[1] !== 0;
  }
}

/**
 * MurmurHash3's 32-bit mixing of the four words of a key. Ids are not always random: senders
 * and load generators put counters in them, and a load test's keys repeat the same word twice
 * (a request number in both the span and the trace id), which cancelled out in the first, XOR-
 * combined hash and sent 500,000 keys to 512 slots. Every word is mixed before it is combined.
 */
export function hashKeyWords(w0: number, w1: number, w2: number, w3: number): number {
  let h = 0x9747b28c;
  h = mixWord(h, w0);
  h = mixWord(h, w1);
  h = mixWord(h, w2);
  h = mixWord(h, w3);
  return fmix32(h ^ 16);
}

function mixWord(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}
