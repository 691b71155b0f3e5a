import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** Why a request body could not be read; mapped to an HTTP status by the route. */
export class BodyError extends Error {
  override readonly name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads a request body and undoes its Content-Encoding. The size limit applies to the body
 * as received and again to the decompressed bytes, so a small gzip bomb is refused with 413
 * before it can grow past the limit in memory (zlib stops at `maxOutputLength`).
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new BodyError(413, `body of ${declared} bytes exceeds the limit of ${maxBytes} bytes (PNL_MAX_BODY_BYTES)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        req.resume();
        throw new BodyError(413, `body exceeds the limit of ${maxBytes} bytes (PNL_MAX_BODY_BYTES)`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (err instanceof BodyError) throw err;
    // The sender hung up or the connection broke mid-body ("aborted", ECONNRESET). That is the
    // client's doing, not a server fault: before fuzzing found it, it went on as an unexpected
    // error (a 500 to nobody, an error-level log with a stack for every dropped upload).
    throw new BodyError(400, `the request body was not received completely: ${(err as Error).message}`);
  }
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return raw;
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    throw new BodyError(415, `Content-Encoding "${encoding}" is not supported; send gzip, deflate or none`);
  }
  try {
    return await (encoding === 'gzip' ? gunzip : inflate)(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `decompressed body exceeds the limit of ${maxBytes} bytes (PNL_MAX_BODY_BYTES)`);
    }
    throw new BodyError(400, `body is not valid ${encoding} data: ${(err as Error).message}`);
  }
}
