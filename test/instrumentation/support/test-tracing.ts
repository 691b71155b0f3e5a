import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { AttributionSpanProcessor, type AttributionSpanProcessorOptions } from '../../../instrumentation/src/index.js';

/** A real tracer provider with the attribution processor and an in-memory exporter, registered globally. */
export interface TestTracing {
  readonly provider: TracerProvider;
  readonly exporter: InMemorySpanExporter;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  /** The one finished span with this name; fails the test if there is not exactly one. */
  span(name: string): ReadableSpan;
  /** Shuts the provider down and releases the globals for the next test. */
  shutdown(): Promise<void>;
}

export function startTestTracing(options: AttributionSpanProcessorOptions & { withoutAttribution?: boolean } = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const processors: SpanProcessor[] = options.withoutAttribution ? [] : [new AttributionSpanProcessor(options)];
  processors.push(new SimpleSpanProcessor({ exporter }));
  const provider = new TracerProvider({ spanProcessors: processors });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  return {
    provider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) {
        throw new Error(`expected one span named "${name}", found ${found.length} among ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
      }
      return found[0]!;
    },
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** The `pnl.*` attributes of a span, for whole-object comparisons. */
export function pnlAttributes(span: ReadableSpan): Record<string, unknown> {
  return Object.fromEntries(Object.entries(span.attributes).filter(([key]) => key.startsWith('pnl.')));
}
