import { fmix32 } from '../hash/fmix32.js';

/**
 * Remembers which spans were already accepted, so a span delivered twice (client retry,
 * collector replay, restart) is counted once. Two generations bound the memory: when the
 * current one reaches its capacity it becomes the previous one and the oldest keys are
 * forgotten.
 *
 * A key is 128 bits of hex (see key()). Each generation stores them as four 32-bit words in
 * an open-addressing table in one typed array: 32 bytes per key at half load, so the default
 * 1M keys take 32 MB (plus 2 MB of presence bits, see KeyTable), not the ~80 MB a Set of
 * strings takes, and the garbage collector has no million strings to trace at every major
 * collection.
 */
export class SeenSpans {
  private current: KeyTable;
  private previous: KeyTable;
  private readonly generationSize: number;
  /** addAllIfNew's parsed keys and their hashes, reused from request to request. */
  private parsed = new Uint32Array(0);
  private hashes = new Int32Array(0);

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
    this.rotateIfFull();
    this.current.insert(key);
  }

  /**
   * Accepts a request's keys, distinct from each other, all or none: adds them all and returns
   * true when none was known, else adds nothing and returns false. Each key is parsed and hashed
   * once for the check in both generations and for the insert (the two tables have the same
   * size, so a key has the same home slot in both).
   */
  addAllIfNew(keys: readonly string[]): boolean {
    const n = keys.length;
    if (this.parsed.length < n * WORDS) this.parsed = new Uint32Array(n * WORDS * 2);
    if (this.hashes.length < n) this.hashes = new Int32Array(n * 2);
    const words = this.parsed;
    for (let i = 0; i < n; i++) {
      if (!parseKey(keys[i]!, words, i * WORDS)) return this.addAllIfNewOneByOne(keys);
      const o = i * WORDS;
      const h = hashOf(words, o);
      this.hashes[i] = h;
      if (this.current.findAt(words, o, h) >= 0 || this.previous.findAt(words, o, h) >= 0) return false;
    }
    for (let i = 0; i < n; i++) {
      this.rotateIfFull();
      this.current.insertAt(words, i * WORDS, this.hashes[i]!);
    }
    return true;
  }

  /** addAllIfNew for keys that are not all 128-bit hex (never the case for the spans' own keys). */
  private addAllIfNewOneByOne(keys: readonly string[]): boolean {
    if (keys.some((k) => this.has(k))) return false;
    for (const k of keys) this.addUnknown(k);
    return true;
  }

  private rotateIfFull(): void {
    if (this.current.size < this.generationSize) return;
    const oldest = this.previous;
    oldest.clear();
    this.previous = this.current;
    this.current = oldest;
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

/** Presence bits per table slot: 8 bits per slot, 4 per key at the fullest, ~6% false positives then. */
const FILTER_BITS_PER_SLOT = 8;

/**
 * One generation: a set of 128-bit hex keys; keys of any other shape go to a plain Set.
 *
 * A bit array in front of the table answers most lookups of new keys: the table (16.8 MB for the
 * default 1M keys) is far larger than the CPU caches and a probe into it is a memory access,
 * while the bit array (1 MB) mostly stays cached. Deleting a key leaves its bit set: a false
 * positive only costs the probe that would have happened anyway.
 */
class KeyTable {
  private readonly slots: Uint32Array;
  private readonly filter: Int32Array;
  private readonly mask: number;
  private readonly shift: number;
  private readonly filterMask: number;
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
    const filterBits = 2 ** bits * FILTER_BITS_PER_SLOT;
    this.filter = new Int32Array(filterBits / 32);
    this.filterMask = filterBits - 1;
  }

  get size(): number {
    return this.count + this.odd.size;
  }

  has(key: string): boolean {
    if (!parseKey(key, this.words, 0)) return this.odd.has(key);
    return this.findAt(this.words, 0, hashOf(this.words, 0)) >= 0;
  }

  /** Adds a key that is not in the table. */
  insert(key: string): void {
    if (!parseKey(key, this.words, 0)) {
      this.odd.add(key);
      return;
    }
    this.insertAt(this.words, 0, hashOf(this.words, 0));
  }

  /** Adds the parsed key at words[o..o+3], with hash h (hashKeyWords), that is not in the table. */
  insertAt(words: Uint32Array, o: number, h: number): void {
    const s = this.slots;
    // The first free slot on the key's probe path: empty, or left by a delete.
    let i = h >>> this.shift;
    while (s[i * WORDS] !== 0 || s[i * WORDS + 1] !== 0) i = (i + 1) & this.mask;
    if (s[i * WORDS + 3] === 0) this.used++;
    s[i * WORDS] = words[o]!;
    s[i * WORDS + 1] = words[o + 1]!;
    s[i * WORDS + 2] = words[o + 2]!;
    s[i * WORDS + 3] = words[o + 3]!;
    const bit = h & this.filterMask;
    this.filter[bit >>> 5] = this.filter[bit >>> 5]! | (1 << (bit & 31));
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
      this.insertAt(live, b, hashOf(live, b));
    }
  }

  delete(key: string): void {
    if (!parseKey(key, this.words, 0)) {
      this.odd.delete(key);
      return;
    }
    const i = this.findAt(this.words, 0, hashOf(this.words, 0));
    if (i < 0) return;
    this.slots.fill(0, i * WORDS, i * WORDS + WORDS);
    this.slots[i * WORDS + 3] = 1;
    this.count--;
  }

  clear(): void {
    this.slots.fill(0);
    this.filter.fill(0);
    this.used = 0;
    this.count = 0;
    this.odd.clear();
  }

  /**
   * The slot holding the parsed key at words[o..o+3] (hash h), or -1. Stops at an empty slot;
   * steps over deleted ones.
   */
  findAt(words: Uint32Array, o: number, h: number): number {
    const bit = h & this.filterMask;
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1;
    const s = this.slots;
    const w0 = words[o]!;
    const w1 = words[o + 1]!;
    const w2 = words[o + 2]!;
    const w3 = words[o + 3]!;
    for (let i = h >>> this.shift; ; i = (i + 1) & this.mask) {
      const b = i * WORDS;
      if (s[b] === w0 && s[b + 1] === w1 && s[b + 2] === w2 && s[b + 3] === w3) return i;
      if (s[b] === 0 && s[b + 1] === 0 && s[b + 3] === 0) return -1;
    }
  }
}

/** hashKeyWords of the four words at words[o..o+3]. */
function hashOf(words: Uint32Array, o: number): number {
  return hashKeyWords(words[o]!, words[o + 1]!, words[o + 2]!, words[o + 3]!);
}

/** Parses a 32-character lowercase hex key into words[o..o+3]; false for any other shape. */
function parseKey(key: string, words: Uint32Array, o: number): boolean {
  if (key.length !== 32) return false;
  for (let word = 0; word < WORDS; word++) {
    let v = 0;
    for (let i = word * 8, end = i + 8; i < end; i++) {
      const c = key.charCodeAt(i);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (d < 0) return false;
      v = v * 16 + d;
    }
    words[o + word] = v;
  }
  return words[o] !== 0 || words[o + 1] !== 0;
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
