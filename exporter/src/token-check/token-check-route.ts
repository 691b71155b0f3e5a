import { Router } from 'express';
import type { SkipCounts, TokenCheck } from './token-check.js';
import { APPROXIMATE_TOLERANCE_PCT, MIN_ESTIMATED_TOKENS_TO_FLAG, MIN_SAMPLES_TO_FLAG, type KindCheck } from './token-tally.js';

/** The JSON body of `GET /api/v1/token-checks` (snake_case, like the rest of the API). */
export interface TokenCheckReport {
  enabled: boolean;
  sample: number;
  tolerance_pct: number;
  approximate_tolerance_pct: number;
  min_samples: number;
  min_estimated_tokens: number;
  /** Sampled calls waiting for the tokenizer. */
  pending: number;
  emitters: Array<{
    scope: string;
    scope_version: string;
    provider: string;
    model: string;
    tokenizer: string;
    exact: boolean;
    tolerance_pct: number;
    checks: number;
    flagged: boolean;
    input: KindCheck;
    output: KindCheck;
  }>;
  skipped: SkipCounts | Record<string, never>;
}

/** The report of a running check, or of a disabled one (sample 0): settings and nothing tallied. */
export function tokenCheckReport(check: TokenCheck | undefined, settings: { sample: number; tolerancePct: number }): TokenCheckReport {
  const head = {
    sample: settings.sample,
    tolerance_pct: settings.tolerancePct,
    approximate_tolerance_pct: Math.max(settings.tolerancePct, APPROXIMATE_TOLERANCE_PCT),
    min_samples: MIN_SAMPLES_TO_FLAG,
    min_estimated_tokens: MIN_ESTIMATED_TOKENS_TO_FLAG,
  };
  if (check === undefined) return { enabled: false, ...head, pending: 0, emitters: [], skipped: {} };
  return {
    enabled: true,
    ...head,
    pending: check.pending,
    emitters: check.emitters().map((e) => ({
      scope: e.scope,
      scope_version: e.scopeVersion,
      provider: e.provider,
      model: e.model,
      tokenizer: e.tokenizer,
      exact: e.exact,
      tolerance_pct: e.tolerancePct,
      checks: e.checks,
      flagged: e.flagged,
      input: e.input,
      output: e.output,
    })),
    skipped: check.skipCounts(),
  };
}

/**
 * `GET /api/v1/token-checks`: every emitter whose reported token counts were compared with a
 * tokenizer estimate, with samples, reported and estimated totals, deviation and flag.
 */
export function tokenCheckRoute(check: TokenCheck | undefined, settings: { sample: number; tolerancePct: number }): Router {
  const router = Router();
  router.get('/api/v1/token-checks', (_req, res) => {
    res.json(tokenCheckReport(check, settings));
  });
  return router;
}
