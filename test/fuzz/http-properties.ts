import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { requestArb, textArb } from './arbitraries.js';
import type { FuzzProperty } from './decoder-properties.js';
import { encodeJson, JsonEntries, JsonRaw, serializeJson, type JsonNode } from './json-encoder.js';
import { encodeOptionsArb, jsonNoiseArb, jsonWrongTypeArb, jsonWrongTypeBody, mutateBytes, protobufMutatedArb, wrongJsonValueArb } from './mutations.js';
import { encodeProtobuf } from './protobuf-encoder.js';

/*
 * HTTP-level fuzzing of the real service: POST /v1/traces with fuzzed bodies, content types and
 * encodings, uploads cut off mid-body, and every route of docs/openapi.yaml with wrong-typed,
 * out-of-range and injection-like parameters and bodies. Every request must be answered, with a
 * documented status and a body that says what was wrong; never a 5xx.
 */

/** Per request: far above any legitimate answer on loopback, well below a test timeout. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface HttpTarget {
  url: string;
  /** The service's PNL_MAX_BODY_BYTES, to generate bodies just above it. */
  maxBodyBytes: number;
  /** Error-level log lines the service wrote since the last call (bad input must never log an error). */
  takeErrorLogs(): string[];
}

/**
 * Records the error-level lines the in-process service logs to stderr (the logger writes JSON
 * lines there), passing everything through. An error log is what a 500 or an unhandled
 * failure leaves even when no response can show it, such as after the client hung up.
 */
export function watchErrorLogs(): { take(): string[]; stop(): void } {
  const original = process.stderr.write.bind(process.stderr);
  let lines: string[] = [];
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('"level":"error"')) lines.push(text.slice(0, 2000));
    return (original as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return {
    take: () => {
      const out = lines;
      lines = [];
      return out;
    },
    stop: () => {
      process.stderr.write = original;
    },
  };
}

function assertNoErrorLogs(target: HttpTarget, what: string): void {
  const logs = target.takeErrorLogs();
  if (logs.length > 0) throw new Error(`${what} made the service log an error: ${logs[0]}`);
}

const CONTENT_TYPES = [
  'application/x-protobuf', 'application/protobuf', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON',
  'application/x-protobuf; proto=opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest', 'text/plain', '', 'application/grpc',
  'multipart/form-data; boundary=x', 'application/json, application/x-protobuf', ';;;', 'application/x-www-form-urlencoded',
];
const ENCODINGS = [undefined, 'gzip', 'deflate', 'identity', 'br', 'GZIP', ' gzip ', 'gzip, gzip', 'x-custom', ''];
type Packing = 'none' | 'gzip' | 'deflate' | 'gzip-truncated' | 'gzip-corrupted' | 'gzip-twice' | 'bomb';

let bombCache: Buffer | undefined;
/** 64 MiB of zeros gzipped (~64 KiB): far past any body limit once inflated. */
function gzipBomb(): Buffer {
  return (bombCache ??= gzipSync(Buffer.alloc(64 * 1024 * 1024)));
}

function pack(body: Buffer, packing: Packing): Buffer {
  switch (packing) {
    case 'none': return body;
    case 'gzip': return gzipSync(body);
    case 'deflate': return deflateSync(body);
    case 'gzip-truncated': { const g = gzipSync(body); return g.subarray(0, Math.max(1, g.length - 1 - (body.length % 7))); }
    case 'gzip-corrupted': { const g = Buffer.from(gzipSync(body)); g[Math.min(g.length - 1, 12 + (body.length % 8))]! ^= 0x55; return g; }
    case 'gzip-twice': return gzipSync(gzipSync(body));
    case 'bomb': return gzipBomb();
  }
}

async function send(url: string, init: RequestInit): Promise<{ status: number; type: string; body: Buffer }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: Buffer.from(await res.arrayBuffer()) };
}

function count(stats: Record<string, number>, key: string): void {
  stats[key] = (stats[key] ?? 0) + 1;
}

const tracesBodyArb = (target: HttpTarget): fc.Arbitrary<Buffer> =>
  fc.oneof(
    fc.tuple(requestArb(), encodeOptionsArb).map(([req, o]) => encodeProtobuf(req, o)),
    fc.tuple(requestArb(), fc.integer()).map(([req, layoutSeed]) => encodeJson(req, { layoutSeed, unknownFields: true })),
    protobufMutatedArb.map(({ req, options, mutations }) => mutateBytes(encodeProtobuf(req, options), mutations)),
    jsonWrongTypeArb.map(jsonWrongTypeBody),
    jsonNoiseArb,
    fc.constant(Buffer.alloc(0)),
    fc.integer({ min: 1, max: 4096 }).map((extra) => Buffer.alloc(target.maxBodyBytes + extra, 0x20)),
  );

/** POST /v1/traces: 200, 400, 413 or 415 with a body in the request's encoding; never 5xx, never a hang. */
export function tracesHttpProperty(target: HttpTarget, runs: number): FuzzProperty {
  const stats: Record<string, number> = {};
  const property = fc.asyncProperty(
    tracesBodyArb(target),
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom('application/x-protobuf', 'application/json') }, { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES, undefined) }),
    fc.oneof({ weight: 3, arbitrary: fc.constant('match' as const) }, { weight: 2, arbitrary: fc.constantFrom(...ENCODINGS) }),
    fc.constantFrom<Packing>('none', 'none', 'none', 'gzip', 'deflate', 'gzip-truncated', 'gzip-corrupted', 'gzip-twice', 'bomb'),
    async (raw, contentType, encodingChoice, packing) => {
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers['content-type'] = contentType;
      // 'match': the header that names the packing, as a correct sender would send it.
      const encoding = encodingChoice !== 'match' ? encodingChoice : packing === 'none' ? undefined : packing === 'deflate' ? 'deflate' : 'gzip';
      if (encoding !== undefined) headers['content-encoding'] = encoding;
      const res = await send(`${target.url}/v1/traces`, { method: 'POST', headers, body: pack(raw, packing) });
      count(stats, String(res.status));
      if (![200, 400, 413, 415].includes(res.status)) throw new Error(`POST /v1/traces answered ${res.status}: ${res.body.toString('utf8', 0, 300)}`);
      const json = res.type.startsWith('application/json');
      // The spec: a response uses the request's Content-Type, so either name of protobuf comes back as sent.
      const protobufName = /^\s*application\/protobuf\s*(;|$)/i.test(contentType ?? '') ? 'application/protobuf' : 'application/x-protobuf';
      if (!json && res.type !== protobufName) throw new Error(`answered with Content-Type "${res.type}" to "${contentType ?? ''}"`);
      if (res.status !== 200 && res.body.length === 0) throw new Error(`a ${res.status} came without a body`);
      if (json && res.body.length > 0) {
        const parsed = JSON.parse(res.body.toString('utf8')) as { code?: unknown; message?: unknown };
        if (res.status !== 200 && (typeof parsed.code !== 'number' || typeof parsed.message !== 'string' || parsed.message === '')) throw new Error(`error body without code and message: ${res.body.toString('utf8', 0, 300)}`);
      }
      assertNoErrorLogs(target, `POST /v1/traces (${res.status})`);
    },
  );
  return { name: 'http/traces', runs, property, stats };
}

/** Uploads that stop mid-body (the client dies or the connection drops): the service must shrug them off. */
export function abortedUploadProperty(target: HttpTarget, runs: number): FuzzProperty {
  const stats: Record<string, number> = {};
  const { hostname, port } = new URL(target.url);
  const property = fc.asyncProperty(
    fc.integer({ min: 0, max: 4096 }),
    fc.integer({ min: 1, max: 1_000_000 }),
    fc.constantFrom('application/x-protobuf', 'application/json'),
    fc.constantFrom('', 'Content-Encoding: gzip\r\n', 'Transfer-Encoding: chunked\r\n'),
    async (sent, declared, type, extra) => {
      const chunked = extra.startsWith('Transfer');
      const head = `POST /v1/traces HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: ${type}\r\n${chunked ? extra : `${extra}Content-Length: ${sent + declared}\r\n`}\r\n`;
      const body = chunked ? `${(sent + declared).toString(16)}\r\n${'x'.repeat(sent)}` : 'x'.repeat(sent);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(head + body, () => setTimeout(() => socket.destroy(), 2));
        });
        socket.on('close', () => resolve());
        socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve() : reject(err)));
      });
      count(stats, 'aborted');
      const health = await send(`${target.url}/healthz`, {});
      if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after an aborted upload`);
      assertNoErrorLogs(target, `an upload cut off after ${sent} of ${sent + declared} bytes`);
    },
  );
  return { name: 'http/aborted-uploads', runs, property, stats };
}

interface OpenApiParam {
  name?: string;
  in?: string;
  $ref?: string;
  schema?: { type?: string; enum?: string[] };
}
interface Route {
  method: string;
  path: string;
  params: OpenApiParam[];
}

/** Every route of docs/openapi.yaml with its parameters (refs resolved). */
export function openApiRoutes(): Route[] {
  const spec = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as {
    paths: Record<string, Record<string, { parameters?: OpenApiParam[] }>>;
    components: { parameters: Record<string, OpenApiParam> };
  };
  const resolve = (p: OpenApiParam): OpenApiParam => (p.$ref !== undefined ? spec.components.parameters[p.$ref.split('/').pop()!]! : p);
  return Object.entries(spec.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, params: (op.parameters ?? []).map(resolve) })));
}

/** Parameter values: right, wrong-typed, out of range, and injection-like. */
const paramValueArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('2026-01-01', '2026-02-01', '2025-12-31', '2026-02-30', '2026-13-01', '0000-01-01', '0001-01-01', '1900-01-01', '1969-12-31', '1970-01-01', '2149-06-06', '2149-06-07', '2200-01-01', '9999-12-31', '2026-1-1', '20260101', '2026-01-01T00:00:00Z'),
  fc.constantFrom('', ' ', 'null', 'undefined', 'true', 'abc', '1e400', '-1', '0', '1', '2', '24', '25', '10000', '10001', '1.5', '99999999999999999999', 'NaN', 'Infinity', '-0', '0x10'),
  fc.constantFrom('csv', 'parquet', 'calls', 'daily', 'month', 'week', 'CSV', 'xml', '2026-01', '2026-13', '0000-00', '9999-12'),
  fc.constantFrom("' OR 1=1 --", "'; DROP TABLE pnl.budgets; --", '{from:Date}', '${process.exit()}', '<script>alert(1)</script>', '../../etc/passwd', '%', '%00', '\u0000', 'a'.repeat(300), 'ü'.repeat(200)),
  textArb,
);

const customerArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('cust_acme', 'someone', 'a', '%', '%E0%A4%A', '%00', '%2F..%2F', '..', '.', '%20', 'a'.repeat(256), 'b'.repeat(257), 'c'.repeat(5000), encodeURIComponent("' OR 1=1 --"), encodeURIComponent('{customer:String}')),
  textArb.filter((s) => s !== '').map(encode),
);

const DAY_EDGES: JsonNode[] = ['0001-01-01', '1900-01-01', '1969-12-31', '1970-01-01', '2149-06-06', '2149-06-07', '2200-01-01', '9999-12-31', '2026-02-30', '2026-1-1'];
const USD_EDGES: JsonNode[] = [1e-13, 1e-12, 1e-7, 1e15, 1e20, 1e21, 1e26, 1e300, 5e-324, 0, -5, '100', new JsonRaw('1e400'), new JsonRaw('123456789012345678901234567890')];

/**
 * A valid body with up to two fields set to an edge value, a wrong-typed value, or removed: one
 * bad field at a time gets past the checks of the others, down to where the value is stored.
 */
function bodyArb(valid: fc.Arbitrary<{ [key: string]: JsonNode }>, edges: Record<string, JsonNode[]>): fc.Arbitrary<JsonNode> {
  const override = fc.record({
    key: fc.constantFrom(...Object.keys(edges), 'unknown_field'),
    value: fc.oneof({ weight: 3, arbitrary: fc.constant<JsonNode | undefined>(undefined) }, { weight: 1, arbitrary: wrongJsonValueArb }),
    edge: fc.nat(),
    remove: fc.boolean(),
  });
  return fc.tuple(valid, fc.array(override, { maxLength: 2 })).map(([body, overrides]) => {
    const out = { ...body };
    for (const o of overrides) {
      if (o.remove && o.value === undefined) delete out[o.key];
      else out[o.key] = o.value ?? (edges[o.key] ?? [null])[o.edge % (edges[o.key] ?? [null]).length]!;
    }
    return out;
  });
}

const budgetBodyArb: fc.Arbitrary<JsonNode> = bodyArb(
  fc.oneof(
    fc.record({ limit_usd: fc.constantFrom(100, 0.01, 2500.5) }),
    fc.record({ limit_usd: fc.constantFrom(100, 7), period: fc.constant('custom'), period_start: fc.constant('2026-01-01'), period_end: fc.constant('2026-02-01'), warn_ratio: fc.constant(0.5), alert_ratio: fc.constant(0.8) }),
  ),
  { limit_usd: USD_EDGES, period: ['year', '', 'custom', 'month'], period_start: DAY_EDGES, period_end: DAY_EDGES, warn_ratio: [1, 1e-300, 0, 2, 0.95], alert_ratio: [0.1, 1e-300, 2, 1] },
);

const revenueEntryArb: fc.Arbitrary<JsonNode> = bodyArb(
  fc.record({ customer: fc.constantFrom('cust_acme', 'cust_b'), period_start: fc.constant('2026-01-01'), period_end: fc.constant('2026-02-01'), amount: fc.constantFrom<JsonNode>(100, 0.5, -20, '123.45'), source: fc.constant('api') }),
  {
    customer: ['x'.repeat(256), 'x'.repeat(257), '', "' OR 1=1 --", '\u0000'],
    period_start: DAY_EDGES,
    period_end: DAY_EDGES,
    amount: [...USD_EDGES, '99999999999999999999.999999999999', '1e5', '-0', '123456789012345678901'],
    source: ['x'.repeat(64), 'x'.repeat(65), ''],
  },
);

const putBodyArb = (path: string): fc.Arbitrary<{ body: string; type: string | undefined }> => {
  const shaped: fc.Arbitrary<JsonNode> = path.includes('revenue')
    ? fc.oneof(fc.array(revenueEntryArb, { maxLength: 4 }), fc.array(revenueEntryArb, { maxLength: 3 }).map((rows) => ({ rows })), revenueEntryArb)
    : budgetBodyArb;
  return fc.record({
    body: fc.oneof(
      { weight: 6, arbitrary: shaped.map(serializeJson) },
      { weight: 1, arbitrary: wrongJsonValueArb.map(serializeJson) },
      { weight: 1, arbitrary: fc.constantFrom('', '{', 'not json', '{"limit_usd":}', '[1,2', 'null', '""', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, serializeJson(new JsonEntries([['limit_usd', 5], ['limit_usd', -5]]))) },
      { weight: 1, arbitrary: fc.string() },
    ),
    type: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/x-www-form-urlencoded', undefined),
  });
};

/** encodeURIComponent, after replacing lone surrogates (which it refuses) as UTF-8 would. */
function encode(s: string): string {
  return encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
}

function requestArbFor(route: Route): fc.Arbitrary<{ method: string; url: string; body?: string; type?: string }> {
  const queryParams = route.params.filter((p) => p.in === 'query').map((p) => p.name!);
  const query = fc.array(fc.tuple(fc.constantFrom(...queryParams, 'unknown', 'from', 'to'), paramValueArb), { maxLength: 5 });
  const method = fc.oneof({ weight: 9, arbitrary: fc.constant(route.method) }, { weight: 1, arbitrary: fc.constantFrom('POST', 'DELETE', 'PATCH', 'PUT', 'GET') });
  return fc.record({ method, customer: customerArb, query, put: putBodyArb(route.path) }).map(({ method: m, customer, query: q, put }) => {
    const qs = q.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const url = `${route.path.replace('{customer}', customer)}${qs === '' ? '' : `?${qs}`}`;
    return m === 'PUT' || m === 'POST' || m === 'PATCH' ? { method: m, url, body: put.body, ...(put.type !== undefined ? { type: put.type } : {}) } : { method: m, url };
  });
}

/** Every documented API route: 2xx or 4xx with `{error: {code, message}}`; never 5xx, never a hang. */
export function apiHttpProperty(target: HttpTarget, runs: number): FuzzProperty {
  const stats: Record<string, number> = {};
  const routes = openApiRoutes();
  // Writes weigh more: their bodies reach storage, where a bad value does the most harm.
  const property = fc.asyncProperty(fc.oneof(...routes.map((r) => ({ weight: r.method === 'PUT' ? 4 : 1, arbitrary: requestArbFor(r) }))), async (req) => {
    const headers: Record<string, string> = {};
    if (req.type !== undefined) headers['content-type'] = req.type;
    const res = await send(`${target.url}${req.url}`, { method: req.method, headers, ...(req.body !== undefined ? { body: req.body } : {}) });
    count(stats, String(res.status));
    const text = res.body.toString('utf8');
    if (res.status >= 500) throw new Error(`${req.method} ${req.url.slice(0, 300)} answered ${res.status}: ${text.slice(0, 300)}`);
    if (res.status >= 200 && res.status < 300 && req.url.startsWith('/api/v1/export')) {
      if (!/^(text\/csv|application\/vnd\.apache\.parquet)/.test(res.type)) throw new Error(`export answered Content-Type "${res.type}"`);
      return;
    }
    if (!res.type.startsWith('application/json')) throw new Error(`${req.method} ${req.url.slice(0, 200)} answered ${res.status} with Content-Type "${res.type}"`);
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (res.status >= 400 && (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string' || body.error.message === '')) {
      throw new Error(`${res.status} without {error: {code, message}}: ${text.slice(0, 300)}`);
    }
    assertNoErrorLogs(target, `${req.method} ${req.url.slice(0, 200)} (${res.status})`);
  });
  return { name: 'http/api-routes', runs, property, stats };
}
