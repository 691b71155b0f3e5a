// Types for synthetic-spans.mjs (plain ESM so the benchmarks run without a build), for the tests that reuse it.
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number;
/** One LLM call span with fresh random trace and span ids. */
export function llmSpan(rand: () => number, i: number, customers?: number): ReadableSpan;
/** `count` requests of `perRequest` spans each; every span has its own ids. */
export function requests(count: number, perRequest: number, seed?: number): ReadableSpan[][];
