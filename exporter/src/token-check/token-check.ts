import type { Registry } from 'prom-client';
import type { Logger } from '../log/logger.js';
import { keepableLabelValue } from '../metrics/bounded-label.js';
import { TokenCheckMetrics, type TokenCheckVerdictRow } from '../metrics/token-check-metrics.js';
import type { DecodedSpan } from '../model/decoded-span.js';
import type { LlmCall } from '../model/llm-call.js';
import { SKIP_REASONS, type SkipReason } from './call-text.js';
import { chooseTokenizer } from './choose-tokenizer.js';
import { countCompletionTokens, countPromptTokens, TextCounter } from './count-call-tokens.js';
import { extractCallText } from './extract-call-text.js';
import { loadEncoders, type Encoders } from './load-encoders.js';
import { SpanSampler } from './span-sampler.js';
import { TokenTally, type Comparison, type EmitterCheck, type EmitterKey, type TokenKind } from './token-tally.js';

/** Settings of the check (PNL_TOKEN_CHECK_SAMPLE, PNL_TOKEN_CHECK_TOLERANCE_PCT) and its bounds. */
export interface TokenCheckSettings {
  /** Share of LLM-call spans checked, 0..1. */
  sample: number;
  /** Deviation in percent beyond which an emitter is flagged (exact comparisons). */
  tolerancePct: number;
  /** Sampled calls waiting for the tokenizer; beyond it they are skipped as queue_full. Default 256. */
  maxQueue?: number;
  /** Characters of text counted per side of a call; longer sides are skipped as too_long. Default 100 000. */
  maxChars?: number;
  /** Distinct emitters tallied; bounds the metrics' label values. Default 200. */
  maxEmitters?: number;
}

/** A call picked by the sampler, with the span that still holds its content attributes. */
export interface SampledCall {
  span: DecodedSpan;
  call: LlmCall;
}

/** Skipped sides so far, by kind and reason. */
export type SkipCounts = Record<TokenKind, Record<SkipReason, number>>;

/**
 * Token double-entry: for a deterministic sample of LLM calls, counts the tokens of the prompt
 * and completion text the emitter captured, with tiktoken, and compares them with the tokens it
 * reported, per emitter. The ingest path only asks `sampled()` (a hash) and hands over sampled
 * calls; counting runs later on the event loop, one call at a time, in slices, from a bounded
 * queue, so ingestion latency does not carry the tokenizer. The text is read from the span inside
 * `check()` and dropped there: never stored, never logged.
 */
export class TokenCheck {
  private readonly queue: SampledCall[] = [];
  private draining = false;
  private closed = false;
  private capWarned = false;
  private idleWaiters: Array<() => void> = [];
  private readonly skips: SkipCounts = { input: zeroSkips(), output: zeroSkips() };
  private readonly sampler: SpanSampler;
  private readonly tally: TokenTally;
  private readonly metrics: TokenCheckMetrics;

  private constructor(
    readonly settings: Readonly<Required<TokenCheckSettings>>,
    private readonly encoders: Encoders,
    registry: Registry,
    private readonly logger: Logger,
  ) {
    this.sampler = new SpanSampler(settings.sample);
    this.tally = new TokenTally({ tolerancePct: settings.tolerancePct, maxEmitters: settings.maxEmitters });
    this.metrics = new TokenCheckMetrics(registry, () => this.tally.list().map(verdictRow));
  }

  /**
   * Loads the tokenizers (about 2.5 s of CPU and 160 MB, once per process) and registers the metrics.
   * @throws RangeError when `sample` is not in 0..1 or `tolerancePct` not positive.
   */
  static async start(settings: TokenCheckSettings, deps: { registry: Registry; logger: Logger }): Promise<TokenCheck> {
    if (!(settings.tolerancePct > 0)) throw new RangeError(`token check tolerance must be a positive percentage, got ${settings.tolerancePct}`);
    const started = performance.now();
    const encoders = await loadEncoders();
    const full = {
      sample: settings.sample,
      tolerancePct: settings.tolerancePct,
      maxQueue: settings.maxQueue ?? 256,
      maxChars: settings.maxChars ?? 100_000,
      maxEmitters: settings.maxEmitters ?? 200,
    };
    const check = new TokenCheck(full, encoders, deps.registry, deps.logger);
    deps.logger.info('token check enabled', { sample: full.sample, tolerancePct: full.tolerancePct, tokenizerLoadMs: Math.round(performance.now() - started) });
    return check;
  }

  /** Hot path: whether this span is in the sample. A hash of its ids; no allocation. */
  sampled(span: DecodedSpan): boolean {
    return this.sampler.sampled(span.traceId, span.spanId);
  }

  /** Queues sampled calls once they are durably accepted. Never blocks or throws; a full queue skips. */
  enqueue(calls: readonly SampledCall[]): void {
    if (this.closed) return;
    for (const c of calls) {
      if (this.queue.length >= this.settings.maxQueue) this.skipBoth('queue_full');
      else this.queue.push(c);
    }
    if (!this.draining && this.queue.length > 0) {
      this.draining = true;
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves once every queued call has been checked (tests, benchmarks). */
  idle(): Promise<void> {
    return this.draining ? new Promise((resolve) => this.idleWaiters.push(resolve)) : Promise.resolve();
  }

  /** Calls waiting for the tokenizer. */
  get pending(): number {
    return this.queue.length;
  }

  /** Every tallied emitter with its totals and verdict. */
  emitters(): EmitterCheck[] {
    return this.tally.list();
  }

  /** Sides not compared so far, by kind and reason. */
  skipCounts(): SkipCounts {
    return { input: { ...this.skips.input }, output: { ...this.skips.output } };
  }

  /** Stops checking; queued calls are dropped. Idempotent. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private async drain(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const item = this.queue.shift()!;
      try {
        await this.check(item);
      } catch (err) {
        // The error's name only: a message could quote the content being counted.
        this.skipBoth('error');
        this.logger.warn('token check failed on a sampled call; skipped', { error: (err as Error).name, spanId: item.call.spanId });
      }
    }
    this.draining = false;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async check({ span, call }: SampledCall): Promise<void> {
    if (!call.hasUsage) return this.skipBoth('no_usage');
    if (call.operation === 'embeddings') return this.skipBoth('operation');
    const text = extractCallText(span.attributes, this.settings.maxChars);
    const choice = chooseTokenizer(call.provider, call.responseModel || call.requestModel);
    const counter = new TextCounter(this.encoders[choice.encoding]);
    const u = call.usage;
    const sides: Partial<Record<TokenKind, Comparison>> = {};
    if (!text.input.ok) this.skip('input', text.input.reason);
    else if (text.input.value.length === 0) this.skip('input', 'no_content');
    else {
      const format = call.operation === 'text_completion' ? 'completion' : 'chat';
      sides.input = { reported: u.inputUncached + u.cacheRead + u.cacheWrite, estimated: await countPromptTokens(text.input.value, format, counter) };
    }
    if (!text.output.ok) this.skip('output', text.output.reason);
    else {
      const estimated = await countCompletionTokens(text.output.value, counter);
      // Reasoning tokens are billed as output but never appear in the captured text.
      if (estimated > 0) sides.output = { reported: Math.max(0, u.output - u.reasoning), estimated };
      else this.skip('output', 'no_content');
    }
    if (sides.input === undefined && sides.output === undefined) return;
    // The emitter's names become label values: bounded like every other label (a 500 KB scope
    // name made a 4.5 MB scrape; found by an audit).
    const emitter = { scope: keepableLabelValue(call.scopeName), scopeVersion: keepableLabelValue(call.scopeVersion), provider: keepableLabelValue(call.provider), model: keepableLabelValue(call.requestModel || call.responseModel) };
    this.record(emitter, choice, sides);
  }

  private record(key: EmitterKey, choice: ReturnType<typeof chooseTokenizer>, sides: Partial<Record<TokenKind, Comparison>>): void {
    const result = this.tally.record(key, choice, sides);
    if (!result.accepted) {
      for (const kind of ['input', 'output'] as const) if (sides[kind] !== undefined) this.skip(kind, 'too_many_emitters');
      if (!this.capWarned) {
        this.capWarned = true;
        this.logger.warn('token check: emitter limit reached; new emitters are not checked', { maxEmitters: this.settings.maxEmitters });
      }
      return;
    }
    const labels = { scope: key.scope, scope_version: key.scopeVersion, provider: key.provider, model: key.model };
    this.metrics.checks.inc(labels);
    for (const kind of ['input', 'output'] as const) {
      const side = sides[kind];
      if (side === undefined) continue;
      this.metrics.reportedTokens.inc({ ...labels, kind }, side.reported);
      this.metrics.estimatedTokens.inc({ ...labels, kind }, side.estimated);
    }
    for (const kind of result.newlyFlagged) {
      const e = result.emitter;
      const k = e[kind];
      this.logger.warn('token check: an emitter reports token counts that disagree with the tokenizer estimate', {
        scope: e.scope,
        scopeVersion: e.scopeVersion,
        provider: e.provider,
        model: e.model,
        kind,
        samples: k.samples,
        reported: k.reported,
        estimated: k.estimated,
        deviation: k.deviation === null ? null : Math.round(k.deviation * 10_000) / 10_000,
        tolerancePct: e.tolerancePct,
        exact: e.exact,
        see: 'docs/token-checks.md',
      });
    }
  }

  private skipBoth(reason: SkipReason): void {
    this.skip('input', reason);
    this.skip('output', reason);
  }

  private skip(kind: TokenKind, reason: SkipReason): void {
    this.skips[kind][reason]++;
    this.metrics.skipped.inc({ kind, reason });
  }
}

function zeroSkips(): Record<SkipReason, number> {
  return Object.fromEntries(SKIP_REASONS.map((r) => [r, 0])) as Record<SkipReason, number>;
}

function verdictRow(e: EmitterCheck): TokenCheckVerdictRow {
  return {
    labels: { scope: e.scope, scope_version: e.scopeVersion, provider: e.provider, model: e.model },
    exact: e.exact,
    input: { deviation: e.input.deviation, flagged: e.input.flagged },
    output: { deviation: e.output.deviation, flagged: e.output.flagged },
  };
}
