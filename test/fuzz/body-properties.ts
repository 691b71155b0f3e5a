import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { BodyError, readBody } from '../../exporter/src/receive/read-body.js';
import { requestArb } from './arbitraries.js';
import { decodeChecked, type FuzzProperty } from './decoder-properties.js';
import { encodeJson } from './json-encoder.js';
import { byteMutationArb, encodeOptionsArb, jsonNoiseArb, mutateBytes } from './mutations.js';
import { encodeProtobuf } from './protobuf-encoder.js';

/*
 * readBody + decode on in-memory requests: Content-Encoding headers right and wrong, gzip and
 * deflate that are truncated, corrupted, doubled or bombs, lying Content-Length headers, odd
 * chunking, and uploads that fail mid-stream. Only BodyError (400/413/415) or OtlpDecodeError
 * may come out, and a cleanly compressed body must come back byte for byte.
 */

const MAX_BYTES = 64 * 1024;

type Packing = 'none' | 'gzip' | 'deflate' | 'deflate-raw' | 'gzip-truncated' | 'gzip-garbage-tail' | 'gzip-corrupted' | 'gzip-twice' | 'gzip-members' | 'bomb' | 'garbage';

const PACKINGS: readonly Packing[] = ['none', 'gzip', 'deflate', 'deflate-raw', 'gzip-truncated', 'gzip-garbage-tail', 'gzip-corrupted', 'gzip-twice', 'gzip-members', 'bomb', 'garbage'];

let bomb: Buffer | undefined;

function pack(body: Buffer, packing: Packing, cut: number): Buffer {
  switch (packing) {
    case 'none': return body;
    case 'gzip': return gzipSync(body);
    case 'deflate': return deflateSync(body);
    case 'deflate-raw': return deflateRawSync(body);
    case 'gzip-truncated': { const g = gzipSync(body); return g.subarray(0, cut % g.length); }
    case 'gzip-garbage-tail': return Buffer.concat([gzipSync(body), Buffer.from([cut & 0xff, 0x8b, 0x00, 0x13])]);
    case 'gzip-corrupted': { const g = Buffer.from(gzipSync(body)); g[cut % g.length]! ^= 1 << (cut % 8); return g; }
    case 'gzip-twice': return gzipSync(gzipSync(body));
    case 'gzip-members': return Buffer.concat([gzipSync(body.subarray(0, cut % (body.length + 1))), gzipSync(body.subarray(cut % (body.length + 1)))]);
    case 'bomb': return (bomb ??= gzipSync(Buffer.alloc(16 * 1024 * 1024)));
    case 'garbage': return Buffer.from(body.toString('base64'));
  }
}

/** An IncomingMessage stand-in: the body in chunks, optionally failing after some of them as a dropped connection does. */
function fakeRequest(body: Buffer, headers: Record<string, string>, chunkSize: number, failAfter: number | undefined): IncomingMessage {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
  let sent = 0;
  const stream = new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) {
        this.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        return;
      }
      this.push(sent < chunks.length ? chunks[sent++]! : null);
    },
  });
  // Like http.IncomingMessage, which drops an error nobody listens for (a client aborting after
  // readBody stopped reading must not crash the process).
  stream.on('error', () => undefined);
  return Object.assign(stream, { headers }) as unknown as IncomingMessage;
}

export function bodyProperty(runs: number): FuzzProperty {
  const stats: Record<string, number> = {};
  const payloadArb = fc.oneof(
    fc.tuple(requestArb(), encodeOptionsArb).map(([req, o]) => ({ encoding: 'protobuf' as const, body: encodeProtobuf(req, o) })),
    fc.tuple(requestArb(), fc.integer()).map(([req, layoutSeed]) => ({ encoding: 'json' as const, body: encodeJson(req, { layoutSeed, unknownFields: true }) })),
    fc.tuple(jsonNoiseArb, fc.constantFrom<'protobuf' | 'json'>('protobuf', 'json')).map(([body, encoding]) => ({ encoding, body })),
  );
  const property = fc.asyncProperty(
    payloadArb,
    fc.constantFrom(...PACKINGS),
    fc.constantFrom(undefined, 'gzip', 'deflate', 'identity', '', 'GZIP', ' gzip ', 'br', 'gzip, gzip', 'compress'),
    fc.oneof(fc.constant(undefined), fc.constantFrom('0', '-1', 'abc', '1e400', String(MAX_BYTES + 1), '99999999999999999999'), fc.nat().map(String)),
    fc.integer({ min: 1, max: 70_000 }),
    fc.option(fc.nat({ max: 8 }), { nil: undefined, freq: 5 }),
    fc.nat(),
    fc.array(byteMutationArb, { maxLength: 1 }),
    async (payload, packing, encodingHeader, contentLength, chunkSize, failAfter, cut, mutations) => {
      const wire = mutateBytes(pack(payload.body, packing, cut), mutations);
      const headers: Record<string, string> = {};
      if (encodingHeader !== undefined) headers['content-encoding'] = encodingHeader;
      if (contentLength !== undefined) headers['content-length'] = contentLength;
      let body: Buffer;
      try {
        body = await readBody(fakeRequest(wire, headers, chunkSize, failAfter), MAX_BYTES);
      } catch (err) {
        if (!(err instanceof BodyError)) throw new Error(`readBody threw ${(err as Error)?.name}: ${(err as Error)?.message} instead of a BodyError`, { cause: err });
        if (![400, 413, 415].includes(err.status) || err.message === '') throw new Error(`BodyError ${err.status}: "${err.message}"`);
        stats[`body-${err.status}`] = (stats[`body-${err.status}`] ?? 0) + 1;
        return;
      }
      const header = (encodingHeader ?? '').trim().toLowerCase();
      const clean = mutations.length === 0 && failAfter === undefined && !(Number(contentLength) > MAX_BYTES) && payload.body.length <= MAX_BYTES;
      if (clean && ((packing === 'none' && (header === '' || header === 'identity')) || (packing === header && (packing === 'gzip' || packing === 'deflate')))) {
        if (!body.equals(payload.body)) throw new Error(`a ${packing} body did not come back as sent`);
      }
      decodeChecked(payload.encoding, body, stats);
    },
  );
  return { name: 'body/encodings', runs, property, stats };
}
