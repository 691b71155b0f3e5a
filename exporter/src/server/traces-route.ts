import type { Request, Response } from 'express';
import type { DecodedSpan } from '../model/decoded-span.js';
import type { Logger } from '../log/logger.js';
import type { PnlMetrics } from '../metrics/pnl-metrics.js';
import { BufferFullError } from '../pipeline/buffer-full-error.js';
import { IngestWorkerError, type IngestWorkers } from '../pipeline/ingest-workers.js';
import type { IngestResult, Pipeline } from '../pipeline/pipeline.js';
import type { Admission } from './admission.js';
import { OtlpDecodeError } from '../receive/decode-error.js';
import { decodeTracesJson } from '../receive/otlp-json-decoder.js';
import { decodeTracesProtobuf } from '../receive/otlp-protobuf-decoder.js';
import { exportResponse, otlpEncodingOf, responseContentType, statusResponse, type OtlpEncoding } from '../receive/otlp-response.js';
import { BodyError, readBody } from '../receive/read-body.js';
import { SpoolError } from '../spool/spool-error.js';
import { MAX_RETRY_AFTER_S } from '../receive/retry-after.js';

/** gRPC status codes used in OTLP/HTTP error bodies (google.rpc.Status.code). */
const GRPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13 } as const;

/**
 * `POST /v1/traces` per the OTLP/HTTP spec: protobuf or JSON, optionally gzip; 200 with
 * partial_success when some spans were refused; 400 undecodable; 413 too large; 415 other
 * content types; 503 + Retry-After while the spool is full or memory is over its ceiling, 429 +
 * Retry-After over the concurrency limit (the sender retries).
 */
export function tracesRoute(deps: { pipeline: Pipeline; workers?: IngestWorkers; metrics: PnlMetrics; maxBodyBytes: number; logger: Logger; admission: Admission }) {
  const { pipeline, workers, metrics, maxBodyBytes, logger, admission } = deps;
  const decode = (body: Buffer, encoding: OtlpEncoding): DecodedSpan[] => (encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body));
  /** Prepares in a worker when there is one, on this thread otherwise or when the worker could not. */
  const ingest = async (body: Buffer, encoding: OtlpEncoding): Promise<IngestResult> => {
    if (workers !== undefined) {
      pipeline.assertRoom();
      try {
        // undefined: a span of it was accepted meanwhile by another request; ingest() below drops it.
        const committed = pipeline.commit(await workers.prepare(body, encoding));
        if (committed !== undefined) return committed;
      } catch (err) {
        if (!(err instanceof IngestWorkerError)) throw err;
        logger.warn('ingest worker failed; preparing the request on the main thread', { error: err.message });
      }
    }
    return pipeline.ingest(decode(body, encoding));
  };
  const answer = (res: Response, encoding: OtlpEncoding, status: number, body: Buffer, headers: Record<string, string> = {}): void => {
    metrics.requests.inc({ status: String(status) });
    res.status(status).set({ 'Content-Type': responseContentType(encoding, res.req.headers['content-type']), ...headers }).end(body);
  };

  return async (req: Request, res: Response): Promise<void> => {
    const encoding = otlpEncodingOf(req.headers['content-type']);
    if (encoding === undefined) {
      req.resume();
      const msg = `Content-Type "${req.headers['content-type'] ?? ''}" is not supported; send application/x-protobuf or application/json`;
      answer(res, 'json', 415, statusResponse('json', GRPC.INVALID_ARGUMENT, msg));
      return;
    }
    const refused = admission.enter();
    if (refused !== undefined) {
      req.resume();
      metrics.recordRejected(refused.reason);
      answer(res, encoding, refused.status, statusResponse(encoding, GRPC.RESOURCE_EXHAUSTED, `${refused.message}; retry in ${refused.retryAfterSeconds} s`), {
        'Retry-After': String(refused.retryAfterSeconds),
      });
      return;
    }
    res.once('close', () => admission.leave());
    let body: Buffer | undefined;
    /** Spans of a refused request, for the rejection counter (decoded again only in that case). */
    const spanCount = (): number => {
      try {
        return body === undefined ? 0 : decode(body, encoding).length;
      } catch {
        return 0;
      }
    };
    try {
      body = await readBody(req, maxBodyBytes);
      const result = await ingest(body, encoding);
      answer(res, encoding, 200, exportResponse(encoding, result.rejected, result.rejectMessage));
    } catch (err) {
      if (err instanceof BodyError || err instanceof OtlpDecodeError) {
        const status = err instanceof BodyError ? err.status : 400;
        const code = status === 413 ? GRPC.RESOURCE_EXHAUSTED : GRPC.INVALID_ARGUMENT;
        metrics.recordRejected(status === 413 ? 'too_large' : 'undecodable');
        // A 415 here is for the Content-Encoding (the content type was checked above): say which
        // encodings are accepted, as RFC 9110 (12.5.3) has servers do.
        answer(res, encoding, status, statusResponse(encoding, code, err.message), status === 415 ? { 'Accept-Encoding': 'gzip, deflate' } : {});
        return;
      }
      if (err instanceof BufferFullError) {
        const spans = spanCount();
        logger.warn('refusing spans: spool full', { reason: err.message, spans });
        metrics.recordRejected('spool_full', spans);
        answer(res, encoding, 503, statusResponse(encoding, GRPC.UNAVAILABLE, err.message), { 'Retry-After': String(err.retryAfterSeconds) });
        return;
      }
      if (err instanceof SpoolError) {
        // The disk refused the write-ahead append: nothing was accepted; the sender retries.
        const spans = spanCount();
        logger.error('refusing spans: spool not writable', { error: err.message, spans });
        metrics.recordRejected('spool_error', spans);
        answer(res, encoding, 503, statusResponse(encoding, GRPC.UNAVAILABLE, `${err.message}; retry in ${MAX_RETRY_AFTER_S} s`), { 'Retry-After': String(MAX_RETRY_AFTER_S) });
        return;
      }
      logger.error('ingest failed', { error: (err as Error).message, stack: (err as Error).stack });
      metrics.recordRejected('internal_error', spanCount());
      answer(res, encoding, 500, statusResponse(encoding, GRPC.INTERNAL, 'internal error while ingesting spans; see the exporter log'));
    }
  };
}
