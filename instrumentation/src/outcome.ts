import { SpanKind, type Attributes } from '@opentelemetry/api';
import { PNL_KEYS } from './attribute-keys.js';
import { AgentRunError } from './agent-run-error.js';
import { pnlTracer } from './pnl-tracer.js';

/** Options for {@link recordOutcome}. */
export interface OutcomeOptions {
  /** Business value of the outcome (count, revenue, score). Default 1. */
  value?: number;
  /** Extra attributes for the outcome span; no prompt text or personal data. */
  attributes?: Attributes;
}

const OUTCOME_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;

/**
 * Records a business result (ticket resolved, rewrite accepted) so cost per successful
 * outcome can be computed. Emits one zero-length span `outcome {name}` with
 * `pnl.outcome.name` and `pnl.outcome.value`; it gets the active attribution and run id
 * like any other span. One span per outcome, so a run may record several.
 * @throws AgentRunError `invalid_outcome` on a bad name or a non-finite value.
 */
export function recordOutcome(name: string, options: OutcomeOptions = {}): void {
  if (typeof name !== 'string' || !OUTCOME_NAME.test(name)) {
    throw new AgentRunError(
      'invalid_outcome',
      `outcome name ${JSON.stringify(name)} is invalid: use 1-128 letters, digits and "_.:/-", e.g. "ticket.resolved".`,
    );
  }
  const value = options.value ?? 1;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new AgentRunError('invalid_outcome', `outcome "${name}" has value ${String(value)}; pass a finite number.`);
  }
  const span = pnlTracer().startSpan(`outcome ${name}`, {
    kind: SpanKind.INTERNAL,
    attributes: { ...options.attributes, [PNL_KEYS.outcomeName]: name, [PNL_KEYS.outcomeValue]: value },
  });
  span.end();
}
