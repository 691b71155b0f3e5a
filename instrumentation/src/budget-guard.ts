import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { parseBudgetBody, unknownBudget, type BudgetGuardState, type BudgetStatus } from './budget-status.js';
import { jsonLineLogger, type Logger } from './logger.js';

/**
 * The id of the portfolio budget: `budgetState(PORTFOLIO_BUDGET)` is the state of the limit on
 * all customers' LLM spend together (`PUT /api/v1/budgets/__all__` on the service).
 */
export const PORTFOLIO_BUDGET = '__all__';

/** Options for {@link BudgetGuard}. */
export interface BudgetGuardOptions {
  /** Base URL of the agentic-pnl service, e.g. `http://localhost:4318`. */
  serviceUrl: string;
  /** How long an answer is reused, in ms. Default 30 000. */
  ttlMs?: number;
  /** How long an `unknown` (service unreachable) is reused before asking again, in ms. Default 5 000. */
  unknownTtlMs?: number;
  /** Longest wait for the service, in ms; past it the state is `unknown`. Default 1 000. */
  timeoutMs?: number;
  /** Bearer token for the service API (a viewer token is enough). Default none. */
  token?: string;
  /** Most customers kept in the cache; the oldest entry is dropped past it. Default 10 000. */
  maxEntries?: number;
  /** Where the one warning per outage goes. Default JSON lines on stderr. */
  logger?: Logger;
  /** fetch implementation, for tests and proxies. Default the global `fetch`. */
  fetch?: typeof fetch;
}

interface CacheEntry {
  expiresAt: number;
  status: Promise<BudgetStatus>;
}

/**
 * Asks the agentic-pnl service for a customer's budget state so the app can degrade
 * gracefully (smaller model, queued work) before or at the hard cap. Answers are cached per
 * customer; concurrent asks share one request. It never throws and never waits longer
 * than the timeout: when the service is unreachable the state is `unknown`, logged once
 * per outage.
 */
export class BudgetGuard {
  private readonly baseUrl: string;
  private readonly ttlMs: number;
  private readonly unknownTtlMs: number;
  private readonly timeoutMs: number;
  private readonly maxEntries: number;
  private readonly logger: Logger;
  private readonly fetchImpl: typeof fetch;
  private readonly headers: Record<string, string>;
  private readonly cache = new Map<string, CacheEntry>();
  private outageLogged = false;

  constructor(options: BudgetGuardOptions) {
    this.baseUrl = options.serviceUrl.replace(/\/+$/, '');
    this.ttlMs = options.ttlMs ?? 30_000;
    this.unknownTtlMs = options.unknownTtlMs ?? 5_000;
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.logger = options.logger ?? jsonLineLogger;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.headers = { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
  }

  /** The customer's budget state: ok, warn, alert, capped, or unknown. Never rejects. */
  async state(customerId: string): Promise<BudgetGuardState> {
    return (await this.status(customerId)).state;
  }

  /** The customer's full budget status (utilization, limit, spend, period). Never rejects. */
  status(customerId: string): Promise<BudgetStatus> {
    if (typeof customerId !== 'string' || customerId.trim() === '') return Promise.resolve(unknownBudget(String(customerId)));
    const now = Date.now();
    const cached = this.cache.get(customerId);
    if (cached !== undefined && cached.expiresAt > now) {
      return cached.status.then((status) => (status.source === 'service' ? { ...status, source: 'cache' } : status));
    }
    const status = this.fetchStatus(customerId);
    const entry: CacheEntry = { expiresAt: Number.POSITIVE_INFINITY, status };
    this.remember(customerId, entry);
    // The TTL starts when the answer arrives; until then callers share the pending request.
    void status.then((result) => {
      entry.expiresAt = Date.now() + (result.state === 'unknown' ? this.unknownTtlMs : this.ttlMs);
    });
    return status;
  }

  /** Forgets every cached answer, e.g. after raising a customer's limit. */
  clear(): void {
    this.cache.clear();
  }

  private remember(customerId: string, entry: CacheEntry): void {
    this.cache.delete(customerId);
    this.cache.set(customerId, entry);
    if (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  private async fetchStatus(customerId: string): Promise<BudgetStatus> {
    const url = `${this.baseUrl}/api/v1/budgets/${encodeURIComponent(customerId)}`;
    let response: Response;
    let body: unknown;
    try {
      // Suppressed so the guard's own request is not traced as application work.
      response = await context.with(suppressTracing(context.active()), () =>
        this.fetchImpl(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) }),
      );
      if (!response.ok) {
        await response.body?.cancel();
        const hint = response.status === 404 ? ' (no budget for this customer, or serviceUrl is not the agentic-pnl service)' : '';
        return this.unavailable(customerId, `budget service answered HTTP ${response.status}${hint}`);
      }
      body = await response.json();
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.timeoutMs} ms` : describe(error);
      return this.unavailable(customerId, `budget service unreachable or answered invalid JSON: ${reason}`);
    }
    const parsed = parseBudgetBody(customerId, body);
    if (typeof parsed === 'string') return this.unavailable(customerId, parsed);
    this.outageLogged = false;
    return parsed;
  }

  private unavailable(customerId: string, reason: string): BudgetStatus {
    if (!this.outageLogged) {
      this.outageLogged = true;
      this.logger.warn(`${reason}; budget state is "unknown" until it answers (logged once per outage)`, {
        service_url: this.baseUrl,
      });
    }
    return unknownBudget(customerId);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const code = cause !== null && typeof cause === 'object' ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}
