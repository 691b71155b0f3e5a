import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** An in-process SpanExporter that keeps what it got after shutdown, and counts shutdowns. */
export class RecordingExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];
  shutdowns = 0;

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    this.shutdowns += 1;
    return Promise.resolve();
  }

  span(name: string): ReadableSpan {
    const found = this.spans.filter((s) => s.name === name);
    if (found.length !== 1) throw new Error(`expected one span named "${name}", found ${found.length}`);
    return found[0]!;
  }
}
