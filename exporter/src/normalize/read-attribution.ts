import type { AttrValue, Attributes } from '../model/decoded-span.js';
import type { AttemptReason, Attribution } from '../model/llm-call.js';
import { scalarText, stringAttr } from './attribute-values.js';
import type { CompiledOptions, ResourceInfo } from './compile-options.js';
import { ATTRIBUTION_FIELDS } from './compile-options.js';
import type { AttributionField } from './normalize-options.js';

const ATTEMPT_REASONS: ReadonlySet<string> = new Set(['retry', 'escalation', 'reexecution', 'fallback']);
/** Index of each field in `ATTRIBUTION_FIELDS`, the layout of the scan's `found` array. */
const AT = Object.fromEntries(ATTRIBUTION_FIELDS.map((field, index) => [field, index])) as Readonly<Record<AttributionField, number>>;
const ATTEMPT = AT.attempt;
const ATTEMPT_REASON = AT.attemptReason;

const NONE: Attribution = {
  customerId: '',
  customerTier: '',
  organizationId: '',
  productId: '',
  featureId: '',
  environment: '',
  taskType: '',
  sessionId: '',
  userId: '',
  runId: '',
  attempt: 0,
  attemptReason: '',
};

/**
 * Who and what caused the span: each field from the span's own `pnl.*` key or aliases (as found
 * by `scanAttributes`), else from the resource (`resourceInfo`), where e.g.
 * `deployment.environment.name` lives.
 */
export function readAttribution(found: readonly (AttrValue | undefined)[], fallback: Attribution): Attribution {
  return {
    customerId: text(found, AT.customerId, fallback.customerId),
    customerTier: text(found, AT.customerTier, fallback.customerTier),
    organizationId: text(found, AT.organizationId, fallback.organizationId),
    productId: text(found, AT.productId, fallback.productId),
    featureId: text(found, AT.featureId, fallback.featureId),
    environment: text(found, AT.environment, fallback.environment),
    taskType: text(found, AT.taskType, fallback.taskType),
    sessionId: text(found, AT.sessionId, fallback.sessionId),
    userId: text(found, AT.userId, fallback.userId),
    runId: text(found, AT.runId, fallback.runId),
    attempt: found[ATTEMPT] !== undefined ? attemptValue(found[ATTEMPT]) : fallback.attempt,
    attemptReason: found[ATTEMPT_REASON] !== undefined ? (found[ATTEMPT_REASON] as AttemptReason) : fallback.attemptReason,
  };
}

/** Whether a value can stand for the attribution field at `index`; unusable values let lower-priority keys win. */
export function isUsableAttribution(index: number, value: AttrValue | undefined): boolean {
  if (index === ATTEMPT) return attemptValue(value) >= 0;
  if (index === ATTEMPT_REASON) return typeof value === 'string' && ATTEMPT_REASONS.has(value);
  return scalarText(value) !== '';
}

/** Resource-level attribution and `service.name`, computed once per resource object (shared by a whole batch entry). */
export function resourceInfo(resource: Attributes, options: CompiledOptions): ResourceInfo {
  let info = options.resources.get(resource);
  if (info === undefined) {
    const found = ATTRIBUTION_FIELDS.map((field, index) => firstUsable(resource, options.attributionKeys[field], index));
    info = {
      attribution: readAttribution(found, NONE),
      serviceName: stringAttr(resource, 'service.name'),
    };
    options.resources.set(resource, info);
  }
  return info;
}

function firstUsable(attrs: Attributes, keys: readonly string[], index: number): AttrValue | undefined {
  for (const key of keys) {
    const value = attrs[key];
    if (isUsableAttribution(index, value)) return value;
  }
  return undefined;
}

function text(found: readonly (AttrValue | undefined)[], index: number, fallback: string): string {
  const value = found[index];
  return value === undefined ? fallback : scalarText(value);
}

/** Largest `attempt` the UInt16 column holds; a larger one made the RowBinary write throw in the background flush (found by fuzzing). */
const MAX_ATTEMPT = 65_535;

/** `pnl.attempt`: an integer 0..65535 (number or decimal string), else -1. */
function attemptValue(value: AttrValue | undefined): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : -1;
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_ATTEMPT ? n : -1;
}
