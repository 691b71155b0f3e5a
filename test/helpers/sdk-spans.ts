import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';

/**
 * Makes finished spans with a real OpenTelemetry SDK tracer provider: each entry becomes one span
 * with the given name, kind, attributes and status, in one trace, children of a root span.
 */
export async function sdkSpans(
  entries: Array<{ name: string; attributes: Attributes; kind?: SpanKind; error?: boolean; events?: string[] }>,
  resource: Attributes = { 'service.name': 'test-app' },
): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('test-scope', '1.2.3');
  const root = tracer.startSpan('root', { kind: SpanKind.INTERNAL });
  const parent = trace.setSpan(ROOT_CONTEXT, root);
  {
    for (const e of entries) {
      const span = tracer.startSpan(e.name, { kind: e.kind ?? SpanKind.CLIENT, attributes: e.attributes }, parent);
      for (const ev of e.events ?? []) span.addEvent(ev, { 'exception.message': 'x' });
      if (e.error) span.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      span.end();
    }
    root.end();
  }
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return spans;
}
