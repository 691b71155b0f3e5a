import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashKeyWords, SeenSpans } from '../../exporter/src/dedupe/seen-spans.js';

const key = (): string => SeenSpans.key(randomBytes(16).toString('hex'), randomBytes(8).toString('hex'));
/** Keys whose span ids count up from 1: the shape of test data, worst for a weak hash. */
const sequential = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => SeenSpans.key('a'.repeat(32), (from + i).toString(16).padStart(16, '0')));

describe('SeenSpans', () => {
  it('recognises a key added before and answers false when it is added again', () => {
    const seen = new SeenSpans(1000);
    const [a, b] = [key(), key()];
    expect(seen.add(a)).toBe(true);
    expect(seen.has(a)).toBe(true);
    expect(seen.has(b)).toBe(false);
    expect(seen.add(a)).toBe(false);
    expect(seen.size).toBe(1);
  });

  it('addUnknown records keys checked beforehand, across a generation change', () => {
    const seen = new SeenSpans(4);
    const keys = Array.from({ length: 3 }, key);
    for (const k of keys) {
      expect(seen.has(k)).toBe(false);
      seen.addUnknown(k);
    }
    // Generation size 2: the third key started a new generation, the first two are the previous one.
    expect(keys.map((k) => seen.has(k))).toEqual([true, true, true]);
    expect(seen.size).toBe(3);
    expect(seen.add(keys[0]!)).toBe(false);
  });

  it('agrees with a Set over 200,000 random and sequential keys, with deletes', () => {
    const seen = new SeenSpans(1_000_000);
    const model = new Set<string>();
    const keys = [...Array.from({ length: 100_000 }, key), ...sequential(100_000)];
    let wrong = 0;
    keys.forEach((k, i) => {
      if (seen.add(k) === model.has(k)) wrong++;
      model.add(k);
      if (i % 7 === 0) {
        seen.delete(k);
        model.delete(k);
      }
    });
    expect(wrong).toBe(0);
    expect(seen.size).toBe(model.size);
    expect(keys.filter((k) => seen.has(k) !== model.has(k))).toEqual([]);
    expect(Array.from({ length: 1000 }, key).filter((k) => seen.has(k))).toEqual([]);
  });

  it('forgets the oldest generation once both are full', () => {
    const seen = new SeenSpans(4); // generations of 2
    const [k1, k2, k3, k4, k5] = sequential(5);
    for (const k of [k1!, k2!, k3!, k4!]) seen.add(k);
    expect([k1, k2, k3, k4].every((k) => seen.has(k!))).toBe(true);
    seen.add(k5!); // k1 and k2 go
    expect(seen.has(k1!)).toBe(false);
    expect(seen.has(k2!)).toBe(false);
    expect([k3, k4, k5].every((k) => seen.has(k!))).toBe(true);
    expect(seen.size).toBe(3);
  });

  it('stays correct through endless add and delete cycles (a disk refusing every spool append)', () => {
    const seen = new SeenSpans(2000);
    const kept = sequential(500, 1);
    kept.forEach((k) => seen.add(k));
    for (let round = 0; round < 200; round++) {
      const refused = Array.from({ length: 512 }, key);
      expect(refused.filter((k) => !seen.add(k))).toEqual([]);
      for (const k of refused) seen.delete(k);
      expect(refused.some((k) => seen.has(k))).toBe(false);
    }
    expect(kept.every((k) => seen.has(k))).toBe(true);
    expect(seen.size).toBe(500);
  });

  it('addAllIfNew adds the keys of a request all or none, checking both generations', () => {
    const seen = new SeenSpans(8); // generations of 4
    const first = sequential(3, 1);
    expect(seen.addAllIfNew(first)).toBe(true);
    expect(first.every((k) => seen.has(k))).toBe(true);
    // Two more keys fill the generation and start the next one: the first keys move to the previous one.
    expect(seen.addAllIfNew(sequential(2, 10))).toBe(true);
    expect(seen.size).toBe(5);
    const fresh = sequential(3, 20);
    // One key from the previous generation makes the whole request a repeat, and nothing is added.
    expect(seen.addAllIfNew([...fresh, first[1]!])).toBe(false);
    expect(fresh.some((k) => seen.has(k))).toBe(false);
    expect(seen.size).toBe(5);
    expect(seen.addAllIfNew(fresh)).toBe(true);
    expect(fresh.every((k) => seen.has(k))).toBe(true);
    // Keys of another shape take the one-by-one path, with the same answer.
    expect(seen.addAllIfNew(['odd-key', ...sequential(1, 40)])).toBe(true);
    expect(seen.addAllIfNew(['odd-key'])).toBe(false);
  });

  it('addAllIfNew agrees with has() over 300 requests of 512 random keys, a fifth of them repeated', () => {
    const seen = new SeenSpans(200_000);
    const model = new Set<string>();
    const accepted: string[] = [];
    let wrong = 0;
    for (let r = 0; r < 300; r++) {
      const keys = Array.from({ length: 512 }, key);
      if (r % 5 === 4) keys[r % 512] = accepted[(r * 7919) % accepted.length]!;
      const known = keys.some((k) => model.has(k));
      if (seen.addAllIfNew(keys) === known) wrong++;
      if (!known) for (const k of keys) (model.add(k), accepted.push(k));
    }
    expect(wrong).toBe(0);
    expect(seen.size).toBe(model.size);
    expect(accepted.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('keeps keys of another shape too', () => {
    const seen = new SeenSpans(100);
    expect(seen.add('ABCDEF')).toBe(true);
    expect(seen.add('ABCDEF')).toBe(false);
    expect(seen.has('abcdef')).toBe(false);
    seen.delete('ABCDEF');
    expect(seen.has('ABCDEF')).toBe(false);
  });

  it('spreads keys whose words repeat (a counter in both the span and the trace id, as the load test sends) over the table', () => {
    // Load-test ids: span id = request(4 bytes) span(2) 0x0001, trace id = nonce(4) request(4) ...
    const homes = new Set<number>();
    for (let request = 0; request < 200; request++) {
      for (let span = 0; span < 512; span++) homes.add(hashKeyWords(request, (span << 16) | 1, 0x8badf00d, request) >>> 12); // 2^20 slots
    }
    // 102,400 keys into 1,048,576 slots: a good hash leaves ~95% of them alone in their slot.
    expect(homes.size).toBeGreaterThan(90_000);
  });
});

