/** Budget state as the service computes it: warn at 70 %, alert at 90 %, capped at 100 %. */
export type BudgetState = 'ok' | 'warn' | 'alert' | 'capped';

/** {@link BudgetState}, or `unknown` when the service could not be asked or answered nonsense. */
export type BudgetGuardState = BudgetState | 'unknown';

/** One customer's budget as last known to the guard. */
export interface BudgetStatus {
  /** Customer id asked about. */
  customer: string;
  state: BudgetGuardState;
  /** Spent / limit, e.g. 0.72; null when unknown or no limit. */
  utilization: number | null;
  limitUsd: number | null;
  spentUsd: number | null;
  /** ISO-8601 bounds of the budget period; null when unknown. */
  periodStart: string | null;
  periodEnd: string | null;
  /** `service`: fresh answer; `cache`: within the TTL; `unavailable`: service not reachable or invalid answer. */
  source: 'service' | 'cache' | 'unavailable';
}

const STATES: ReadonlySet<string> = new Set<BudgetState>(['ok', 'warn', 'alert', 'capped']);

/**
 * Parses the body of `GET /api/v1/budgets/{customer}`
 * (`{ customer, state, utilization, limit_usd, spent_usd, period_start, period_end }`).
 * @returns the status, or a string saying what was wrong with the body.
 */
export function parseBudgetBody(customer: string, body: unknown): BudgetStatus | string {
  if (body === null || typeof body !== 'object') return 'budget response is not a JSON object';
  const record = body as Record<string, unknown>;
  const state = record['state'];
  if (typeof state !== 'string' || !STATES.has(state)) {
    return `budget response has state ${JSON.stringify(state)}; expected ok, warn, alert or capped`;
  }
  return {
    customer,
    state: state as BudgetState,
    utilization: numberOrNull(record['utilization']),
    limitUsd: numberOrNull(record['limit_usd']),
    spentUsd: numberOrNull(record['spent_usd']),
    periodStart: stringOrNull(record['period_start']),
    periodEnd: stringOrNull(record['period_end']),
    source: 'service',
  };
}

/** The status reported when the service gives no usable answer. */
export function unknownBudget(customer: string): BudgetStatus {
  return {
    customer,
    state: 'unknown',
    utilization: null,
    limitUsd: null,
    spentUsd: null,
    periodStart: null,
    periodEnd: null,
    source: 'unavailable',
  };
}

// Money may arrive as a JSON number or, from an exact-decimal service, as a numeric string.
function numberOrNull(value: unknown): number | null {
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof parsed === 'number' && Number.isFinite(parsed) ? parsed : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
