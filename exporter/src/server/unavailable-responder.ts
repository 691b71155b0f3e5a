import type { IncomingMessage, ServerResponse } from 'node:http';
import { otlpEncodingOf, responseContentType, statusResponse, type OtlpEncoding } from '../receive/otlp-response.js';
import { MAX_RETRY_AFTER_S } from '../receive/retry-after.js';

/** gRPC UNAVAILABLE: OTLP senders retry it, honouring Retry-After. */
const GRPC_UNAVAILABLE = 14;
/** Seconds an OTLP sender is asked to wait while the service starts. */
export const STARTING_RETRY_AFTER_S = MAX_RETRY_AFTER_S;

/**
 * Answers requests while the service starts (waiting for ClickHouse, reading the dedup keys),
 * so the port is open from the first moment: `/healthz` says the process lives (a liveness
 * probe does not restart a pod that is only waiting for its database), `/readyz` says what it is
 * waiting for, and `/v1/traces` answers 503 with Retry-After, which OTLP senders retry. Every
 * other route answers 503 too: nothing behind them is open yet.
 *
 * `stage()` is what the start is doing now, e.g. "waiting for ClickHouse at http://ch:8123/ (attempt 3)".
 */
export function startingResponder(stage: () => string): (req: IncomingMessage, res: ServerResponse) => void {
  return unavailableResponder('starting', () => `the service is starting: ${stage()}`);
}

/**
 * Answers requests that arrive while the service stops: the same answers as while it starts
 * (`/v1/traces` 503 with Retry-After, which OTLP senders retry, on another replica or after the
 * restart), each with `Connection: close`, so a sender's kept-alive connection ends here instead
 * of holding the stop open.
 */
export function stoppingResponder(): (req: IncomingMessage, res: ServerResponse) => void {
  return unavailableResponder('stopping', () => 'the service is stopping');
}

function unavailableResponder(phase: 'starting' | 'stopping', problem: () => string): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    // The body is not read; draining it keeps the connection usable for the sender's retry.
    req.resume();
    if (phase === 'stopping') res.setHeader('Connection', 'close');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') return json(res, 200, { status: phase });
    // The stage (which may name the ClickHouse host) only on /readyz, like its problems once started;
    // other routes answer before access control exists and say no more than that it is starting.
    if (req.method === 'GET' && path === '/readyz') return json(res, 503, { ready: false, problems: [problem()], bufferedRows: 0, spoolBytes: 0, spoolBatches: 0 });
    const message = `the service is ${phase}; retry in ${STARTING_RETRY_AFTER_S} s`;
    if (req.method === 'POST' && path === '/v1/traces') {
      // An unknown content type gets JSON, as the traces route's 415 does.
      const encoding: OtlpEncoding = otlpEncodingOf(req.headers['content-type']) ?? 'json';
      res.writeHead(503, { 'Content-Type': responseContentType(encoding, req.headers['content-type']), 'Retry-After': String(STARTING_RETRY_AFTER_S) });
      res.end(statusResponse(encoding, GRPC_UNAVAILABLE, message));
      return;
    }
    res.setHeader('Retry-After', String(STARTING_RETRY_AFTER_S));
    json(res, 503, { error: { code: phase, message } });
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
