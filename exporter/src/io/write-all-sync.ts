import { writevSync } from 'node:fs';

/** Buffers per writev call: Linux takes at most 1,024 (IOV_MAX), and libuv writes no more. */
const MAX_BUFFERS = 1024;

/**
 * Writes the buffers to `fd` one after another, all of them, without joining them first (a
 * batch's rows are tens of megabytes in hundreds of buffers). A write may take fewer bytes than
 * asked, in the middle of a buffer; the rest is written by the next call. Empty buffers are
 * skipped. Returns the bytes written.
 */
export function writeAllSync(fd: number, buffers: readonly Uint8Array[]): number {
  let pending = buffers.filter((b) => b.length > 0);
  let total = 0;
  while (pending.length > 0) {
    let written = writevSync(fd, pending.slice(0, MAX_BUFFERS));
    total += written;
    let i = 0;
    while (i < pending.length && written >= pending[i]!.length) written -= pending[i++]!.length;
    pending = pending.slice(i);
    if (written > 0) pending[0] = pending[0]!.subarray(written);
  }
  return total;
}
