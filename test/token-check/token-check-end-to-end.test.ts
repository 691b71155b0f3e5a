import { ROOT_CONTEXT, SpanKind, type Attributes } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { getEncoding } from 'js-tiktoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PnlConfig } from '../../exporter/src/config/config.js';
import { isContentKey } from '../../exporter/src/normalize/index.js';
import { PnlService } from '../../exporter/src/service/pnl-service.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue } from '../helpers/test-service.js';

/*
 * Two emitters send the same conversations with their real text. The honest one reports the
 * token counts OpenAI would: tiktoken o200k_base counts of the messages plus OpenAI's documented
 * chat framing (3 tokens per message, 3 to prime the reply), computed here independently of the
 * exporter. The other reports 25% more input tokens. Only the second must be flagged.
 */
const enc = getEncoding('o200k_base');
const tokens = (text: string): number => enc.encode(text).length;

const CONVERSATIONS = [
  ['You are a support agent for an invoicing product. Answer briefly and cite the relevant help article.', 'My invoice for March shows two charges for the same seat. Can you explain why, and refund the duplicate?', 'The second charge is a prorated upgrade from Basic to Pro on March 14. It is not a duplicate; see "Proration" in the billing guide.'],
  ['You triage incoming tickets into billing, technical or sales. Reply with the category and one sentence of reasoning.', 'Our SSO login started failing this morning with error SAML-403 for every user in the Frankfurt office.', 'technical: an SSO failure affecting a whole office points to an identity-provider configuration change, not billing.'],
  ['You summarise contracts for a procurement team. Keep the summary under five bullet points.', 'Summarise the renewal terms: the agreement renews automatically for 12 months unless either party gives 60 days written notice; fees rise by at most 5% per renewal.', '- Auto-renews for 12 months\n- 60 days written notice to cancel\n- Fee increase capped at 5% per renewal'],
  ['You are a careful translator from French to English.', 'Traduisez : « La facture sera envoyée après la livraison complète de la commande, sauf accord contraire. »', '"The invoice will be sent after the order is delivered in full, unless otherwise agreed."'],
  ['You write SQL for ClickHouse. Return only the query.', 'Total cost per customer for last month from table pnl.llm_calls with columns customer_id, cost_usd, start_time.', 'SELECT customer_id, sum(cost_usd) FROM pnl.llm_calls WHERE start_time >= toStartOfMonth(now() - INTERVAL 1 MONTH) AND start_time < toStartOfMonth(now()) GROUP BY customer_id'],
  ['You are a helpful assistant.', 'Give me three names for a budgeting app for freelancers, one word each.', 'Tallyo, Ledgerly, Fluxo'],
] as const;

/** OpenAI's count of a chat prompt: Σ (3 + role + content) + 3. */
function promptTokens(system: string, user: string): number {
  return 3 + (3 + tokens('system') + tokens(system)) + (3 + tokens('user') + tokens(user));
}

const HONEST = { scope: 'honest-llm-lib', version: '1.4.0' };
const INFLATING = { scope: 'inflating-llm-lib', version: '0.9.0' };
const ATTRIBUTION = { 'pnl.customer.id': 'cust_acme', 'pnl.feature.id': 'support' };

/** OTel GenAI attributes with content in gen_ai.input/output.messages, 16 input tokens read from cache. */
function honestAttributes([system, user, answer]: readonly string[]): Attributes {
  return {
    ...ATTRIBUTION,
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.input.messages': JSON.stringify([
      { role: 'system', parts: [{ type: 'text', content: system }] },
      { role: 'user', parts: [{ type: 'text', content: user }] },
    ]),
    'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: answer }], finish_reason: 'stop' }]),
    'gen_ai.usage.input_tokens': promptTokens(system!, user!),
    'gen_ai.usage.cache_read.input_tokens': 16,
    'gen_ai.usage.output_tokens': tokens(answer!),
  };
}

/** OpenLLMetry attributes with content in gen_ai.prompt.N / gen_ai.completion.N, input inflated by 25%. */
function inflatingAttributes([system, user, answer]: readonly string[]): Attributes {
  return {
    ...ATTRIBUTION,
    'gen_ai.operation.name': 'chat',
    'gen_ai.system': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.prompt.0.role': 'system',
    'gen_ai.prompt.0.content': system!,
    'gen_ai.prompt.1.role': 'user',
    'gen_ai.prompt.1.content': user!,
    'gen_ai.completion.0.role': 'assistant',
    'gen_ai.completion.0.content': answer!,
    'gen_ai.usage.input_tokens': Math.round(promptTokens(system!, user!) * 1.25),
    'gen_ai.usage.output_tokens': tokens(answer!),
  };
}

/** One OTLP JSON body: every conversation once per emitter, each emitter with its own tracer (scope). */
async function payload(): Promise<Buffer> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'support-bot' }), spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const emit = (who: { scope: string; version: string }, attrs: (c: readonly string[]) => Attributes): void => {
    const tracer = provider.getTracer(who.scope, who.version);
    for (const c of CONVERSATIONS) tracer.startSpan('chat gpt-4o', { kind: SpanKind.CLIENT, attributes: attrs(c) }, ROOT_CONTEXT).end();
  };
  emit(HONEST, honestAttributes);
  emit(INFLATING, inflatingAttributes);
  await provider.forceFlush();
  const spans: ReadableSpan[] = exporter.getFinishedSpans();
  await provider.shutdown();
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
}

interface Running {
  service: PnlService;
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** The real service on a loopback port, its log lines captured as objects. */
async function start(overrides: Partial<PnlConfig>): Promise<Running> {
  const dir = tempDir();
  const logs: Array<Record<string, unknown>> = [];
  const config: PnlConfig = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir: dir.path, logLevel: 'info', batchMaxDelayMs: 50, ...overrides };
  const capture = (level: string) => (msg: string, fields?: Record<string, unknown>) => void logs.push({ level, msg, ...fields });
  const service = await PnlService.start(config, { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') });
  return {
    service,
    logs,
    async stop() {
      await service.stop();
      dir.remove();
    },
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const emitterLabels = (who: { scope: string; version: string }) => ({ scope: who.scope, scope_version: who.version, provider: 'openai', model: 'gpt-4o' });

interface ReportEmitter {
  scope: string;
  checks: number;
  flagged: boolean;
  exact: boolean;
  tokenizer: string;
  input: { samples: number; reported: number; estimated: number; deviation: number | null; flagged: boolean };
  output: { samples: number; reported: number; estimated: number; deviation: number | null; flagged: boolean };
}

describe('token double-entry against the real service', () => {
  let svc: Running;
  let body: Buffer;
  let report: { enabled: boolean; emitters: ReportEmitter[] };
  let metrics: string;

  beforeAll(async () => {
    svc = await start({ tokenCheckSample: 1, tokenCheckTolerancePct: 10 });
    body = await payload();
    expect((await postTraces(svc.service.url, body, JSON_HEADERS)).status).toBe(200);
    await svc.service.core.tokenCheck!.idle();
    report = (await (await fetch(`${svc.service.url}/api/v1/token-checks`)).json()) as typeof report;
    metrics = await (await fetch(`${svc.service.url}/metrics`)).text();
  });
  afterAll(() => svc?.stop());

  const emitter = (scope: string): ReportEmitter => {
    const e = report.emitters.find((x) => x.scope === scope);
    if (e === undefined) throw new Error(`no emitter ${scope} in ${JSON.stringify(report)}`);
    return e;
  };

  it('leaves an emitter that reports the real token counts unflagged, within a few percent', () => {
    const e = emitter(HONEST.scope);
    expect(e).toMatchObject({ checks: CONVERSATIONS.length, flagged: false, exact: true, tokenizer: 'o200k_base' });
    expect(e.input.samples).toBe(CONVERSATIONS.length);
    expect(Math.abs(e.input.deviation!)).toBeLessThan(0.03);
    expect(Math.abs(e.output.deviation!)).toBeLessThan(0.03);
    // The reported side is the whole prompt: uncached input plus the 16 cached tokens of each call.
    expect(e.input.reported).toBe(CONVERSATIONS.reduce((n, [s, u]) => n + promptTokens(s, u), 0));
  });

  it('flags an emitter whose input counts are 25% high, in the API and on /metrics', () => {
    const e = emitter(INFLATING.scope);
    expect(e.flagged).toBe(true);
    expect(e.input.flagged).toBe(true);
    expect(e.input.deviation).toBeCloseTo(0.25, 2);
    expect(e.output.flagged).toBe(false);
    expect(metricValue(metrics, 'pnl_token_check_deviation_ratio', { ...emitterLabels(INFLATING), kind: 'input', exact: 'true' })).toBeCloseTo(0.25, 2);
    expect(metricValue(metrics, 'pnl_token_check_flagged', { ...emitterLabels(INFLATING), kind: 'input', exact: 'true' })).toBe(1);
    expect(metricValue(metrics, 'pnl_token_checks_total', emitterLabels(INFLATING))).toBe(CONVERSATIONS.length);
    expect(Math.abs(metricValue(metrics, 'pnl_token_check_deviation_ratio', { ...emitterLabels(HONEST), kind: 'input', exact: 'true' })!)).toBeLessThan(0.03);
    expect(metricValue(metrics, 'pnl_token_check_flagged', { ...emitterLabels(HONEST), kind: 'input', exact: 'true' })).toBe(0);
  });

  it('warns once about the flagged emitter, naming it, without any message text', () => {
    const warnings = svc.logs.filter((l) => l.level === 'warn' && String(l.msg).startsWith('token check:'));
    expect(warnings).toEqual([expect.objectContaining({ scope: INFLATING.scope, scopeVersion: INFLATING.version, model: 'gpt-4o', kind: 'input', exact: true })]);
    const everything = JSON.stringify(svc.logs);
    for (const [system, user, answer] of CONVERSATIONS) for (const text of [system, user, answer]) expect(everything).not.toContain(text.slice(0, 30));
  });

  it('stores the calls without any content text', async () => {
    const rows = await svc.service.core.store.select<{ scope_name: string; attributes: Record<string, string> }>('SELECT * FROM pnl.llm_calls');
    expect(rows).toHaveLength(2 * CONVERSATIONS.length);
    for (const row of rows) expect(Object.keys(row.attributes).filter(isContentKey)).toEqual([]);
    const stored = JSON.stringify(rows);
    for (const [system, user, answer] of CONVERSATIONS) for (const text of [system, user, answer]) expect(stored).not.toContain(text.slice(0, 30));
  });

  it('does not tally a re-delivered request again', async () => {
    expect((await postTraces(svc.service.url, body, JSON_HEADERS)).status).toBe(200);
    await svc.service.core.tokenCheck!.idle();
    const again = (await (await fetch(`${svc.service.url}/api/v1/token-checks`)).json()) as typeof report;
    expect(again.emitters.map((e) => e.checks)).toEqual([CONVERSATIONS.length, CONVERSATIONS.length]);
  });
});

describe('token double-entry switched off (sample 0, the default)', () => {
  let svc: Running;
  beforeAll(async () => {
    svc = await start({});
  });
  afterAll(() => svc?.stop());

  it('tallies nothing and publishes no token-check series', async () => {
    expect(svc.service.core.tokenCheck).toBeUndefined();
    expect((await postTraces(svc.service.url, await payload(), JSON_HEADERS)).status).toBe(200);
    const report = (await (await fetch(`${svc.service.url}/api/v1/token-checks`)).json()) as { enabled: boolean; sample: number; emitters: unknown[] };
    expect(report).toMatchObject({ enabled: false, sample: 0, emitters: [] });
    expect(await (await fetch(`${svc.service.url}/metrics`)).text()).not.toContain('pnl_token_check');
  });
});
