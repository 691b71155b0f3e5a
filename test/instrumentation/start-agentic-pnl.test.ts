import { createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SetupError,
  agentRun,
  attribution,
  budgetState,
  openAIUsageFetch,
  setHashSalt,
  startAgenticPnl,
  withAttribution,
  type AgenticPnl,
} from '../../instrumentation/src/index.js';
import { startFakeOpenAI, type FakeOpenAI } from './support/fake-openai-server.js';
import { readBody, startLocalServer } from './support/local-server.js';
import { RecordingExporter } from './support/recording-exporter.js';

const requireFromPackage = createRequire(new URL('../../instrumentation/package.json', import.meta.url));
type OpenAIModule = typeof import('openai');
const SALT = 'setup-test-salt-0123456789';

let fake: FakeOpenAI;
let pnl: AgenticPnl | undefined;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await pnl?.shutdown();
  pnl = undefined;
  setHashSalt(undefined);
  delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
});

describe('startAgenticPnl', () => {
  it('runs the README example end to end into an in-process exporter', async () => {
    const exporter = new RecordingExporter();
    pnl = startAgenticPnl({
      serviceName: 'support-bot',
      instrumentations: [new OpenAIInstrumentation()],
      exporter,
      hashSalt: SALT,
      defaultAttribution: { 'pnl.environment': 'test' },
    });
    const { OpenAI } = requireFromPackage('openai') as OpenAIModule;
    const openai = new OpenAI({ apiKey: 'k', baseURL: fake.baseURL, maxRetries: 0, fetch: openAIUsageFetch() });
    const ask = (model: string) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'help' }] });

    await withAttribution(attribution().customer('cust_acme').tier('pro').feature('chat').user('ann@acme.example'), () =>
      agentRun('triage-agent', async (run) => {
        const first = await run.attempt(() => ask('gpt-4o-mini'));
        if (first.choices[0]?.message.content !== 'resolved') await run.attempt(() => ask('gpt-4o'), 'escalation');
        run.outcome('ticket.resolved', { value: 1 });
      }, { runId: 'run-e2e' }),
    );
    await pnl.shutdown();

    const user = createHmac('sha256', SALT).update('ann@acme.example').digest('hex');
    const common = {
      'pnl.customer.id': 'cust_acme',
      'pnl.customer.tier': 'pro',
      'pnl.feature.id': 'chat',
      'pnl.user.id': user,
      'pnl.environment': 'test',
      'pnl.run.id': 'run-e2e',
    };
    expect(exporter.span('chat gpt-4o-mini').attributes).toMatchObject({ ...common, 'pnl.attempt': 0, 'gen_ai.usage.cache_read.input_tokens': 1024 });
    expect(exporter.span('chat gpt-4o').attributes).toMatchObject({
      ...common,
      'pnl.attempt': 1,
      'pnl.attempt.reason': 'escalation',
      'gen_ai.usage.reasoning.output_tokens': 256,
    });
    expect(exporter.span('invoke_agent triage-agent').attributes).toMatchObject({ ...common, 'pnl.run.outcome': 'success', 'pnl.run.attempts': 2 });
    expect(exporter.span('outcome ticket.resolved').attributes).toMatchObject({ ...common, 'pnl.outcome.value': 1 });
    expect(exporter.span('chat gpt-4o').resource.attributes['service.name']).toBe('support-bot');
    expect(exporter.spans).toHaveLength(4);
  });

  it('exports over OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT and asks the same service for budgets', async () => {
    const received: Array<{ path: string; contentType: string | undefined; body: Buffer }> = [];
    const service = await startLocalServer((req, res) => {
      void readBody(req).then((body) => {
        received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
        if (req.url?.startsWith('/api/v1/budgets/')) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ customer: 'cust_otlp', state: 'warn', utilization: 0.8 }));
        } else {
          res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        }
      });
    });
    try {
      process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = service.url;
      pnl = startAgenticPnl({ serviceName: 'otlp-bot' });
      await withAttribution(attribution().customer('cust_otlp'), () => agentRun('otlp-agent', () => undefined));
      expect(await budgetState('cust_otlp')).toBe('warn');
      await pnl.shutdown();

      expect(received.map((r) => r.path).sort()).toEqual(['/api/v1/budgets/cust_otlp', '/v1/traces']);
      const traces = received.find((r) => r.path === '/v1/traces')!;
      expect(traces.contentType).toBe('application/x-protobuf');
      // Protobuf keeps strings as raw UTF-8, so the attribution is visible in the bytes.
      for (const text of ['pnl.customer.id', 'cust_otlp', 'invoke_agent otlp-agent', 'otlp-bot']) {
        expect(traces.body.includes(Buffer.from(text))).toBe(true);
      }
    } finally {
      await service.close();
    }
  });

  it('shuts down once however often it is called, and can start again afterwards', async () => {
    const exporter = new RecordingExporter();
    pnl = startAgenticPnl({ exporter });
    trace.getTracer('t').startSpan('pending').end();
    const first = pnl.shutdown();
    expect(pnl.shutdown()).toBe(first);
    await Promise.all([first, pnl.shutdown()]);
    expect(exporter.shutdowns).toBe(1);
    expect(exporter.spans.map((s) => s.name)).toEqual(['pending']);

    const again = new RecordingExporter();
    pnl = startAgenticPnl({ exporter: again });
    trace.getTracer('t').startSpan('after-restart').end();
    await pnl.forceFlush();
    expect(again.spans.map((s) => s.name)).toEqual(['after-restart']);
  });

  it('refuses to start twice', () => {
    pnl = startAgenticPnl({ exporter: new RecordingExporter() });
    expect(() => startAgenticPnl({ exporter: new RecordingExporter() })).toThrow(/already running in this process; reuse its handle, or call shutdown\(\) on it first/);
  });

  it('lists every invalid option at once', () => {
    let caught: unknown;
    try {
      startAgenticPnl({
        serviceName: ' ',
        exporter: new RecordingExporter(),
        otlpUrl: 'localhost:4318',
        hashSalt: 'short',
        defaultAttribution: { 'pnl.run.id': 'x' },
        budget: { ttlMs: -1, serviceUrl: 'ftp://x' },
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SetupError);
    expect((caught as SetupError).problems).toEqual([
      'serviceName must be a non-empty string.',
      'exporter and otlpUrl are both set; pass one: exporter for in-process export, otlpUrl for OTLP.',
      'otlpUrl "localhost:4318" is not an http(s) URL; use e.g. http://localhost:4318/v1/traces.',
      'hashSalt must be at least 16 characters; generate one with `openssl rand -hex 16`.',
      expect.stringMatching(/^defaultAttribution: "pnl.run.id" is not an attribution key/),
      'budget.serviceUrl "ftp://x" is not an http(s) URL; use e.g. http://localhost:4318.',
      'budget.ttlMs must be a non-negative number of milliseconds.',
    ]);
  });
});
