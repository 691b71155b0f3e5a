import { describe, expect, it } from 'vitest';
import { APPROXIMATE_TOLERANCE_PCT, TokenTally, type EmitterKey } from '../../exporter/src/token-check/index.js';

const OPENAI: EmitterKey = { scope: 'lib', scopeVersion: '1.0.0', provider: 'openai', model: 'gpt-4o' };
const EXACT = { encoding: 'o200k_base', exact: true } as const;
const APPROX = { encoding: 'o200k_base', exact: false } as const;

describe('the per-emitter token tally', () => {
  it('sums reported and estimated tokens per kind and computes the deviation over all samples', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    tally.record(OPENAI, EXACT, { input: { reported: 110, estimated: 100 }, output: { reported: 20, estimated: 20 } });
    tally.record(OPENAI, EXACT, { input: { reported: 290, estimated: 300 } });
    const [e] = tally.list();
    expect(e).toMatchObject({ ...OPENAI, tokenizer: 'o200k_base', exact: true, checks: 2, tolerancePct: 10 });
    expect(e!.input).toEqual({ samples: 2, reported: 400, estimated: 400, deviation: 0, flagged: false });
    expect(e!.output).toEqual({ samples: 1, reported: 20, estimated: 20, deviation: 0, flagged: false });
  });

  it('flags an emitter beyond the tolerance once there are enough samples and tokens, and reports it newly flagged once', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    const inflated = { input: { reported: 125, estimated: 100 } };
    expect(tally.record(OPENAI, EXACT, inflated)).toMatchObject({ accepted: true, newlyFlagged: [] });
    expect(tally.record(OPENAI, EXACT, inflated)).toMatchObject({ accepted: true, newlyFlagged: [] });
    // Third sample, 300 estimated tokens: enough for a verdict.
    const third = tally.record(OPENAI, EXACT, inflated);
    expect(third).toMatchObject({ accepted: true, newlyFlagged: ['input'] });
    expect(tally.record(OPENAI, EXACT, inflated)).toMatchObject({ accepted: true, newlyFlagged: [] });
    const [e] = tally.list();
    expect(e!.input.deviation).toBeCloseTo(0.25, 10);
    expect(e!.input.flagged).toBe(true);
    expect(e!.flagged).toBe(true);
    expect(e!.output).toEqual({ samples: 0, reported: 0, estimated: 0, deviation: null, flagged: false });
  });

  it('does not flag a deviation within the tolerance, nor an under-count within it', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    for (let i = 0; i < 5; i++) tally.record(OPENAI, EXACT, { input: { reported: 109, estimated: 100 }, output: { reported: 91, estimated: 100 } });
    expect(tally.list()[0]!.flagged).toBe(false);
  });

  it('flags under-reporting as well as over-reporting', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    for (let i = 0; i < 3; i++) tally.record(OPENAI, EXACT, { input: { reported: 50, estimated: 100 } });
    expect(tally.list()[0]!.input).toMatchObject({ deviation: -0.5, flagged: true });
  });

  it('gives no verdict on too few estimated tokens, however large the ratio', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    for (let i = 0; i < 5; i++) tally.record(OPENAI, EXACT, { input: { reported: 15, estimated: 10 } });
    expect(tally.list()[0]!.input).toMatchObject({ deviation: 0.5, flagged: false });
  });

  it('uses the wider approximate tolerance for models whose tokenizer is not the estimate\'s', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    const claude = { ...OPENAI, provider: 'anthropic', model: 'claude-sonnet-4' };
    for (let i = 0; i < 3; i++) tally.record(claude, APPROX, { input: { reported: 130, estimated: 100 } });
    expect(tally.list()[0]).toMatchObject({ exact: false, tolerancePct: APPROXIMATE_TOLERANCE_PCT, flagged: false });
    for (let i = 0; i < 30; i++) tally.record(claude, APPROX, { input: { reported: 200, estimated: 100 } });
    expect(tally.list()[0]!.flagged).toBe(true);
  });

  it('keeps emitters apart by scope version and model', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 10 });
    tally.record(OPENAI, EXACT, { input: { reported: 1, estimated: 1 } });
    tally.record({ ...OPENAI, scopeVersion: '2.0.0' }, EXACT, { input: { reported: 1, estimated: 1 } });
    tally.record({ ...OPENAI, model: 'gpt-4o-mini' }, EXACT, { input: { reported: 1, estimated: 1 } });
    expect(tally.list().map((e) => `${e.scopeVersion}/${e.model}`)).toEqual(['1.0.0/gpt-4o', '2.0.0/gpt-4o', '1.0.0/gpt-4o-mini']);
  });

  it('refuses new emitters beyond its cap and keeps counting the known ones', () => {
    const tally = new TokenTally({ tolerancePct: 10, maxEmitters: 1 });
    expect(tally.record(OPENAI, EXACT, { input: { reported: 1, estimated: 1 } }).accepted).toBe(true);
    expect(tally.record({ ...OPENAI, model: 'other' }, EXACT, { input: { reported: 1, estimated: 1 } })).toEqual({ accepted: false });
    expect(tally.record(OPENAI, EXACT, { input: { reported: 1, estimated: 1 } }).accepted).toBe(true);
    expect(tally.list()).toHaveLength(1);
    expect(tally.list()[0]!.checks).toBe(2);
  });
});
