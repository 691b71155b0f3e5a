import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

// fdatasync fails once (an I/O error of the disk), the way nothing on this machine can make it fail for real.
let failNextSync = false;
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    fdatasyncSync: (fd: number) => {
      if (failNextSync) {
        failNextSync = false;
        throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      }
      fs.fdatasyncSync(fd);
    },
  };
});

const { SegmentWriter, readSegment } = await import('../../exporter/src/spool/segment-file.js');

const dir = tempDir('agentic-pnl-fsync-');
afterAll(() => dir.remove());

describe('a spool append whose fdatasync fails', () => {
  it('is undone, like a failed write: the sender is refused and retries, so the record must not stay to be replayed', () => {
    const path = join(dir.path, 'segment-1');
    const writer = new SegmentWriter(1, path, true);
    writer.append(Buffer.from('first record'), 1);
    const size = statSync(path).size;
    failNextSync = true;
    expect(() => writer.append(Buffer.from('refused record'), 1)).toThrow(/EIO/);
    expect(statSync(path).size).toBe(size);
    writer.append(Buffer.from('the retry'), 1);
    writer.close();
    expect(readSegment(path).records.map((r) => r.payload.toString())).toEqual(['first record', 'the retry']);
    expect(readFileSync(path).includes('refused record')).toBe(false);
  });
});
