import { randomUUID } from 'node:crypto';
import {
  SpanKind,
  SpanStatusCode,
  context,
  createContextKey,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
} from '@opentelemetry/api';
import { ATTEMPT_REASONS, GEN_AI_KEYS, PNL_KEYS, type AttemptReason, type RunOutcome } from './attribute-keys.js';
import { AgentRunError } from './agent-run-error.js';
import { attemptBaggage } from './attempt-baggage.js';
import { AttributionError } from './attribution-error.js';
import { fitBaggage } from './baggage-limits.js';
import { jsonLineLogger } from './logger.js';
import { recordOutcome, type OutcomeOptions } from './outcome.js';
import { pnlTracer } from './pnl-tracer.js';
import { validateValue } from './validate-attribution.js';

/** Options for {@link agentRun}. */
export interface AgentRunOptions {
  /** Run id to use instead of a random UUID, e.g. a job id; becomes `pnl.run.id`. */
  runId?: string;
  /** Stable agent id, recorded as `gen_ai.agent.id`. */
  agentId?: string;
  /** Extra attributes for the run span. */
  attributes?: Attributes;
}

/** Handle passed to the function of an {@link agentRun}. */
export interface AgentRun {
  /** `pnl.run.id` of this run. */
  readonly id: string;
  /** Agent name (`gen_ai.agent.name`). */
  readonly name: string;
  /** The `invoke_agent` span; add your own attributes to it. */
  readonly span: Span;
  /** Attempts started so far. */
  readonly attempts: number;
  /**
   * Runs `fn` as the next attempt. The first attempt is number 0 and takes no reason; later
   * ones are failure-driven ("evolution") work and default to reason `retry`. Every span
   * started inside, including LLM spans of other instrumentations and downstream services,
   * carries `pnl.attempt` and `pnl.attempt.reason`.
   * @returns what `fn` returns; rejects with what `fn` throws.
   */
  attempt<T>(fn: () => T | PromiseLike<T>, reason?: AttemptReason): Promise<T>;
  /** Records a business outcome of this run; see {@link recordOutcome}. */
  outcome(name: string, options?: OutcomeOptions): void;
  /** Marks the run failed without throwing (the agent answered, but wrongly). */
  fail(message?: string): void;
}

const RUN_KEY = createContextKey('@agentic-pnl/instrumentation agent run');
const RUN_NAME = /^[^\u0000-\u001f\u007f]{1,128}$/;

/** The innermost agent run of the given (default: active) context, if any. */
export function currentRun(ctx: Context = context.active()): AgentRun | undefined {
  return ctx.getValue(RUN_KEY) as AgentRun | undefined;
}

/**
 * Runs `fn` as one agent run: a GenAI `invoke_agent {name}` span with `pnl.run.id`, ended
 * with `pnl.run.outcome` (`failure` and status ERROR if `fn` throws or calls `run.fail()`).
 * The run id travels in baggage, so every span inside carries it. Runs nest and run
 * concurrently; state lives in the async context, not in globals.
 * @returns what `fn` returns; rethrows what `fn` throws.
 * @throws AgentRunError `invalid_name` before running `fn` on an empty or over-long name.
 */
export async function agentRun<T>(
  name: string,
  fn: (run: AgentRun) => T | PromiseLike<T>,
  options: AgentRunOptions = {},
): Promise<T> {
  if (typeof name !== 'string' || !RUN_NAME.test(name)) {
    throw new AgentRunError('invalid_name', `agent name ${JSON.stringify(name)} is invalid: use 1-128 printable characters.`);
  }
  const run = new RunState(name, options);
  try {
    const result = await context.with(run.context, () => fn(run));
    run.finish(false, undefined);
    return result;
  } catch (error) {
    run.finish(true, error);
    throw error;
  }
}

class RunState implements AgentRun {
  readonly id: string;
  readonly span: Span;
  readonly context: Context;
  attempts = 0;
  private failure: string | undefined;
  private ended = false;

  constructor(
    readonly name: string,
    options: AgentRunOptions,
  ) {
    this.id = options.runId === undefined ? randomUUID() : runIdOf(options.runId);
    const parent = context.active();
    const baggage = fitBaggage((propagation.getBaggage(parent) ?? propagation.createBaggage()).setEntry(PNL_KEYS.runId, { value: this.id }), [PNL_KEYS.runId]);
    const withBaggage = propagation.setBaggage(parent, baggage);
    this.span = pnlTracer().startSpan(
      `invoke_agent ${name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          ...options.attributes,
          [GEN_AI_KEYS.operationName]: 'invoke_agent',
          [GEN_AI_KEYS.agentName]: name,
          ...(options.agentId === undefined ? {} : { [GEN_AI_KEYS.agentId]: options.agentId }),
          [PNL_KEYS.runId]: this.id,
        },
      },
      withBaggage,
    );
    this.context = trace.setSpan(withBaggage, this.span).setValue(RUN_KEY, this);
  }

  async attempt<T>(fn: () => T | PromiseLike<T>, reason?: AttemptReason): Promise<T> {
    if (reason !== undefined && !ATTEMPT_REASONS.includes(reason)) {
      throw new AgentRunError('invalid_reason', `attempt reason ${JSON.stringify(reason)} is invalid; use one of ${ATTEMPT_REASONS.join(', ')}.`);
    }
    const attempt = this.attempts;
    if (attempt === 0 && reason !== undefined) {
      throw new AgentRunError(
        'reason_on_first_attempt',
        `the first attempt of run "${this.name}" was given reason "${reason}"; reasons mark work repeated after a failure, so call run.attempt(fn) first.`,
      );
    }
    this.attempts += 1;
    if (this.ended) jsonLineLogger.warn('attempt started after its agent run ended; it is still marked', { run_id: this.id, attempt });
    const active = context.active();
    const base = (propagation.getBaggage(active) ?? propagation.createBaggage()).setEntry(PNL_KEYS.runId, { value: this.id });
    const baggage = fitBaggage(attemptBaggage(base, attempt, attempt === 0 ? undefined : (reason ?? 'retry')), [PNL_KEYS.runId, PNL_KEYS.attempt, PNL_KEYS.attemptReason]);
    const ctx = propagation.setBaggage(active, baggage).setValue(RUN_KEY, this);
    return await context.with(ctx, fn);
  }

  outcome(name: string, options?: OutcomeOptions): void {
    context.with(this.context, () => recordOutcome(name, options));
  }

  fail(message?: string): void {
    this.failure = message ?? 'run marked failed';
  }

  finish(threw: boolean, error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const outcome: RunOutcome = !threw && this.failure === undefined ? 'success' : 'failure';
    this.span.setAttributes({ [PNL_KEYS.runOutcome]: outcome, [PNL_KEYS.runAttempts]: this.attempts });
    if (threw) {
      const exception = error instanceof Error ? error : new Error(String(error));
      this.span.recordException(exception);
      this.span.setAttribute('error.type', exception.constructor.name || '_OTHER');
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
    } else if (this.failure !== undefined) {
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: this.failure });
    }
    this.span.end();
  }
}

/**
 * A caller's run id, checked like an attribution value: the exporter records a run only under a
 * non-empty string id, so '' or a number (a job id passed as is) lost the run without a word.
 */
function runIdOf(runId: unknown): string {
  try {
    return validateValue(PNL_KEYS.runId, runId);
  } catch (err) {
    if (err instanceof AttributionError) throw new AgentRunError('invalid_run_id', `runId: ${err.message}`);
    throw err;
  }
}
