import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import type { FuzzProperty } from './decoder-properties.js';

/** What one property's run found. */
export interface FuzzResult {
  name: string;
  /** The seed this property ran with (derived from the master seed and its name). */
  seed: number;
  runs: number;
  failed: boolean;
  /** fast-check's shrunk counterexample, printed, when failed. */
  counterexample?: string;
  /** With `seed`, replays the failure: FUZZ_SEED, FUZZ_ONLY and FUZZ_PATH of `npm run fuzz`. */
  path?: string;
  error?: string;
  ms: number;
  stats: Record<string, number>;
}

/** A property's own seed: the master seed mixed with its name, so one property replays alone. */
export function propertySeed(masterSeed: number, name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (masterSeed ^ h) | 0;
}

export interface RunOptions {
  seed: number;
  /** Multiplies every property's run count (at least 1 run each). */
  scale: number;
  /** A counterexample path to replay (with the same seed, one property). */
  path?: string;
  /** Called as each property starts (for progress output and the hang watchdog). */
  onStart?: (p: FuzzProperty, seed: number, runs: number) => void;
  /** Called before each run of the predicate (the hang watchdog's heartbeat). */
  beforeEachRun?: () => void;
}

export async function runProperty(p: FuzzProperty, options: RunOptions): Promise<FuzzResult> {
  const seed = propertySeed(options.seed, p.name);
  const runs = Math.max(1, Math.round(p.runs * options.scale));
  options.onStart?.(p, seed, runs);
  const started = performance.now();
  const details = await fc.check(p.property, {
    seed,
    numRuns: runs,
    ...(options.path !== undefined ? { path: options.path } : {}),
    ...(options.beforeEachRun !== undefined ? { plugins: [fc.beforeEach(options.beforeEachRun)] } : {}),
  });
  const result: FuzzResult = { name: p.name, seed, runs: details.numRuns, failed: details.failed, ms: performance.now() - started, stats: { ...p.stats } };
  if (details.failed) {
    result.counterexample = truncate(fc.stringify(details.counterexample), 4000);
    result.path = details.counterexamplePath ?? undefined;
    const err = details.errorInstance as Error | undefined;
    result.error = truncate(err?.stack ?? String(err), 4000);
  }
  return result;
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}... (${s.length} characters)` : s;
}

/** One readable failure report with the command that replays it. */
export function describeFailure(r: FuzzResult, masterSeed: number): string {
  return [
    `FAILED ${r.name} after ${r.runs} runs (property seed ${r.seed})`,
    `  error: ${r.error}`,
    `  counterexample: ${r.counterexample}`,
    `  replay: FUZZ_SEED=${masterSeed} FUZZ_ONLY=${r.name} FUZZ_PATH=${r.path} npm run fuzz`,
  ].join('\n');
}
