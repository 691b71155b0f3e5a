import { describe, expect, it } from 'vitest';
import type { LlmCall, NormalizedSpan, TokenUsage } from '../../exporter/src/model/llm-call.js';
import { defaultNormalizeOptions, isContentKey, normalizeSpan } from '../../exporter/src/normalize/index.js';
import { loadConventionFixtures } from './convention-fixtures.js';

/** Billable tokens of each logical call, whichever convention recorded it. */
const CALLS: Record<string, { provider: string; usage: Omit<TokenUsage, 'inputReported'>; minFixtures: number }> = {
  'openai-gpt-4o-mini-cached': {
    provider: 'openai',
    usage: { inputUncached: 700, cacheRead: 300, cacheWrite: 0, output: 200, reasoning: 0 },
    minFixtures: 9,
  },
  'openai-gpt-4o-mini-no-cache-info': {
    provider: 'openai',
    usage: { inputUncached: 1000, cacheRead: 0, cacheWrite: 0, output: 200, reasoning: 0 },
    minFixtures: 1,
  },
  'anthropic-claude-sonnet-4-cached': {
    provider: 'anthropic',
    usage: { inputUncached: 100, cacheRead: 2000, cacheWrite: 500, output: 300, reasoning: 0 },
    minFixtures: 10,
  },
  'anthropic-claude-sonnet-4-no-cache-info': {
    provider: 'anthropic',
    usage: { inputUncached: 100, cacheRead: 0, cacheWrite: 0, output: 300, reasoning: 0 },
    minFixtures: 1,
  },
  'bedrock-claude-3-5-sonnet': {
    provider: 'aws',
    usage: { inputUncached: 1200, cacheRead: 0, cacheWrite: 0, output: 80, reasoning: 0 },
    minFixtures: 1,
  },
  'vertex-gemini-2-5-flash': {
    provider: 'google',
    usage: { inputUncached: 5000, cacheRead: 0, cacheWrite: 0, output: 900, reasoning: 600 },
    minFixtures: 1,
  },
};

/** Prompt and completion text used across the fixtures; none of it may survive normalization. */
const CONTENT_SNIPPETS = ['My invoice is wrong', 'Routing to billing', 'Summarise this contract', 'The contract...', 'contracts expert', 'Classify this ticket', 'INV-1', 'triage support tickets'];

const fixtures = loadConventionFixtures();
const options = defaultNormalizeOptions();

function llmCall(result: NormalizedSpan, file: string): LlmCall {
  if (result.kind !== 'llm') throw new Error(`${file}: expected llm, got ${JSON.stringify(result)}`);
  return result.call;
}

describe('convention fixtures', () => {
  it('cover every logical call with the expected number of emitters', () => {
    for (const [call, { minFixtures }] of Object.entries(CALLS)) {
      expect(fixtures.filter((f) => f.call === call).length, call).toBeGreaterThanOrEqual(minFixtures);
    }
    const known = new Set([...Object.keys(CALLS), 'parent', 'run']);
    for (const f of fixtures) expect(known.has(f.call), `${f.file} names unknown call ${f.call}`).toBe(true);
  });

  describe.each(fixtures.filter((f) => f.expect.kind === 'llm').map((f) => [f.file, f] as const))('%s', (file, f) => {
    const call = llmCall(normalizeSpan(f.span, options), file);
    const expected = CALLS[f.call];

    it('normalizes to the billable tokens and provider of its logical call', () => {
      expect(expected, `no CALLS entry for ${f.call}`).toBeDefined();
      expect(call.provider).toBe(expected?.provider);
      expect(call.usage).toEqual({ inputReported: f.expect.inputReported, ...expected?.usage });
      expect(call.hasUsage).toBe(true);
    });

    it('records the convention, models, operation and cache interpretation', () => {
      expect({
        convention: call.convention,
        requestModel: call.requestModel,
        responseModel: call.responseModel,
        operation: call.operation,
        inputIncludesCache: call.inputIncludesCache,
        // No fixture carries a service-tier attribute: none of them says which tier served the call.
        serviceTier: call.serviceTier,
      }).toEqual({
        convention: f.expect.convention,
        requestModel: f.expect.requestModel,
        responseModel: f.expect.responseModel,
        operation: f.expect.operation,
        inputIncludesCache: f.expect.inputIncludesCache,
        serviceTier: '',
      });
    });

    it('attributes the call to the customer through whichever alias the emitter used', () => {
      expect(call.customerId).toBe('cust_acme');
      expect(call.environment).toBe('production');
      expect(call.serviceName).toBe('support-agent');
      expect(call.traceId).toBe(f.span.traceId);
      expect(call.spanId).toBe(f.span.spanId);
      expect(call.durationUs).toBe(850_000);
      expect(call.scopeName).toBe(f.span.scopeName);
    });

    it('stores no prompt or completion content', () => {
      for (const key of Object.keys(call.attributes)) expect(isContentKey(key), key).toBe(false);
      const text = JSON.stringify(call);
      for (const snippet of CONTENT_SNIPPETS) expect(text).not.toContain(snippet);
    });
  });

  it.each(fixtures.filter((f) => f.expect.kind !== 'llm').map((f) => [f.file, f] as const))(
    '%s is not priced (it is a run or ignored)',
    (_file, f) => {
      const result = normalizeSpan(f.span, options);
      expect(result.kind).toBe(f.expect.kind);
      if (result.kind === 'run') {
        expect({ agentName: result.run.agentName, outcome: result.run.outcome, status: result.run.status }).toEqual({
          agentName: f.expect.agentName,
          outcome: f.expect.outcome,
          status: f.expect.status,
        });
        expect(result.run.customerId).toBe('cust_acme');
      }
    },
  );
});

describe('agent runs', () => {
  it('reads run id, outcome and business outcome from our keys', () => {
    const f = fixtures.find((x) => x.file === 'otel-genai-invoke-agent-pnl.json');
    const result = normalizeSpan(f!.span, options);
    expect(result).toEqual({
      kind: 'run',
      run: {
        customerId: 'cust_acme',
        customerTier: '',
        organizationId: '',
        productId: '',
        featureId: 'ticket-triage',
        environment: 'production',
        taskType: '',
        sessionId: '',
        userId: '',
        runId: 'run_8f2',
        attempt: 0,
        attemptReason: '',
        traceId: f!.span.traceId,
        spanId: f!.span.spanId,
        parentSpanId: '',
        startTimeUs: f!.span.startTimeUs,
        durationUs: 850_000,
        agentName: 'refund-agent',
        outcome: 'success',
        status: 'ok',
        outcomeName: 'refund_issued',
        outcomeValue: 42.5,
        serviceName: 'support-agent',
      },
    });
  });
});
