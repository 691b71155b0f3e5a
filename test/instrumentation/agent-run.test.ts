import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentRunError,
  agentRun,
  attribution,
  currentRun,
  recordOutcome,
  withAttribution,
} from '../../instrumentation/src/index.js';
import { pnlAttributes, startTestTracing, type TestTracing } from './support/test-tracing.js';

let tracing: TestTracing;
beforeEach(() => {
  tracing = startTestTracing();
});
afterEach(async () => {
  await tracing.shutdown();
});

/** Stands in for an LLM call made by some instrumentation: a span named like the GenAI conventions. */
function llmCall(model: string): Promise<string> {
  const span = trace.getTracer('fake-llm').startSpan(`chat ${model}`, { kind: SpanKind.CLIENT, attributes: { 'gen_ai.operation.name': 'chat' } });
  return new Promise((resolve) =>
    setTimeout(() => {
      span.end();
      resolve(model);
    }, 1),
  );
}

describe('agent runs', () => {
  it('records a GenAI invoke_agent span with run id and success outcome', async () => {
    const result = await withAttribution(attribution().customer('cust_acme').feature('chat'), () =>
      agentRun('triage-agent', async (run) => {
        await run.attempt(() => llmCall('gpt-4o'));
        return run.id;
      }, { runId: 'run-123', agentId: 'agt-7' }),
    );
    expect(result).toBe('run-123');
    const span = tracing.span('invoke_agent triage-agent');
    expect(span.kind).toBe(SpanKind.INTERNAL);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'triage-agent',
      'gen_ai.agent.id': 'agt-7',
      'pnl.run.id': 'run-123',
      'pnl.run.outcome': 'success',
      'pnl.run.attempts': 1,
      'pnl.customer.id': 'cust_acme',
      'pnl.feature.id': 'chat',
    });
  });

  it('numbers attempts from 0 and marks each LLM span with its attempt and reason', async () => {
    await withAttribution(attribution().customer('cust_acme'), () =>
      agentRun('triage-agent', async (run) => {
        await run.attempt(() => llmCall('first'));
        await run.attempt(() => llmCall('second'));
        await run.attempt(() => llmCall('third'), 'escalation');
        await run.attempt(() => llmCall('fourth'), 'reexecution');
        await run.attempt(() => llmCall('fifth'), 'fallback');
        await llmCall('outside-attempt');
      }, { runId: 'run-1' }),
    );
    const marks = (model: string) => pnlAttributes(tracing.span(`chat ${model}`));
    expect(marks('first')).toEqual({ 'pnl.customer.id': 'cust_acme', 'pnl.run.id': 'run-1', 'pnl.attempt': 0 });
    expect(marks('second')).toEqual({ 'pnl.customer.id': 'cust_acme', 'pnl.run.id': 'run-1', 'pnl.attempt': 1, 'pnl.attempt.reason': 'retry' });
    expect(marks('third')).toEqual({ 'pnl.customer.id': 'cust_acme', 'pnl.run.id': 'run-1', 'pnl.attempt': 2, 'pnl.attempt.reason': 'escalation' });
    expect(marks('fourth')).toMatchObject({ 'pnl.attempt': 3, 'pnl.attempt.reason': 'reexecution' });
    expect(marks('fifth')).toMatchObject({ 'pnl.attempt': 4, 'pnl.attempt.reason': 'fallback' });
    expect(marks('outside-attempt')).toEqual({ 'pnl.customer.id': 'cust_acme', 'pnl.run.id': 'run-1' });
    expect(tracing.span('invoke_agent triage-agent').attributes['pnl.run.attempts']).toBe(5);
  });

  it('makes LLM spans children of the run span', async () => {
    await agentRun('a', (run) => run.attempt(() => llmCall('m')));
    const runSpan = tracing.span('invoke_agent a');
    expect(tracing.span('chat m').parentSpanContext?.spanId).toBe(runSpan.spanContext().spanId);
    expect(tracing.span('chat m').spanContext().traceId).toBe(runSpan.spanContext().traceId);
  });

  it('marks a run that throws as failed with status ERROR and rethrows', async () => {
    const failure = new RangeError('tool exploded');
    await expect(
      agentRun('broken-agent', async (run) => {
        await run.attempt(() => llmCall('m1'));
        await run.attempt(async () => {
          await llmCall('m2');
          throw failure;
        });
      }),
    ).rejects.toBe(failure);
    const span = tracing.span('invoke_agent broken-agent');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'tool exploded' });
    expect(span.attributes['pnl.run.outcome']).toBe('failure');
    expect(span.attributes['error.type']).toBe('RangeError');
    expect(span.attributes['pnl.run.attempts']).toBe(2);
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('marks a run failed without an exception through run.fail()', async () => {
    await agentRun('judge', (run) => run.fail('answer rejected by checker'));
    const span = tracing.span('invoke_agent judge');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'answer rejected by checker' });
    expect(span.attributes['pnl.run.outcome']).toBe('failure');
  });

  it('gives nested runs their own id and attempt numbering', async () => {
    await agentRun('planner', async (outer) => {
      await outer.attempt(async () => {
        await llmCall('plan');
        await agentRun('researcher', async (inner) => {
          await inner.attempt(() => llmCall('research-0'));
          await inner.attempt(() => llmCall('research-1'), 'escalation');
          expect(currentRun()).toBe(inner);
        }, { runId: 'inner' });
        expect(currentRun()).toBe(outer);
      });
    }, { runId: 'outer' });
    expect(pnlAttributes(tracing.span('chat plan'))).toEqual({ 'pnl.run.id': 'outer', 'pnl.attempt': 0 });
    expect(pnlAttributes(tracing.span('chat research-0'))).toEqual({ 'pnl.run.id': 'inner', 'pnl.attempt': 0 });
    expect(pnlAttributes(tracing.span('chat research-1'))).toEqual({ 'pnl.run.id': 'inner', 'pnl.attempt': 1, 'pnl.attempt.reason': 'escalation' });
    const innerSpan = tracing.span('invoke_agent researcher');
    expect(innerSpan.attributes['pnl.run.id']).toBe('inner');
    expect(innerSpan.parentSpanContext?.spanId).toBe(tracing.span('invoke_agent planner').spanContext().spanId);
  });

  it('books a nested run started by a retry of its parent as evolution spend', async () => {
    await agentRun('planner', async (outer) => {
      await outer.attempt(() => llmCall('plan-0'));
      await outer.attempt(
        () => agentRun('researcher', (inner) => inner.attempt(() => llmCall('rerun-0')), { runId: 'inner-2' }),
        'retry',
      );
    }, { runId: 'outer' });
    expect(pnlAttributes(tracing.span('chat rerun-0'))).toEqual({ 'pnl.run.id': 'inner-2', 'pnl.attempt': 1, 'pnl.attempt.reason': 'retry' });
  });

  it('keeps concurrent runs apart', async () => {
    const work = (name: string, customer: string, delays: number[]) =>
      withAttribution(attribution().customer(customer), () =>
        agentRun(name, async (run) => {
          for (const [i, delay] of delays.entries()) {
            await new Promise((resolve) => setTimeout(resolve, delay));
            await run.attempt(() => llmCall(`${name}-${i}`), i === 0 ? undefined : 'retry');
          }
        }, { runId: `id-${name}` }),
      );
    await Promise.all([work('a', 'cust_a', [3, 0, 2]), work('b', 'cust_b', [0, 3, 1]), work('c', 'cust_c', [1, 1, 1])]);
    for (const name of ['a', 'b', 'c']) {
      for (const i of [0, 1, 2]) {
        expect(pnlAttributes(tracing.span(`chat ${name}-${i}`))).toEqual({
          'pnl.customer.id': `cust_${name}`,
          'pnl.run.id': `id-${name}`,
          'pnl.attempt': i,
          ...(i === 0 ? {} : { 'pnl.attempt.reason': 'retry' }),
        });
      }
    }
  });

  it('creates a random run id when none is given', async () => {
    const ids = await Promise.all([agentRun('x', (run) => run.id), agentRun('x', (run) => run.id)]);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('rejects misuse with typed errors before running user code', async () => {
    let ran = false;
    await expect(agentRun('', () => (ran = true))).rejects.toMatchObject({ name: 'AgentRunError', code: 'invalid_name' });
    await agentRun('r', async (run) => {
      await expect(run.attempt(() => (ran = true), 'escalation')).rejects.toMatchObject({ code: 'reason_on_first_attempt' });
      await run.attempt(() => undefined);
      await expect(run.attempt(() => (ran = true), 'oops' as 'retry')).rejects.toBeInstanceOf(AgentRunError);
    });
    expect(ran).toBe(false);
  });

  it('rejects a run id the exporter would silently ignore: empty, not a string, or with control characters', async () => {
    let ran = false;
    for (const runId of ['', '   ', 123 as unknown as string, 'a\nb']) {
      await expect(agentRun('r', () => (ran = true), { runId })).rejects.toMatchObject({ name: 'AgentRunError', code: 'invalid_run_id' });
    }
    expect(ran).toBe(false);
    expect(await agentRun('r', (run) => run.id, { runId: 'job-42' })).toBe('job-42');
  });

  it('starts and numbers attempts under a client\'s oversized baggage instead of throwing', async () => {
    let b = propagation.createBaggage();
    for (let i = 0; i < 3; i++) b = b.setEntry(`client${i}`, { value: 'x'.repeat(2720) });
    const seen = await context.with(propagation.setBaggage(context.active(), b), () =>
      agentRun('r', (run) => run.attempt(() => undefined).then(() => run.attempt(() => propagation.getBaggage(context.active())!, 'retry'))),
    );
    expect(seen.getEntry('pnl.attempt')?.value).toBe('1');
    expect(seen.getEntry('pnl.attempt.reason')?.value).toBe('retry');
    expect(seen.getEntry('pnl.run.id')?.value).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('outcomes', () => {
  it('records an outcome span with name, value, run id and attribution', async () => {
    await withAttribution(attribution().customer('cust_acme').feature('support'), () =>
      agentRun('triage-agent', async (run) => {
        await run.attempt(() => llmCall('m'));
        run.outcome('ticket.resolved', { value: 1 });
        run.outcome('csat.score', { value: 4.5 });
      }, { runId: 'run-9' }),
    );
    expect(tracing.span('outcome ticket.resolved').attributes).toEqual({
      'pnl.outcome.name': 'ticket.resolved',
      'pnl.outcome.value': 1,
      'pnl.run.id': 'run-9',
      'pnl.customer.id': 'cust_acme',
      'pnl.feature.id': 'support',
    });
    expect(tracing.span('outcome csat.score').attributes['pnl.outcome.value']).toBe(4.5);
    expect(tracing.span('outcome ticket.resolved').parentSpanContext?.spanId).toBe(
      tracing.span('invoke_agent triage-agent').spanContext().spanId,
    );
  });

  it('records outcomes outside a run, defaulting the value to 1', () => {
    withAttribution(attribution().customer('cust_b'), () => recordOutcome('rewrite.accepted'));
    expect(pnlAttributes(tracing.span('outcome rewrite.accepted'))).toEqual({
      'pnl.outcome.name': 'rewrite.accepted',
      'pnl.outcome.value': 1,
      'pnl.customer.id': 'cust_b',
    });
  });

  it.each([
    ['an empty name', '', {}],
    ['a name with spaces', 'ticket resolved', {}],
    ['a NaN value', 'ok', { value: Number.NaN }],
    ['an infinite value', 'ok', { value: Number.POSITIVE_INFINITY }],
  ])('rejects %s', (_label, name, options) => {
    expect(() => recordOutcome(name, options)).toThrow(AgentRunError);
    expect(tracing.spans()).toHaveLength(0);
  });
});
