import type { DecodedSpan } from '../model/decoded-span.js';
import type { AgentRun, LlmCall, NormalizedSpan, Outcome, RejectReason } from '../model/llm-call.js';
import { buildAgentRun } from './build-agent-run.js';
import { buildLlmCall } from './build-llm-call.js';
import { buildOutcome } from './build-outcome.js';
import { classifySpan } from './classify-span.js';
import { compileOptions } from './compile-options.js';
import type { NormalizeOptions } from './normalize-options.js';
import { InvalidUsageError } from './token-count.js';

/** Most spans are not LLM calls; they all share this answer instead of allocating one each. */
const IGNORE: NormalizedSpan = Object.freeze({ kind: 'ignore' });

/**
 * Turns one received span into one internal record: an LLM model call (`llm`), an agent run
 * (`run`), a business outcome (`outcome`), nothing (`ignore`: HTTP, DB, tool spans, and parents that repeat their children's
 * usage), or a `reject` with a message saying what was wrong and where. Pure and synchronous;
 * never throws for bad span data.
 * @throws Error only when `options` are invalid (see `validateNormalizeOptions`).
 */
export function normalizeSpan(span: DecodedSpan, options: NormalizeOptions): NormalizedSpan {
  const kind = classifySpan(span);
  if (kind === 'ignore') return IGNORE;
  const compiled = compileOptions(options);
  if (!validTimes(span)) {
    return {
      kind: 'reject',
      reason: 'invalid_time',
      message: `span ${span.spanId}: start ${span.startTimeUs} µs / end ${span.endTimeUs} µs is not a valid time range`,
    };
  }
  let built: { kind: 'llm'; call: LlmCall } | { kind: 'run'; run: AgentRun } | { kind: 'outcome'; outcome: Outcome };
  if (kind === 'run') built = { kind: 'run', run: buildAgentRun(span, compiled) };
  else if (kind === 'outcome') built = { kind: 'outcome', outcome: buildOutcome(span, compiled) };
  else {
    try {
      built = { kind: 'llm', call: buildLlmCall(span, compiled) };
    } catch (err) {
      if (err instanceof InvalidUsageError) {
        return { kind: 'reject', reason: 'invalid_usage', message: `span ${span.spanId} (${span.name}): ${err.message}` };
      }
      throw err;
    }
  }
  const bad = badId(built.kind === 'llm' ? built.call : built.kind === 'run' ? built.run : built.outcome);
  if (bad !== undefined) {
    const [reason, what] = bad;
    return { kind: 'reject', reason, message: `span ${span.spanId} (${span.name}): its ${what} ${ID_PROBLEMS[reason]}` };
  }
  return built;
}

/** What both decoders make of bytes that are not UTF-8 (as Buffer#toString does). */
const REPLACEMENT = '\uFFFD';

/**
 * The longest id kept (characters). The instrumentation package refuses ids over 256; other
 * conventions' aliases get some room. A longer one is a sender's bug (a prompt or a JSON
 * document in the customer attribute), and was stored whole in every row it keyed.
 */
export const MAX_ID_LENGTH = 1024;

/**
 * The first id that keys money and cannot be kept, with why. Two customers whose ids differ
 * only in broken bytes decode to the same text, and their costs would merge (found by an
 * audit). Other text (prompts, names) is stored as decoded.
 */
function badId(ids: { customerId: string; featureId: string; organizationId?: string; runId: string }): [IdProblem, string] | undefined {
  // Written out, not a loop over a table of fields: this runs for every span.
  return (
    idProblem(ids.customerId, 'customer id') ??
    (RESERVED_CUSTOMER_IDS.has(ids.customerId) ? ['reserved_id', `customer id "${ids.customerId}"`] : undefined) ??
    (ids.organizationId === undefined ? undefined : idProblem(ids.organizationId, 'organization id')) ??
    idProblem(ids.featureId, 'feature id') ??
    idProblem(ids.runId, 'run id')
  );
}

/**
 * Customer ids the service gives a meaning of its own: `__all__` is the portfolio budget (all
 * customers together) and `__other__` the metrics' overflow label. A customer sent under one
 * of them would share its budget, gauges and alerts with that meaning.
 */
export const RESERVED_CUSTOMER_IDS: ReadonlySet<string> = new Set(['__all__', '__other__']);

type IdProblem = Extract<RejectReason, 'invalid_utf8' | 'id_too_long' | 'reserved_id'>;

/** The end of a rejection message, after "its <which id>". */
const ID_PROBLEMS: Record<IdProblem, string> = {
  invalid_utf8: 'is not valid UTF-8 (bytes were replaced with U+FFFD); send ids as UTF-8 text',
  id_too_long: `is over ${MAX_ID_LENGTH} characters; send an id, not a description`,
  reserved_id: 'is reserved (__all__ is the portfolio budget, __other__ the metrics\' overflow label); send the customer under another id',
};

function idProblem(id: string, what: string): [IdProblem, string] | undefined {
  if (id.length > MAX_ID_LENGTH) return ['id_too_long', what];
  if (id.includes(REPLACEMENT)) return ['invalid_utf8', what];
  return undefined;
}

/**
 * The last microsecond of 2149-06-06, the end of ClickHouse's `Date` (UInt16 days), in which the
 * daily aggregates store a call's day. A later start made the RowBinary write of that day throw
 * in the background flush (found by fuzzing): the batch could never be inserted, was retried
 * forever, and every batch behind it waited until the spool filled.
 */
const LAST_STORABLE_US = 65_536 * 86_400_000_000 - 1;

/** Durations and partitions are computed from these; a missing, inverted or unstorable range would corrupt both. */
function validTimes(span: DecodedSpan): boolean {
  return (
    Number.isSafeInteger(span.startTimeUs) &&
    Number.isSafeInteger(span.endTimeUs) &&
    span.startTimeUs > 0 &&
    span.endTimeUs >= span.startTimeUs &&
    span.endTimeUs <= LAST_STORABLE_US
  );
}
