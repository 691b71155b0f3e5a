import { Tiktoken } from 'js-tiktoken/lite';
import type { EncodingName } from './choose-tokenizer.js';

/** The part of a tiktoken encoder the check uses. */
export interface Encoder {
  encode(text: string, allowedSpecial?: string[] | 'all', disallowedSpecial?: string[] | 'all'): number[];
}

/** One encoder per encoding name. */
export type Encoders = Readonly<Record<EncodingName, Encoder>>;

let loading: Promise<Encoders> | undefined;

/**
 * Builds the o200k_base and cl100k_base encoders from the ranks js-tiktoken ships (no
 * download). Building them takes about 2.5 s of CPU and 160 MB of heap, so it is done once per
 * process, only when the check is enabled, and before the service accepts spans: a lazy build
 * would stall ingestion mid-traffic. Encoders are immutable and shared by every caller.
 */
export function loadEncoders(): Promise<Encoders> {
  loading ??= (async () => {
    const [o200k, cl100k] = await Promise.all([import('js-tiktoken/ranks/o200k_base'), import('js-tiktoken/ranks/cl100k_base')]);
    return { o200k_base: new Tiktoken(o200k.default), cl100k_base: new Tiktoken(cl100k.default) };
  })().catch((err: unknown) => {
    // Let a later start try again instead of failing forever on one bad load.
    loading = undefined;
    throw err;
  });
  return loading;
}
