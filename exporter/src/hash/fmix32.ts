/**
 * MurmurHash3's 32-bit finalizer: spreads every input bit over the whole result, so that a
 * hash built by cheap steps (FNV, XOR) can be cut into buckets or sample shares by its bits.
 */
export function fmix32(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
