import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAllSync } from '../../exporter/src/io/write-all-sync.js';
import { tempDir } from '../helpers/temp-dir.js';

const dirs: Array<{ remove: () => void }> = [];
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

describe('writeAllSync', () => {
  it('writes more buffers than one writev takes (1,024), empty ones among them, in order', () => {
    const d = tempDir('pnl-write-all-');
    dirs.push(d);
    // 3,000 buffers of 0 to 9 bytes: some empty, some over an empty ArrayBuffer, some views into a larger one.
    const shared = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
    const buffers = Array.from({ length: 3000 }, (_, i) => {
      if (i % 7 === 0) return Buffer.from(new ArrayBuffer(0));
      if (i % 5 === 0) return shared.subarray(i % 50, (i % 50) + (i % 9));
      return Buffer.alloc(i % 10, i % 251);
    });
    const file = join(d.path, 'out.bin');
    const fd = openSync(file, 'w');
    const written = writeAllSync(fd, buffers);
    closeSync(fd);
    const expected = Buffer.concat(buffers);
    expect(written).toBe(expected.length);
    expect(readFileSync(file).equals(expected)).toBe(true);
  });
});
