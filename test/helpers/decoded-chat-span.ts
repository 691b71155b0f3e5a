import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';

/** A decoded OTel GenAI chat span for gpt-4o with one input token, plus `attributes` and any field in `extra`. */
export function decodedChatSpan(attributes: Attributes, extra: Partial<DecodedSpan> = {}): DecodedSpan {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    parentSpanId: '',
    name: 'chat gpt-4o',
    kind: 3,
    startTimeUs: 1_763_900_000_000_000,
    endTimeUs: 1_763_900_000_100_000,
    statusCode: 0,
    statusMessage: '',
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 1, ...attributes },
    resource: {},
    scopeName: 's',
    scopeVersion: '',
    eventNames: [],
    ...extra,
  };
}
