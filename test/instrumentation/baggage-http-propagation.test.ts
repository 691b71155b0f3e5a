import { createRequire } from 'node:module';
import type * as Http from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentRun, attribution, currentAttribution, withAttribution } from '../../instrumentation/src/index.js';
import { startLocalServer, type LocalServer } from './support/local-server.js';
import { pnlAttributes, startTestTracing, type TestTracing } from './support/test-tracing.js';

// The http instrumentation patches the CommonJS module object, so take http from require.
const require = createRequire(import.meta.url);

let tracing: TestTracing;
let unregister: () => void;
let http: typeof Http;
let frontend: LocalServer;
let backend: LocalServer;
const seenByBackend: Array<{ baggage: string | undefined; attribution: Record<string, string> }> = [];

/** GET with the instrumented http client, so trace context and baggage are injected. */
function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  tracing = startTestTracing();
  const instrumentation = new HttpInstrumentation();
  unregister = registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
  http = require('node:http') as typeof Http;

  // Backend: a second service that makes the "LLM call"; it knows nothing of the customer
  // except what arrives in the baggage header.
  backend = await startLocalServer(
    (req, res) => {
      seenByBackend.push({ baggage: req.headers['baggage'] as string | undefined, attribution: { ...currentAttribution() } });
      trace.getTracer('backend-llm').startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat' } }).end();
      res.end('ok');
    },
    (handler) => http.createServer(handler),
  );
  // Frontend: sets the attribution and an agent attempt, then calls the backend over HTTP.
  frontend = await startLocalServer(
    (req, res) => {
      const customer = new URL(req.url ?? '/', 'http://x').searchParams.get('customer') ?? 'none';
      void withAttribution(attribution().customer(customer).feature('search').custom('region', 'eu'), () =>
        agentRun('router', async (run) => {
          await run.attempt(() => get(`${backend.url}/llm`));
          return run.attempt(() => get(`${backend.url}/llm`), 'fallback');
        }, { runId: `run-${customer}` }),
      ).then((body) => res.end(body));
    },
    (handler) => http.createServer(handler),
  );
});

afterAll(async () => {
  await frontend.close();
  await backend.close();
  unregister();
  await tracing.shutdown();
});

describe('baggage across an HTTP hop', () => {
  it('carries attribution, run id and attempt to the next service and onto its spans', async () => {
    seenByBackend.length = 0;
    tracing.exporter.reset();
    await get(`${frontend.url}/ask?customer=cust_remote`);

    expect(seenByBackend).toHaveLength(2);
    expect(seenByBackend[0]?.attribution).toEqual({
      'pnl.customer.id': 'cust_remote',
      'pnl.feature.id': 'search',
      'pnl.custom.region': 'eu',
    });
    expect(seenByBackend[0]?.baggage?.split(',').sort()).toEqual([
      'pnl.attempt=0',
      'pnl.custom.region=eu',
      'pnl.customer.id=cust_remote',
      'pnl.feature.id=search',
      'pnl.run.id=run-cust_remote',
    ]);

    const llmSpans = tracing.spans().filter((s) => s.name === 'chat gpt-4o');
    expect(llmSpans.map(pnlAttributes)).toEqual([
      {
        'pnl.customer.id': 'cust_remote',
        'pnl.feature.id': 'search',
        'pnl.custom.region': 'eu',
        'pnl.run.id': 'run-cust_remote',
        'pnl.attempt': 0,
      },
      {
        'pnl.customer.id': 'cust_remote',
        'pnl.feature.id': 'search',
        'pnl.custom.region': 'eu',
        'pnl.run.id': 'run-cust_remote',
        'pnl.attempt': 1,
        'pnl.attempt.reason': 'fallback',
      },
    ]);
    // The backend's server span, made by the http instrumentation, carries it as well.
    const backendServerSpans = tracing
      .spans()
      .filter((s) => s.kind === SpanKind.SERVER && s.attributes['url.path'] === '/llm');
    expect(backendServerSpans.map((s) => s.attributes['pnl.customer.id'])).toEqual(['cust_remote', 'cust_remote']);
    // One trace across both services: the backend continues the frontend's run trace.
    const runTrace = tracing.span('invoke_agent router').spanContext().traceId;
    expect([...llmSpans, ...backendServerSpans].map((s) => s.spanContext().traceId)).toEqual(Array(4).fill(runTrace));
  });

  it('keeps concurrent requests for different customers apart across the hop', async () => {
    seenByBackend.length = 0;
    await Promise.all(['cust_1', 'cust_2', 'cust_3', 'cust_4'].map((c) => get(`${frontend.url}/ask?customer=${c}`)));
    expect(seenByBackend).toHaveLength(8);
    for (const seen of seenByBackend) {
      const customer = seen.attribution['pnl.customer.id'];
      expect(seen.baggage).toContain(`pnl.customer.id=${customer}`);
      expect(seen.baggage).toContain(`pnl.run.id=run-${customer}`);
    }
    expect(new Set(seenByBackend.map((s) => s.attribution['pnl.customer.id']))).toEqual(new Set(['cust_1', 'cust_2', 'cust_3', 'cust_4']));
  });
});
