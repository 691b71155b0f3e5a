import type { EncodingName, TokenizerChoice } from './choose-tokenizer.js';

/** Which count is compared: the prompt (input, cached parts included) or the completion. */
export type TokenKind = 'input' | 'output';

/** An emitter: the instrumentation (scope name and version) and the model it reports on. */
export interface EmitterKey {
  scope: string;
  scopeVersion: string;
  provider: string;
  model: string;
}

/** Reported and estimated tokens of one side of one call. */
export interface Comparison {
  reported: number;
  estimated: number;
}

/** Running totals of one kind for one emitter, and the verdict. */
export interface KindCheck {
  samples: number;
  reported: number;
  estimated: number;
  /** (reported - estimated) / estimated over every sample; null before any estimated token. */
  deviation: number | null;
  flagged: boolean;
}

/** What the tally knows about one emitter. */
export interface EmitterCheck extends EmitterKey {
  tokenizer: EncodingName;
  exact: boolean;
  /** Deviation beyond which this emitter is flagged, in percent (wider when approximate). */
  tolerancePct: number;
  /** Calls compared (one or both sides). */
  checks: number;
  input: KindCheck;
  output: KindCheck;
  flagged: boolean;
}

/** What one `record` changed. */
export type TallyResult = { accepted: false } | { accepted: true; emitter: EmitterCheck; newlyFlagged: TokenKind[] };

/**
 * Tolerance for non-OpenAI models, estimated with o200k_base: Claude's tokenizers count roughly
 * 20-35% more tokens than o200k on English prose, Gemini's about as many. 50% keeps a correct
 * emitter quiet and still flags the errors worth finding there: cached tokens counted twice or
 * left out under heavy caching, a count from the wrong call.
 */
export const APPROXIMATE_TOLERANCE_PCT = 50;
/**
 * No verdict before this many samples and estimated tokens: on a 20-token prompt, one token of
 * framing difference is 5%, and one odd call should not flag an emitter.
 */
export const MIN_SAMPLES_TO_FLAG = 3;
export const MIN_ESTIMATED_TOKENS_TO_FLAG = 200;

interface Totals {
  samples: number;
  reported: number;
  estimated: number;
  warned: boolean;
}

interface Entry {
  key: EmitterKey;
  choice: TokenizerChoice;
  checks: number;
  input: Totals;
  output: Totals;
}

/**
 * Per-emitter running totals of reported vs estimated tokens since the process started, with
 * the flag verdict. Bounded: beyond `maxEmitters` distinct emitters, new ones are not tallied
 * (their labels would be unbounded). Not thread-safe; single event loop.
 */
export class TokenTally {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: { tolerancePct: number; maxEmitters: number }) {}

  /**
   * Adds one call's comparisons. `newlyFlagged` lists the kinds that became flagged for the
   * first time in this process (to be logged once); `accepted: false` when the emitter cap is reached.
   */
  record(key: EmitterKey, choice: TokenizerChoice, sides: Partial<Record<TokenKind, Comparison>>): TallyResult {
    const id = `${key.scope}\u0000${key.scopeVersion}\u0000${key.provider}\u0000${key.model}`;
    let entry = this.entries.get(id);
    if (entry === undefined) {
      if (this.entries.size >= this.options.maxEmitters) return { accepted: false };
      entry = { key: { ...key }, choice, checks: 0, input: emptyTotals(), output: emptyTotals() };
      this.entries.set(id, entry);
    }
    entry.checks++;
    const newlyFlagged: TokenKind[] = [];
    for (const kind of ['input', 'output'] as const) {
      const side = sides[kind];
      if (side === undefined) continue;
      const totals = entry[kind];
      totals.samples++;
      totals.reported += side.reported;
      totals.estimated += side.estimated;
      if (!totals.warned && this.verdict(entry, totals).flagged) {
        totals.warned = true;
        newlyFlagged.push(kind);
      }
    }
    return { accepted: true, emitter: this.view(entry), newlyFlagged };
  }

  /** Every tallied emitter, in first-seen order. */
  list(): EmitterCheck[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  private view(entry: Entry): EmitterCheck {
    const input = this.verdict(entry, entry.input);
    const output = this.verdict(entry, entry.output);
    return {
      ...entry.key,
      tokenizer: entry.choice.encoding,
      exact: entry.choice.exact,
      tolerancePct: this.tolerancePct(entry),
      checks: entry.checks,
      input,
      output,
      flagged: input.flagged || output.flagged,
    };
  }

  private verdict(entry: Entry, t: Totals): KindCheck {
    const deviation = t.estimated > 0 ? (t.reported - t.estimated) / t.estimated : null;
    const enough = t.samples >= MIN_SAMPLES_TO_FLAG && t.estimated >= MIN_ESTIMATED_TOKENS_TO_FLAG;
    const flagged = enough && deviation !== null && Math.abs(deviation) * 100 > this.tolerancePct(entry);
    return { samples: t.samples, reported: t.reported, estimated: t.estimated, deviation, flagged };
  }

  private tolerancePct(entry: Entry): number {
    return entry.choice.exact ? this.options.tolerancePct : Math.max(this.options.tolerancePct, APPROXIMATE_TOLERANCE_PCT);
  }
}

function emptyTotals(): Totals {
  return { samples: 0, reported: 0, estimated: 0, warned: false };
}
