import fc from 'fast-check';
import { requestArb } from './arbitraries.js';
import { JsonEntries, JsonRaw, jsonTree, serializeJson, type JsonNode } from './json-encoder.js';
import type { FuzzRequest } from './otlp-model.js';
import { PROTOBUF_FAULTS, encodeProtobuf, varint, type EncodeOptions, type ProtobufFault } from './protobuf-encoder.js';

/*
 * Malformed inputs: byte-level mutations of valid encodings (truncation, bit flips, inserted,
 * deleted and duplicated ranges, invalid UTF-8), structural protobuf faults, protobuf-shaped
 * random tokens, and OTLP/JSON trees with wrong types, duplicate keys and out-of-range numbers.
 */

export type ByteMutation =
  | { op: 'truncate'; at: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; to: number }
  | { op: 'append'; bytes: Uint8Array };

/** Byte sequences that are never valid UTF-8 (lone continuation, overlong, surrogate, > U+10FFFF, truncated). */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xfe, 0xff]].map((b) => Uint8Array.from(b));

export const byteMutationArb: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x0a, 0x12, 0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x2c) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 12 }), fc.constantFrom(...INVALID_UTF8)) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }), to: fc.nat() }),
  fc.record({ op: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

export function mutateBytes(input: Buffer, mutations: readonly ByteMutation[]): Buffer {
  let b = Buffer.from(input);
  for (const m of mutations) {
    const at = (n: number): number => (b.length === 0 ? 0 : n % (b.length + 1));
    switch (m.op) {
      case 'truncate': b = b.subarray(0, at(m.at)); break;
      case 'flip': if (b.length > 0) b[m.at % b.length]! ^= 1 << m.bit; break;
      case 'set': if (b.length > 0) b[m.at % b.length] = m.byte; break;
      case 'insert': { const p = at(m.at); b = Buffer.concat([b.subarray(0, p), m.bytes, b.subarray(p)]); break; }
      case 'delete': { const p = at(m.at); b = Buffer.concat([b.subarray(0, p), b.subarray(p + m.length)]); break; }
      case 'duplicate': {
        const p = at(m.at);
        const piece = b.subarray(p, p + m.length);
        const to = at(m.to);
        b = Buffer.concat([b.subarray(0, to), piece, b.subarray(to)]);
        break;
      }
      case 'append': b = Buffer.concat([b, m.bytes]); break;
    }
  }
  return b;
}

/** The knobs of a valid protobuf encoding. */
export const encodeOptionsArb: fc.Arbitrary<Omit<EncodeOptions, 'fault'>> = fc.record({
  layoutSeed: fc.integer(),
  unknownFields: fc.boolean(),
  paddedVarints: fc.boolean(),
});

export const protobufMutatedArb = fc.record({
  req: requestArb(),
  options: encodeOptionsArb,
  mutations: fc.array(byteMutationArb, { minLength: 1, maxLength: 4 }),
});

export const protobufFaultArb = fc.record({
  req: requestArb(),
  options: encodeOptionsArb,
  fault: fc.record({ at: fc.nat(), kind: fc.constantFrom<ProtobufFault>(...PROTOBUF_FAULTS), amount: fc.nat() }),
});

/** Protobuf-shaped noise: plausible tags of the trace messages with random payloads, wire types and lengths. */
export const protobufTokensArb: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      fc.record({ field: fc.integer({ min: 0, max: 16 }), wire: fc.integer({ min: 0, max: 7 }) }).map(({ field, wire }) => varint(BigInt((field << 3) | wire))),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(varint),
      fc.integer({ min: 0, max: 300 }).map((n) => varint(BigInt(n))),
      fc.uint8Array({ maxLength: 16 }).map((b) => Buffer.from(b)),
      fc.constantFrom(Buffer.alloc(11, 0xff), Buffer.from([0x0a]), Buffer.from([0x0a, 0x00]), Buffer.from([0x12, 0x7f]), Buffer.from([0x4a, 0x02, 0x12, 0x00])),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.concat(parts));

/** Values of the wrong type, or at the edge of what JSON numbers and strings can hold. */
export const wrongJsonValueArb: fc.Arbitrary<JsonNode> = fc.oneof(
  fc.constantFrom<JsonNode>(null, true, false, 0, -1, 1.5, 'x', '', [], {}, [null], [[]], ['a'], { a: 1 }, 'NaN', 'Infinity', '1e400', '0x10', ' 12', '-0', '12abc'),
  fc.constantFrom<JsonNode>(
    new JsonRaw('1e400'), new JsonRaw('-1e400'), new JsonRaw('1e-400'), new JsonRaw('-0'), new JsonRaw('123456789012345678901234567890'),
    new JsonRaw('18446744073709551616'), new JsonRaw('9007199254740993'), new JsonRaw(`"${'9'.repeat(400)}"`),
    new JsonRaw(`${'['.repeat(20_000)}${']'.repeat(20_000)}`), new JsonRaw(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
  ),
  // Objects whose own keys shadow what String() and Number() call.
  fc.constantFrom<JsonNode>(
    new JsonEntries([['toString', 1]]), new JsonEntries([['valueOf', 1], ['toString', 1]]), new JsonEntries([['__proto__', null]]),
    new JsonEntries([['__proto__', { stringValue: 'x' }]]), new JsonEntries([['constructor', 1]]),
  ),
  fc.constantFrom('SPAN_KIND_CLIENT', 'STATUS_CODE_ERROR', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
);

/** A JSON mutation: replace the node at a (modulo) index, or rewrite an object with a duplicated key. */
export type JsonMutation = { op: 'replace'; at: number; value: JsonNode } | { op: 'duplicate-key'; at: number; value: JsonNode; before: boolean } | { op: 'rename-key'; at: number; to: string };

export const jsonMutationArb: fc.Arbitrary<JsonMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: wrongJsonValueArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('duplicate-key' as const), at: fc.nat(), value: wrongJsonValueArb, before: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename-key' as const), at: fc.nat(), to: fc.constantFrom('__proto__', 'constructor', 'toString', 'resource_spans', 'intValue', 'kvlistValue', 'arrayValue', 'values', '') }) },
);

/** Applies mutations to a JSON tree (in place on a copy); node indexes count every object member and array item. */
export function mutateJson(root: JsonNode, mutations: readonly JsonMutation[]): JsonNode {
  let tree = root;
  for (const m of mutations) {
    const slots: Array<{ get(): JsonNode; set(v: JsonNode): void; parent: { [k: string]: JsonNode } | undefined; key: string }> = [];
    const walk = (node: JsonNode): void => {
      if (Array.isArray(node)) {
        node.forEach((v, i) => {
          slots.push({ get: () => node[i]!, set: (x) => (node[i] = x), parent: undefined, key: String(i) });
          walk(v);
        });
      } else if (node !== null && typeof node === 'object' && !(node instanceof JsonRaw) && !(node instanceof JsonEntries)) {
        for (const k of Object.keys(node)) {
          slots.push({ get: () => node[k]!, set: (x) => (node[k] = x), parent: node, key: k });
          walk(node[k]!);
        }
      }
    };
    walk(tree);
    if (slots.length === 0) {
      if (m.op === 'replace') tree = copyJson(m.value);
      continue;
    }
    const slot = slots[m.at % slots.length]!;
    if (m.op === 'replace') slot.set(copyJson(m.value));
    else if (slot.parent !== undefined) {
      const parent = slot.parent;
      const entries: Array<[string, JsonNode]> = Object.keys(parent).map((k) => [k, parent[k]!]);
      const i = entries.findIndex(([k]) => k === slot.key);
      if (m.op === 'duplicate-key') entries.splice(m.before ? i : i + 1, 0, [slot.key, copyJson(m.value)]);
      else entries[i] = [m.to, entries[i]![1]];
      // Replace the parent object's members by one raw-capable entry list, keeping its identity for its own parent.
      for (const k of Object.keys(parent)) delete parent[k];
      parent['\u0000entries'] = new JsonEntries(entries);
    }
  }
  return tree;
}

/** A copy of the mutable parts (arrays, plain objects): generated constants are shared between runs. */
function copyJson(node: JsonNode): JsonNode {
  if (Array.isArray(node)) return node.map(copyJson);
  if (node === null || typeof node !== 'object' || node instanceof JsonRaw || node instanceof JsonEntries) return node;
  const out: { [key: string]: JsonNode } = {};
  for (const k of Object.keys(node)) out[k] = copyJson(node[k]!);
  return out;
}

/** Serializes, expanding the entry lists `mutateJson` leaves. */
export function serializeMutatedJson(node: JsonNode): string {
  return serializeJson(expandEntries(node));
}

function expandEntries(node: JsonNode): JsonNode {
  if (Array.isArray(node)) return node.map(expandEntries);
  if (node instanceof JsonEntries) return new JsonEntries(node.entries.map(([k, v]) => [k, expandEntries(v)]));
  if (node === null || typeof node !== 'object' || node instanceof JsonRaw) return node;
  const entries = node['\u0000entries'];
  if (entries instanceof JsonEntries) return expandEntries(entries);
  const out: Array<[string, JsonNode]> = Object.keys(node).map((k) => [k, expandEntries(node[k]!)]);
  return new JsonEntries(out);
}

export const jsonWrongTypeArb = fc.record({
  req: requestArb(),
  layoutSeed: fc.integer(),
  mutations: fc.array(jsonMutationArb, { minLength: 1, maxLength: 4 }),
});

export function jsonWrongTypeBody(input: { req: FuzzRequest; layoutSeed: number; mutations: readonly JsonMutation[] }): Buffer {
  const tree = jsonTree(input.req, { layoutSeed: input.layoutSeed, unknownFields: false });
  return Buffer.from(serializeMutatedJson(mutateJson(tree, input.mutations)), 'utf8');
}

export const jsonTextMutatedArb = fc.record({
  req: requestArb(),
  layoutSeed: fc.integer(),
  mutations: fc.array(byteMutationArb, { minLength: 1, maxLength: 4 }),
  prefix: fc.constantFrom(Buffer.alloc(0), Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(' \n\t'), Buffer.from([0x00])),
});

/** Arbitrary text and JSON-ish token soup. */
export const jsonNoiseArb: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  fc.json().map((s) => Buffer.from(s)),
  fc
    .array(fc.constantFrom('{', '}', '[', ']', ',', ':', '"resourceSpans"', '"scopeSpans"', '"spans"', '"attributes"', '"key"', '"value"', '"intValue"', '1e400', 'null', '"x"', '-', '0'), { maxLength: 60 })
    .map((t) => Buffer.from(t.join(''))),
);
