import { describe, expect, it } from 'vitest';
import { bodyProperty } from './body-properties.js';
import { decoderProperties, type FuzzProperty } from './decoder-properties.js';
import { describeFailure, runProperty } from './fuzz-runner.js';
import { PipelineHarness } from './pipeline-harness.js';

/*
 * The CI-sized, fixed-seed slice of `npm run fuzz` below the HTTP layer (about 8,000 inputs):
 * decoders, body reading and the ingest pipeline. A failure prints the counterexample and the
 * command that replays it.
 */

const SEED = 20_251_123;
const SCALE = 0.07;

// Built while collecting, so each property becomes its own test; the price book loads once.
const pipeline = await PipelineHarness.create();
const props: FuzzProperty[] = [...decoderProperties(pipeline), bodyProperty(4_000)];

describe('fuzzing the OTLP decoders, body reading and the ingest pipeline', () => {
  let total = 0;

  it.each(props.map((p) => [p.name, p] as const))('%s: only spans or OtlpDecodeError, in bounded time', async (_name, p) => {
    const r = await runProperty(p, { seed: SEED, scale: SCALE });
    total += r.runs;
    expect(r.failed, r.failed ? describeFailure(r, SEED) : '').toBe(false);
  });

  it('ran thousands of generated inputs', () => {
    expect(total).toBeGreaterThan(5_000);
    expect(pipeline.rowsChecked).toBeGreaterThan(0);
  });
});
