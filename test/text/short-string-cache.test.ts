import { describe, expect, it } from 'vitest';
import { ShortStringCache, viewOf } from '../../exporter/src/text/short-string-cache.js';

const decodeAll = (cache: ShortStringCache, words: string[]): string[] => {
  const bytes = words.map((w) => Buffer.from(w, 'utf8'));
  const buf = Buffer.concat(bytes);
  const out: string[] = [];
  let pos = 0;
  for (const b of bytes) {
    out.push(cache.decode(buf, viewOf(buf), pos, pos + b.length));
    pos += b.length;
  }
  return out;
};

describe('ShortStringCache', () => {
  it('decodes exactly what Buffer#toString does, for thousands of distinct strings that collide in its slots', () => {
    const cache = new ShortStringCache();
    const words = Array.from({ length: 5000 }, (_, i) => `gen_ai.k${i % 1500}.${'é€'.repeat(i % 3)}`);
    // Twice: the second pass is served partly from the cache, partly decoded again after collisions.
    expect(decodeAll(cache, words)).toEqual(words);
    expect(decodeAll(cache, words)).toEqual(words);
  });

  it('returns the same string for the same bytes from different buffers', () => {
    const cache = new ShortStringCache();
    const a = Buffer.from('xxgpt-4o-mini');
    const b = Buffer.from('gpt-4o-minizz');
    const first = cache.decode(a, viewOf(a), 2, a.length);
    expect(cache.decode(b, viewOf(b), 0, 11)).toBe(first);
    expect(first).toBe('gpt-4o-mini');
  });

  it('keeps its own copy of the bytes: a reused request buffer decodes to its new content', () => {
    const cache = new ShortStringCache();
    const buf = Buffer.from('customer-a');
    expect(cache.decode(buf, viewOf(buf), 0, buf.length)).toBe('customer-a');
    buf.write('customer-b');
    expect(cache.decode(buf, viewOf(buf), 0, buf.length)).toBe('customer-b');
  });

  it('decodes invalid UTF-8 as Buffer#toString does (replacement characters), strings around the longest cached length, and empty ones', () => {
    const cache = new ShortStringCache();
    const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
    expect(cache.decode(bad, viewOf(bad), 0, 4)).toBe(bad.toString('utf8'));
    expect(cache.decode(bad, viewOf(bad), 0, 4)).toBe(bad.toString('utf8'));
    // Around the longest cached length (48 bytes), and the empty string.
    for (const word of ['k'.repeat(47), 'k'.repeat(48), 'k'.repeat(49), 'é'.repeat(24), 'é'.repeat(150)]) {
      const text = Buffer.from(word);
      expect(cache.decode(text, viewOf(text), 0, text.length)).toBe(text.toString('utf8'));
      expect(cache.decode(text, viewOf(text), 0, text.length)).toBe(text.toString('utf8'));
    }
    expect(cache.decode(bad, viewOf(bad), 1, 1)).toBe('');
  });
});
