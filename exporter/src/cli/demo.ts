import { SpanKind, trace } from '@opentelemetry/api';
import { agentRun, attribution, startAgenticPnl, withAttribution } from '@agentic-pnl/instrumentation';
import { CONFIG_FIELDS, type PnlConfig } from '../config/config.js';
import { monthToDate } from '../api/date-range.js';
import { createLogger } from '../log/logger.js';
import { monthOf } from '../pnl/pnl-engine.js';
import { PnlService } from '../service/pnl-service.js';
import { callService } from './api-client.js';
import { renderReport } from './render-report.js';

/*
 * A realistic multi-customer agent workload, driven through the real instrumentation
 * (attribution in baggage, agent runs, attempts, outcomes), the real OTLP exporter and the
 * real service. Only the LLM provider is simulated: each call is a GenAI `chat` span with the
 * token counts a provider would report, as an LLM instrumentation would record it.
 */

const DEMO_TIER_PRICES = { free: 0, starter: 29, pro: 99, enterprise: 499 };

interface Profile {
  customer: string;
  tier: keyof typeof DEMO_TIER_PRICES;
  feature: string;
  model: readonly [provider: string, model: string];
  escalateTo: readonly [provider: string, model: string];
  /** Probability that an attempt fails and is retried or escalated. */
  failure: number;
  /** Typical prompt and completion sizes. */
  input: number;
  output: number;
  runsFactor: number;
}

const MODELS = {
  mini: ['openai', 'gpt-4o-mini'],
  gpt4o: ['openai', 'gpt-4o'],
  haiku: ['anthropic', 'claude-3-5-haiku-latest'],
  sonnet: ['anthropic', 'claude-sonnet-4-20250514'],
  opus: ['anthropic', 'claude-opus-4-20250514'],
  flash: ['google', 'gemini-2.5-flash'],
} as const;

function profiles(n: number): Profile[] {
  const base: Profile[] = [
    { customer: 'acme-corp', tier: 'enterprise', feature: 'support-chat', model: MODELS.sonnet, escalateTo: MODELS.opus, failure: 0.06, input: 6000, output: 700, runsFactor: 3 },
    { customer: 'globex', tier: 'enterprise', feature: 'contract-review', model: MODELS.gpt4o, escalateTo: MODELS.sonnet, failure: 0.08, input: 12000, output: 1500, runsFactor: 2 },
    { customer: 'initech', tier: 'pro', feature: 'ticket-triage', model: MODELS.mini, escalateTo: MODELS.gpt4o, failure: 0.38, input: 3000, output: 400, runsFactor: 2 },
    { customer: 'umbrella', tier: 'starter', feature: 'code-review', model: MODELS.opus, escalateTo: MODELS.opus, failure: 0.2, input: 30000, output: 3000, runsFactor: 2 },
    { customer: 'hooli', tier: 'pro', feature: 'search', model: MODELS.flash, escalateTo: MODELS.gpt4o, failure: 0.04, input: 4000, output: 300, runsFactor: 1 },
    { customer: 'stark-industries', tier: 'enterprise', feature: 'summarize', model: MODELS.haiku, escalateTo: MODELS.sonnet, failure: 0.1, input: 8000, output: 600, runsFactor: 2 },
    { customer: 'wayne-enterprises', tier: 'pro', feature: 'rewrite', model: MODELS.sonnet, escalateTo: MODELS.opus, failure: 0.3, input: 5000, output: 1200, runsFactor: 1 },
    { customer: 'soylent', tier: 'free', feature: 'support-chat', model: MODELS.mini, escalateTo: MODELS.mini, failure: 0.05, input: 1500, output: 200, runsFactor: 1 },
  ];
  const out: Profile[] = [];
  for (let i = 0; i < n; i++) {
    const p = base[i % base.length]!;
    out.push(i < base.length ? p : { ...p, customer: `${p.customer}-${Math.floor(i / base.length) + 1}` });
  }
  return out;
}

/** Deterministic pseudo-random numbers, so every demo run tells the same story. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** One simulated provider call: a GenAI chat span with realistic usage, cached tokens included. */
function simulatedLlmCall(rand: () => number, [provider, model]: readonly [string, string], input: number, output: number): boolean {
  const tracer = trace.getTracer('agentic-pnl-demo-llm', '1.0.0');
  const inTokens = Math.round(input * (0.6 + rand() * 0.8));
  const cached = rand() < 0.5 ? Math.floor(inTokens * rand() * 0.7) : 0;
  const span = tracer.startSpan(`chat ${model}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': provider,
      'gen_ai.request.model': model,
      'gen_ai.usage.input_tokens': inTokens,
      'gen_ai.usage.cache_read.input_tokens': cached,
      'gen_ai.usage.output_tokens': Math.round(output * (0.5 + rand())),
    },
  });
  span.end();
  return true;
}

/** Runs the demo: service, workload, revenue, budgets, report. */
export async function runDemo(config: PnlConfig, options: { customers: number; runs: number }): Promise<void> {
  const log = (s: string): void => void process.stderr.write(`${s}\n`);
  const demoConfig: PnlConfig = { ...config, port: 0, logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel };
  const service = await PnlService.start(demoConfig, createLogger(demoConfig.logLevel));
  log(`agentic-pnl demo: service on ${service.url}, embedded ClickHouse in ${config.clickhouseUrl ? config.clickhouseUrl : config.dataDir}`);
  const pnl = startAgenticPnl({ serviceName: 'demo-agents', otlpUrl: `${service.url}/v1/traces` });
  const rand = rng(20261123);
  const people = profiles(options.customers);
  try {
    // Revenue as billing would record it: contracts for two enterprise customers, the tier's
    // monthly price for the others. Stored, so "npm start" later shows the same P&L.
    const contracts: Record<string, number> = { 'acme-corp': 1500, globex: 900 };
    await callService(service.url, '/api/v1/revenue', {
      method: 'PUT',
      body: JSON.stringify(
        people.map((p) => ({
          customer: p.customer,
          ...monthPeriod(),
          amount: contracts[p.customer] ?? DEMO_TIER_PRICES[p.tier],
          source: p.customer in contracts ? 'demo-contract' : 'demo-subscription',
        })),
      ),
    });
    let calls = 0;
    let runs = 0;
    for (const [i, p] of people.entries()) {
      const n = Math.max(1, Math.round(options.runs * p.runsFactor * (0.7 + rand() * 0.6)));
      await withAttribution(attribution().customer(p.customer).tier(p.tier).feature(p.feature).product('agents').environment('demo'), async () => {
        for (let r = 0; r < n; r++) {
          await agentRun(`${p.feature}-agent`, async (run) => {
            await run.attempt(() => simulatedLlmCall(rand, p.model, p.input, p.output));
            calls++;
            let failed = rand() < p.failure;
            // Failures cost money: a retry on the same model, then an escalation to a stronger one.
            if (failed) {
              await run.attempt(() => simulatedLlmCall(rand, p.model, p.input, p.output), 'retry');
              calls++;
              failed = rand() < p.failure * 2;
              if (failed) {
                await run.attempt(() => simulatedLlmCall(rand, p.escalateTo, p.input, p.output), 'escalation');
                calls++;
                failed = rand() < p.failure;
              }
            }
            if (failed) run.fail('the agent gave up');
            else run.outcome(`${p.feature}.done`, { value: 1 });
          }).catch(() => undefined); // a failed run is recorded by the instrumentation; the demo goes on
          runs++;
        }
      });
      log(`  [${i + 1}/${people.length}] ${p.customer.padEnd(22)} ${n} runs`);
    }
    await pnl.forceFlush();
    await service.core.writer.flush();
    // Budgets: one customer near its limit, so the budget views have something to show.
    const mtd = monthToDate();
    const acme = await service.engine.snapshot('acme-corp', mtd);
    if (acme) await callService(service.url, '/api/v1/budgets/acme-corp', { method: 'PUT', body: JSON.stringify({ limit_usd: round2(acme.totalCostUsd / 0.92) }) });
    log(`sent ${calls} LLM calls in ${runs} agent runs for ${people.length} customers\n`);
    const summary = await service.engine.summary(mtd);
    process.stdout.write(renderReport(summary, { top: 20, color: process.stdout.isTTY === true }));
    // The service reads ./data unless told otherwise: name the directory the demo wrote to.
    const start = config.dataDir === CONFIG_FIELDS.dataDir.default ? 'npm start' : `npm start -- --data-dir ${config.dataDir}`;
    log(`The data stays in ${config.dataDir} (each demo run adds another round). Next: "${start}", then "npm run pnl -- report" or GET http://127.0.0.1:${config.port}/api/v1/summary`);
  } finally {
    await pnl.shutdown();
    await service.stop();
  }
}

function monthPeriod(): { period_start: string; period_end: string } {
  const m = monthOf(new Date());
  return { period_start: m.from, period_end: m.to };
}

const round2 = (n: number): number => Math.max(0.01, Math.round(n * 100) / 100);
