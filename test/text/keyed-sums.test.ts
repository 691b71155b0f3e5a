import { describe, expect, it } from 'vitest';
import { KeyedSums } from '../../exporter/src/text/keyed-sums.js';

describe('KeyedSums', () => {
  it('gives each key a slot in arrival order, keeps values across growth, and starts reused slots at zero', () => {
    const t = new KeyedSums(3);
    // 3,000 keys: the array (1,024 slots to start) grows twice.
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3000; i++) {
        const base = t.slotOf(`k${i}`) * t.width;
        for (let c = 0; c < 3; c++) t.sums[base + c]! += i + c;
      }
    }
    expect(t.size).toBe(3000);
    expect(t.keys[2999]).toBe('k2999');
    expect([...t.sums.subarray(2999 * 3, 3000 * 3)]).toEqual([5998, 6000, 6002]);
    expect([...t.sums.subarray(0, 3)]).toEqual([0, 2, 4]);
    t.clear();
    expect(t.size).toBe(0);
    // After clear, a new key takes slot 0 again, zeroed, not the old key's sums.
    expect(t.slotOf('new')).toBe(0);
    expect([...t.sums.subarray(0, 3)]).toEqual([0, 0, 0]);
  });
});
