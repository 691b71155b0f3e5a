import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { OtlpDecodeError } from '../../exporter/src/receive/decode-error.js';
import { decodeTracesJson } from '../../exporter/src/receive/otlp-json-decoder.js';
import { decodeTracesProtobuf } from '../../exporter/src/receive/otlp-protobuf-decoder.js';
import { MAX_SPANS_PER_REQUEST } from '../../exporter/src/receive/request-limits.js';
import { genAiAttributesArb, requestArb } from './arbitraries.js';
import { assertDecodedShape } from './decoded-shape.js';
import { deepInputArb, deepJson, deepProtobuf, hugeBody, hugeInputArb, type DeepInput, type HugeInput } from './deep-and-huge.js';
import { encodeJson } from './json-encoder.js';
import {
  encodeOptionsArb,
  jsonNoiseArb,
  jsonTextMutatedArb,
  jsonWrongTypeArb,
  jsonWrongTypeBody,
  mutateBytes,
  protobufFaultArb,
  protobufMutatedArb,
  protobufTokensArb,
} from './mutations.js';
import { expectedSpans, firstDifference, type FuzzRequest, type WireEncoding } from './otlp-model.js';
import type { PipelineHarness } from './pipeline-harness.js';
import { encodeProtobuf } from './protobuf-encoder.js';

/** One fuzz target: a property, how many inputs it gets at scale 1, and what it saw. */
export interface FuzzProperty {
  name: string;
  runs: number;
  property: fc.IRawProperty<unknown>;
  /** Outcome counts, e.g. how many inputs decoded and how many were refused with OtlpDecodeError. */
  stats: Record<string, number>;
}

/** Generous: a GC pause or a noisy CI machine must not fail a run; a hang or a superlinear blow-up must. */
export function timeBoundMs(inputBytes: number): number {
  return 1500 + inputBytes / 500;
}

type Decoder = (body: Buffer) => DecodedSpan[];
const DECODERS: Record<WireEncoding, Decoder> = { protobuf: decodeTracesProtobuf, json: decodeTracesJson };

/**
 * Decodes `body`: returns the spans, or undefined when refused with OtlpDecodeError. Any other
 * exception, a result of the wrong shape, or a decode slower than the time bound fails the run.
 * Decoded spans then go through the ingest pipeline, which must not throw either.
 */
export function decodeChecked(encoding: WireEncoding, body: Buffer, stats: Record<string, number>, pipeline?: PipelineHarness): DecodedSpan[] | undefined {
  const started = performance.now();
  let spans: DecodedSpan[] | undefined;
  try {
    spans = DECODERS[encoding](body);
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) throw new Error(`${encoding} decoder threw ${(err as Error)?.name ?? typeof err} instead of OtlpDecodeError: ${(err as Error)?.message ?? String(err)}`, { cause: err });
    if (err.message.length === 0 || err.message.length > 2000) throw new Error(`unhelpful decode error message of ${err.message.length} characters`);
  }
  const ms = performance.now() - started;
  if (ms > timeBoundMs(body.length)) throw new Error(`${encoding} decode of ${body.length} bytes took ${ms.toFixed(0)} ms`);
  if (spans === undefined) {
    count(stats, 'refused');
    return undefined;
  }
  count(stats, 'decoded');
  spans.forEach((s, i) => assertDecodedShape(s, `spans[${i}]`));
  if (pipeline !== undefined && spans.length > 0) {
    pipeline.ingest(spans);
    count(stats, 'ingested');
  }
  return spans;
}

function count(stats: Record<string, number>, key: string): void {
  stats[key] = (stats[key] ?? 0) + 1;
}

function expectDecoded(encoding: WireEncoding, body: Buffer, req: FuzzRequest, stats: Record<string, number>, pipeline: PipelineHarness): void {
  const spans = decodeChecked(encoding, body, stats, pipeline);
  if (spans === undefined) throw new Error(`a valid ${encoding} request was refused`);
  const diff = firstDifference(spans, expectedSpans(req, encoding));
  if (diff !== undefined) throw new Error(`${encoding} round trip differs at ${diff}`);
}

/** Every decoder-level fuzz target. Run counts are at scale 1 (the `npm run fuzz` defaults). */
export function decoderProperties(pipeline: PipelineHarness): FuzzProperty[] {
  const props: FuzzProperty[] = [];
  const add = (name: string, runs: number, make: (stats: Record<string, number>) => fc.IRawProperty<unknown>): void => {
    const stats: Record<string, number> = {};
    props.push({ name, runs, property: make(stats), stats });
  };

  add('protobuf/valid-round-trip', 12_000, (stats) =>
    fc.property(requestArb(), encodeOptionsArb, (req, options) => expectDecoded('protobuf', encodeProtobuf(req, options), req, stats, pipeline)),
  );
  add('json/valid-round-trip', 10_000, (stats) =>
    fc.property(requestArb(), fc.integer(), fc.boolean(), (req, layoutSeed, unknownFields) => expectDecoded('json', encodeJson(req, { layoutSeed, unknownFields }), req, stats, pipeline)),
  );
  add('pipeline/genai-spans', 8_000, (stats) =>
    fc.property(requestArb(genAiAttributesArb), encodeOptionsArb, (req, options) => {
      expectDecoded('protobuf', encodeProtobuf(req, options), req, stats, pipeline);
      expectDecoded('json', encodeJson(req, options), req, stats, pipeline);
    }),
  );
  add('protobuf/byte-mutations', 20_000, (stats) =>
    fc.property(protobufMutatedArb, ({ req, options, mutations }) => {
      decodeChecked('protobuf', mutateBytes(encodeProtobuf(req, options), mutations), stats, pipeline);
    }),
  );
  add('protobuf/structural-faults', 12_000, (stats) =>
    fc.property(protobufFaultArb, ({ req, options, fault }) => {
      const spans = decodeChecked('protobuf', encodeProtobuf(req, { ...options, fault }), stats, pipeline);
      // A tag longer than the longest varint (10 bytes) is always refused wherever the decoder reads.
      if (spans !== undefined && fault.kind === 'overlong-varint' && req.resourceSpans.length > 0 && !skippedUnread(req)) {
        throw new Error(`a ${fault.kind} fault was accepted`);
      }
    }),
  );
  add('protobuf/random-tokens', 8_000, (stats) => fc.property(protobufTokensArb, (body) => void decodeChecked('protobuf', body, stats, pipeline)));
  add('protobuf/random-bytes', 5_000, (stats) => fc.property(fc.uint8Array({ maxLength: 512 }), (b) => void decodeChecked('protobuf', Buffer.from(b), stats, pipeline)));
  add('json/wrong-types', 15_000, (stats) => fc.property(jsonWrongTypeArb, (input) => void decodeChecked('json', jsonWrongTypeBody(input), stats, pipeline)));
  add('json/text-mutations', 8_000, (stats) =>
    fc.property(jsonTextMutatedArb, ({ req, layoutSeed, mutations, prefix }) => {
      decodeChecked('json', Buffer.concat([prefix, mutateBytes(encodeJson(req, { layoutSeed, unknownFields: false }), mutations)]), stats, pipeline);
    }),
  );
  add('json/noise', 5_000, (stats) => fc.property(jsonNoiseArb, (body) => void decodeChecked('json', body, stats, pipeline)));
  add('deep/protobuf-and-json', 600, (stats) =>
    fc.property(deepInputArb, (input) => {
      checkDeep('protobuf', input, decodeChecked('protobuf', deepProtobuf(input), stats));
      checkDeep('json', input, decodeChecked('json', deepJson(input), stats));
    }),
  );
  add('huge/protobuf-and-json', 60, (stats) => fc.property(hugeInputArb, (input) => checkHuge(input, decodeChecked(input.encoding, hugeBody(input), stats))));
  return props;
}

/**
 * True when the request has fields the decoder rightly never reads: an event's fields after its
 * name (the decoder stops at the name). A fault there goes unnoticed, which is fine.
 */
function skippedUnread(req: FuzzRequest): boolean {
  return req.resourceSpans.some((rs) => rs.scopeSpans.some((ss) => ss.spans.some((s) => s.events.length > 0)));
}

function checkDeep(encoding: WireEncoding, input: DeepInput, spans: DecodedSpan[] | undefined): void {
  const refusable = input.where !== 'unknown-field' && input.depth > 16;
  if (refusable && spans !== undefined) throw new Error(`${encoding}: a value nested ${input.depth} deep was accepted`);
  if (!refusable && spans === undefined) throw new Error(`${encoding}: a value nested ${input.depth} deep (${input.where}) was refused`);
  if (spans === undefined || input.where === 'unknown-field') return;
  // Walk down to the leaf: the nesting must come out exactly as sent.
  let v: unknown = (input.where === 'span' ? spans[0]!.attributes : spans[0]!.resource)['deep'];
  for (let i = 0; i < input.depth; i++) v = Array.isArray(v) ? v[0] : (v as Record<string, unknown> | undefined)?.['k'];
  if (v !== 'leaf') throw new Error(`${encoding}: a value nested ${input.depth} deep did not decode to its leaf`);
}

function checkHuge(input: HugeInput, spans: DecodedSpan[] | undefined): void {
  const tooMany = input.shape === 'spans' && input.count > MAX_SPANS_PER_REQUEST;
  if (tooMany && spans !== undefined) throw new Error(`${input.count} spans in one request were accepted (limit ${MAX_SPANS_PER_REQUEST})`);
  if (!tooMany && spans === undefined) throw new Error(`${input.encoding}: ${input.count} ${input.shape} were refused`);
}
