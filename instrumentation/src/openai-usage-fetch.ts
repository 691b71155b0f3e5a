import { trace, type Span } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { openAIUsageAttributes, type OpenAIUsageAttributes } from './openai-usage.js';
import { SseUsageScanner } from './sse-usage-scanner.js';

// Operation names of spans that represent one model call (the spans the exporter prices).
const MODEL_CALL_OPERATIONS = new Set(['chat', 'text_completion', 'embeddings', 'generate_content']);
// The body is re-served decoded and whole, so the original framing headers no longer apply.
const DROPPED_HEADERS = ['content-length', 'content-encoding', 'transfer-encoding'];

/**
 * Wraps `fetch` for the OpenAI client so the LLM span of the official
 * `@opentelemetry/instrumentation-openai` also gets `gen_ai.usage.cache_read.input_tokens`
 * and `gen_ai.usage.reasoning.output_tokens`, which that instrumentation does not record
 * and pricing needs. Pass it when constructing the client:
 *
 * ```ts
 * const openai = new OpenAI({ fetch: openAIUsageFetch() });
 * ```
 *
 * The instrumentation calls the client inside its span's context, so the active span when
 * the client fetches is the model-call span. Usage is read before the body reaches the
 * client (JSON bodies are buffered, streams are scanned chunk by chunk), so the attributes
 * are on the span before the instrumentation ends it. When the active span is not a
 * model-call span (instrumentation not loaded, ESM without the loader hook) nothing is
 * written: tokens on an agent or HTTP span would be priced wrongly. Attributes the span
 * already has are kept.
 *
 * @param baseFetch the fetch to wrap; default the global `fetch`.
 */
export function openAIUsageFetch(baseFetch: typeof fetch = globalThis.fetch): typeof fetch {
  return async function fetchWithUsage(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    const span = trace.getActiveSpan();
    const response = await baseFetch(input, init);
    if (span === undefined || !isModelCallSpan(span) || !response.ok || response.body === null) return response;
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('text/event-stream')) return scanStream(response, span);
    if (!contentType.includes('json')) return response;
    const text = await response.text();
    if (text.includes('"usage"')) {
      try {
        setMissing(span, openAIUsageAttributes(JSON.parse(text)));
      } catch {
        // Not JSON after all: the client will report the parse error itself.
      }
    }
    return rebuild(response, text);
  };
}

function isModelCallSpan(span: Span): boolean {
  if (!span.isRecording()) return false;
  // SDK spans are also ReadableSpans; a non-SDK span has no attributes to inspect.
  const operation = (span as Partial<ReadableSpan>).attributes?.['gen_ai.operation.name'];
  return typeof operation === 'string' && MODEL_CALL_OPERATIONS.has(operation);
}

function setMissing(span: Span, usage: OpenAIUsageAttributes): void {
  const existing = (span as Partial<ReadableSpan>).attributes ?? {};
  for (const [key, value] of Object.entries(usage)) {
    if (existing[key] === undefined) span.setAttribute(key, value);
  }
}

function scanStream(response: Response, span: Span): Response {
  const decoder = new TextDecoder();
  const scanner = new SseUsageScanner((usage) => setMissing(span, usage));
  const body = (response.body as ReadableStream<Uint8Array>).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        // Scan before passing the chunk on, so the span has the usage before the client sees the end.
        scanner.push(decoder.decode(chunk, { stream: true }));
        controller.enqueue(chunk);
      },
      flush() {
        scanner.push(decoder.decode());
        scanner.end();
      },
    }),
  );
  return rebuild(response, body);
}

function rebuild(original: Response, body: string | ReadableStream<Uint8Array>): Response {
  const headers = new Headers(original.headers);
  for (const name of DROPPED_HEADERS) headers.delete(name);
  const rebuilt = new Response(body, { status: original.status, statusText: original.statusText, headers });
  // Response.url is read-only and empty on a constructed Response; the client uses it in errors.
  Object.defineProperty(rebuilt, 'url', { value: original.url });
  return rebuilt;
}
