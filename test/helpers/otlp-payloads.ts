import type { Attributes } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { sdkSpans } from './sdk-spans.js';

/** An OTel GenAI chat span's attributes for `model` with the given token counts. */
export function chatAttributes(model: string, usage: Record<string, unknown>, extra: Attributes = {}): Attributes {
  const attrs: Attributes = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': model, 'pnl.customer.id': 'cust_acme', 'pnl.feature.id': 'chat', ...extra };
  for (const [k, v] of Object.entries(usage)) attrs[`gen_ai.usage.${k}`] = v as number;
  return attrs;
}

/** OTLP request bodies (protobuf and JSON) for spans made by the real SDK. */
export async function otlpBodies(entries: Array<{ name: string; attributes: Attributes }>): Promise<{ proto: Buffer; json: Buffer }> {
  const spans = await sdkSpans(entries);
  return { proto: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!), json: Buffer.from(JsonTraceSerializer.serializeRequest(spans)!) };
}

/** POSTs a body to /v1/traces and returns status, headers and body text. */
export async function postTraces(url: string, body: Buffer | string, headers: Record<string, string>): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${url}/v1/traces`, { method: 'POST', body, headers });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/**
 * An OTLP JSON body of `entries` whose i-th span starts at `startsMs[i]` (ms since the epoch) and
 * lasts a second, for times the SDK would not give (far ahead, long ago). The helper's root span,
 * which is not a call, keeps its own.
 */
export async function otlpJsonStartingAt(entries: Array<{ name: string; attributes: Attributes }>, startsMs: readonly number[]): Promise<string> {
  const { json } = await otlpBodies(entries);
  const body = JSON.parse(json.toString()) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<Record<string, unknown>> }> }> };
  body.resourceSpans[0]!.scopeSpans[0]!.spans.filter((span) => span['name'] !== 'root').forEach((span, i) => {
    const start = BigInt(startsMs[i]!);
    Object.assign(span, { startTimeUnixNano: String(start * 1_000_000n), endTimeUnixNano: String((start + 1000n) * 1_000_000n) });
  });
  return JSON.stringify(body);
}
