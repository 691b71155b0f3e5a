import { BudgetGuard, type BudgetGuardOptions } from './budget-guard.js';
import type { BudgetGuardState, BudgetStatus } from './budget-status.js';
import { SERVICE_TOKEN_ENV, serviceUrlFromEnv } from './service-url.js';

let defaultGuard: BudgetGuard | undefined;

/**
 * Replaces the guard behind {@link budgetState} and {@link budgetStatus}.
 * `startAgenticPnl()` calls this; call it yourself only without that setup.
 */
export function configureBudgetGuard(options: Partial<BudgetGuardOptions> = {}): BudgetGuard {
  const token = options.token ?? process.env[SERVICE_TOKEN_ENV];
  defaultGuard = new BudgetGuard({ ...options, serviceUrl: options.serviceUrl ?? serviceUrlFromEnv(), ...(token ? { token } : {}) });
  return defaultGuard;
}

function guard(): BudgetGuard {
  return defaultGuard ?? configureBudgetGuard();
}

/**
 * The customer's budget state (ok, warn, alert, capped) from the agentic-pnl service, cached
 * briefly; `unknown` when the service cannot be reached in time. Never rejects.
 *
 * @example
 * if ((await budgetState(customerId)) === 'capped') model = 'gpt-4o-mini';
 */
export function budgetState(customerId: string): Promise<BudgetGuardState> {
  return guard().state(customerId);
}

/** The customer's full {@link BudgetStatus}; see {@link budgetState}. Never rejects. */
export function budgetStatus(customerId: string): Promise<BudgetStatus> {
  return guard().status(customerId);
}
