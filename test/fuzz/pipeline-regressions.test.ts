import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { defaultNormalizeOptions, normalizeSpan } from '../../exporter/src/normalize/index.js';
import { PipelineHarness } from './pipeline-harness.js';

/*
 * Ingest bugs found by `npm run fuzz` (docs/reliability.md, "Fuzzing"): values a span may carry
 * that were accepted but could not be stored. Each test holds the shrunk counterexample.
 */

const options = defaultNormalizeOptions();

function chatSpan(attributes: DecodedSpan['attributes'], startTimeUs = 1_763_892_000_000_000): DecodedSpan {
  return {
    traceId: '00000000000000000000000000000001', spanId: '0000000000000001', parentSpanId: '', name: 'chat gpt-4o', kind: 3,
    startTimeUs, endTimeUs: startTimeUs + 1000, statusCode: 0, statusMessage: '',
    attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', ...attributes },
    resource: {}, scopeName: '', scopeVersion: '', eventNames: [],
  };
}

describe('ingest bugs found by fuzzing', () => {
  it('rejects a span starting after 2149-06-06 (the daily aggregate\'s Date could not be written, so its batch was retried forever)', () => {
    // Counterexample: startNanos 7258118400000000000 (2200-01-01), operation chat.
    const result = normalizeSpan(chatSpan({}, 7_258_118_400_000_000), options);
    expect(result).toMatchObject({ kind: 'reject', reason: 'invalid_time' });
    expect(normalizeSpan(chatSpan({}, Date.UTC(2149, 5, 6) * 1000), options).kind).toBe('llm');
  });

  it('rejects a token count past UInt32 instead of storing it modulo 2^32', () => {
    // Counterexample: gen_ai.usage.output_tokens = 4294967303, stored as 7.
    const result = normalizeSpan(chatSpan({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 4_294_967_303 }), options);
    expect(result).toMatchObject({ kind: 'reject', reason: 'invalid_usage' });
    expect(result.kind === 'reject' && result.message).toContain('gen_ai.usage.output_tokens = 4294967303 is more than 4294967295');
    expect(normalizeSpan(chatSpan({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': '4294967295' }), options).kind).toBe('llm');
  });

  it('ignores a pnl.attempt past the UInt16 column (its RowBinary write threw in the background flush)', () => {
    // Counterexample: pnl.attempt = 74182.
    const result = normalizeSpan(chatSpan({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5, 'pnl.attempt': 74_182 }), options);
    expect(result.kind === 'llm' && result.call.attempt).toBe(0);
    const kept = normalizeSpan(chatSpan({ 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5, 'pnl.attempt': '65535' }), options);
    expect(kept.kind === 'llm' && kept.call.attempt).toBe(65_535);
  });

  it('accepted rows of all three counterexamples now serialize as the spool and ClickHouse insert do', async () => {
    const harness = await PipelineHarness.create();
    harness.ingest([
      chatSpan({}, 7_258_118_400_000_000),
      { ...chatSpan({ 'gen_ai.usage.output_tokens': 4_294_967_303 }), spanId: '0000000000000002' },
      { ...chatSpan({ 'gen_ai.usage.input_tokens': 1, 'pnl.attempt': 74_182 }), spanId: '0000000000000003' },
    ]);
    expect(harness.rowsChecked).toBe(1);
  });
});
