import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerPricesCommands } from '../../exporter/src/cli/prices-command.js';
import { PriceBookError } from '../../exporter/src/price/index.js';
import { tempDir } from '../helpers/temp-dir.js';

async function validate(yaml: string): Promise<{ out: string; error?: Error }> {
  const file = join(dir.path, `f${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  let out = '';
  const program = new Command().name('agentic-pnl').exitOverride();
  registerPricesCommands(program, { out: (t) => (out += t), err: () => undefined });
  try {
    await program.parseAsync(['node', 'agentic-pnl', 'prices', 'validate', file]);
    return { out };
  } catch (error) {
    return { out, error: error as Error };
  }
}

const dir = tempDir();
afterAll(() => dir.remove());

describe('prices validate: service and long-context tiers', () => {
  it('accepts tiered entries written as in docs/pricing.md', async () => {
    const r = await validate(
      [
        'version: 1',
        'overrides:',
        '  - id: openai-batch',
        '    provider: openai',
        '    service_tier: batch',
        '    discount_percent: 50',
        '  - id: acme-long',
        '    provider: my-vllm',
        '    model: qwen-long',
        '    input_mtok: 1.00',
        '    output_mtok: 4.00',
        '    long_context:',
        '      above_input_tokens: 200000',
        '      input_mtok: 2.00',
        '      output_mtok: 6.00',
        '  - id: acme-long-2',
        '    provider: my-vllm',
        '    model: qwen-long',
        '    service_tier: flex',
        '    input_mtok: 0.5',
        '    output_mtok: 2',
        '    long_context:',
        '      - { above_input_tokens: 128000, input_mtok: 1 }',
        '      - { above_input_tokens: 256000, input_mtok: 1.5, output_mtok: 3 }',
        '',
      ].join('\n'),
    );
    expect(r.error).toBeUndefined();
    expect(r.out).toBe('valid: 3 entries\n');
  });

  it('rejects malformed tiers, every problem at once with its line and what to write', async () => {
    const r = await validate(
      [
        'version: 1', //                                   1
        'overrides:', //                                   2
        '  - id: bad-tier', //                             3
        '    provider: openai', //                         4
        '    service_tier: cheap', //                      5
        '    discount_percent: 50', //                     6
        '  - id: discount-with-tiers', //                  7
        '    provider: openai', //                         8
        '    discount_percent: 10', //                     9
        '    long_context:', //                            10
        '      above_input_tokens: 200000', //             11
        '      input_mtok: 2', //                          12
        '  - id: bad-threshold', //                        13
        '    provider: my-vllm', //                        14
        '    input_mtok: 1', //                            15
        '    output_mtok: 1', //                           16
        '    long_context:', //                            17
        '      above_input_tokens: 200k', //               18
        '      input_mtok: 2', //                          19
        '      per_call: 0.1', //                          20
        '  - id: no-price', //                             21
        '    provider: my-vllm', //                        22
        '    model: m2', //                                23
        '    input_mtok: 1', //                            24
        '    output_mtok: 1', //                           25
        '    long_context:', //                            26
        '      - above_input_tokens: 1000', //             27
        '      - above_input_tokens: 1000', //             28
        '        input_mtok: 0.1234567', //                29
        '',
      ].join('\n'),
    );
    expect(r.error).toBeInstanceOf(PriceBookError);
    const e = r.error as PriceBookError;
    expect(e.problems.map((p) => [p.path, p.line])).toEqual([
      ['overrides[0].service_tier', 5],
      // A problem of a whole mapping is reported at the mapping's first line, as for whole entries.
      ['overrides[1].long_context', 11],
      ['overrides[2].long_context.above_input_tokens', 18],
      ['overrides[2].long_context', 18],
      ['overrides[3].long_context[0]', 27],
      ['overrides[3].long_context[1].input_mtok', 29],
    ]);
    const message = (path: string): string => e.problems.find((p) => p.path === path)?.message ?? '';
    expect(message('overrides[0].service_tier')).toBe(
      'must be one of default, batch, priority, flex (the tier that served the call: openai.response.service_tier or pnl.service_tier), got "cheap"',
    );
    expect(message('overrides[1].long_context')).toMatch(/needs fixed prices \(input_mtok, output_mtok\) instead of discount_percent/);
    expect(message('overrides[2].long_context')).toMatch(/^has unknown key\(s\) per_call: a long-context tier takes above_input_tokens and any of input_mtok/);
    expect(message('overrides[2].long_context.above_input_tokens')).toMatch(/^must be a whole number of input tokens above 0 such as 200000 .*got "200k"$/);
    expect(message('overrides[3].long_context[0]')).toMatch(/^sets no price: give at least one of input_mtok, output_mtok/);
    expect(message('overrides[3].long_context[1].input_mtok')).toMatch(/more than 6 decimal places \(0\.1234567\).*round it to 6 places/);
    expect(e.message).toContain('id "bad-threshold", line 18');
    expect(r.out).toBe('');
  });

  it('rejects two tiers with the same threshold, and an entry that repeats another one for the same tier', async () => {
    const r = await validate(
      [
        'version: 1',
        'overrides:',
        '  - id: dup-threshold',
        '    provider: my-vllm',
        '    input_mtok: 1',
        '    output_mtok: 1',
        '    long_context:',
        '      - { above_input_tokens: 1000, input_mtok: 2 }',
        '      - { above_input_tokens: 1000, input_mtok: 3 }',
        '  - id: batch-a',
        '    provider: openai',
        '    service_tier: batch',
        '    discount_percent: 50',
        '  - id: batch-b',
        '    provider: openai',
        '    service_tier: Batch',
        '    discount_percent: 40',
        '  - id: not-batch',
        '    provider: openai',
        '    discount_percent: 10',
        '',
      ].join('\n'),
    );
    const e = r.error as PriceBookError;
    expect(e).toBeInstanceOf(PriceBookError);
    expect(e.problems.map((p) => [p.path, p.line, p.message.slice(0, 60)])).toEqual([
      ['overrides[0].long_context', 8, 'has two tiers above 1000 input tokens; give each tier its ow'],
      ['overrides[2]', 14, 'has the same provider, model, service_tier and effective_fro'],
    ]);
  });
});
