import { Counter, Gauge, type Registry } from 'prom-client';

/** Labels that name an emitter: instrumentation scope and version, provider and model. */
export type EmitterLabel = 'scope' | 'scope_version' | 'provider' | 'model';

/** One emitter's current verdict per kind, read at scrape time. */
export interface TokenCheckVerdictRow {
  labels: Record<EmitterLabel, string>;
  exact: boolean;
  input: { deviation: number | null; flagged: boolean };
  output: { deviation: number | null; flagged: boolean };
}

/**
 * Metrics of the token double-entry check (docs/token-checks.md). Registered only when the check
 * is enabled. Label values are bounded by the tally's emitter cap. The deviation and flag gauges
 * are read from the tally at scrape time; the token counters let Prometheus compute the
 * deviation over any window: `rate(reported) / rate(estimated) - 1`.
 */
export class TokenCheckMetrics {
  /** Sampled calls compared, per emitter. */
  readonly checks: Counter<EmitterLabel>;
  readonly reportedTokens: Counter<EmitterLabel | 'kind'>;
  readonly estimatedTokens: Counter<EmitterLabel | 'kind'>;
  /** Sides of sampled calls not compared, by kind and reason. */
  readonly skipped: Counter<'kind' | 'reason'>;

  constructor(registry: Registry, verdicts: () => readonly TokenCheckVerdictRow[]) {
    const registers = [registry];
    const emitterLabels: EmitterLabel[] = ['scope', 'scope_version', 'provider', 'model'];
    this.checks = new Counter({ name: 'pnl_token_checks_total', help: 'Sampled LLM calls whose reported tokens were compared with a tokenizer estimate.', labelNames: emitterLabels, registers });
    this.reportedTokens = new Counter({
      name: 'pnl_token_check_reported_tokens_total',
      help: 'Tokens the emitter reported on compared calls: input = uncached + cache read + cache write; output = output minus reasoning.',
      labelNames: [...emitterLabels, 'kind'],
      registers,
    });
    this.estimatedTokens = new Counter({
      name: 'pnl_token_check_estimated_tokens_total',
      help: 'Tokens estimated with tiktoken from the captured prompt and completion text of compared calls.',
      labelNames: [...emitterLabels, 'kind'],
      registers,
    });
    this.skipped = new Counter({
      name: 'pnl_token_check_skipped_total',
      help: 'Sides (input, output) of sampled calls not compared, by reason (no_content, unsupported_content, too_long, queue_full, ...).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    const verdictGauge = (name: string, help: string, value: (v: { deviation: number | null; flagged: boolean }) => number): void => {
      new Gauge({
        name,
        help,
        labelNames: [...emitterLabels, 'kind', 'exact'],
        registers,
        collect() {
          this.reset();
          for (const row of verdicts()) {
            for (const kind of ['input', 'output'] as const) {
              if (row[kind].deviation !== null) this.set({ ...row.labels, kind, exact: String(row.exact) }, value(row[kind]));
            }
          }
        },
      });
    };
    verdictGauge(
      'pnl_token_check_deviation_ratio',
      '(reported - estimated) / estimated tokens since start, per emitter and kind; exact="false" when the model is not OpenAI (approximate tokenizer).',
      (v) => v.deviation!,
    );
    verdictGauge(
      'pnl_token_check_flagged',
      "1 while an emitter's deviation is beyond PNL_TOKEN_CHECK_TOLERANCE_PCT (50% when approximate) with enough samples.",
      (v) => (v.flagged ? 1 : 0),
    );
  }
}
