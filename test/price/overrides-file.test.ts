import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPriceBook, parseOverridesYaml, PriceBookError } from '../../exporter/src/price/index.js';
import { llmCall, pico, picoUsd } from './llm-call-fixture.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/prices.example.yaml', import.meta.url));

function problemsOf(fn: () => unknown): PriceBookError {
  try {
    fn();
  } catch (err) {
    if (err instanceof PriceBookError) return err;
    throw err;
  }
  throw new Error('expected a PriceBookError');
}

describe('the example overrides file', () => {
  it('loads and prices calls with its entries', async () => {
    const book = await loadPriceBook({ overridesFile: EXAMPLE });
    const ft = book.rate(llmCall('openai', 'ft:gpt-4o-mini-2024-07-18:acme:support:AbC123', { inputUncached: 1_000, output: 1_000 }));
    expect(ft.priceId).toBe('override:acme-support-ft');
    expect(ft.cost?.total).toBe(pico(1_000, '0.30') + pico(1_000, '1.20'));

    const beforeUpgrade = book.rate(llmCall('my-vllm', 'llama-3.3-70b-instruct', { inputUncached: 1_000_000, output: 1_000_000 }, { at: '2025-08-31T23:59:59Z' }));
    expect(beforeUpgrade.priceId).toBe('override:vllm-llama-70b');
    expect(beforeUpgrade.cost?.total).toBe(pico(1_000_000, '0.05') + pico(1_000_000, '0.08') + picoUsd('0.00001'));
    const afterUpgrade = book.rate(llmCall('my-vllm', 'llama-3.3-70b-instruct', { inputUncached: 1_000_000, output: 1_000_000 }, { at: '2025-09-01T00:00:00Z' }));
    expect(afterUpgrade.priceId).toBe('override:vllm-llama-70b-2025-09');

    const mini = book.rate(llmCall('openai', 'gpt-4o-mini', { inputUncached: 1_000 }, { at: '2025-05-01T00:00:00Z' }));
    expect(mini.priceId).toBe('override:openai-4o-mini-volume+catalog:openai/gpt-4o-mini');
    expect(mini.cost?.total).toBe((pico(1_000, '0.15') * 80n) / 100n);
  });
});

describe('validation', () => {
  it('lists every problem of a file at once, with where and what to do', () => {
    const text = [
      'version: 1', //                                             1
      'overrides:', //                                             2
      '  - id: ok', //                                             3
      '    provider: openai', //                                   4
      '    discount_percent: 10', //                               5
      '  - id: bad-price', //                                      6
      '    provider: openai', //                                   7
      '    model: gpt-4o', //                                      8
      '    input_mtok: 1e-6', //                                   9
      '    output_mtok: 0.1234567', //                            10
      '  - id: no-price', //                                      11
      '    provider: anthropic', //                               12
      '    effective_from: 2025-02-30', //                        13
      '  - provider: openai', //                                  14
      '    discount_percent: 150', //                             15
      '    inptu_mtok: 1', //                                     16
      '  - id: ok', //                                            17
      '    provider: google', //                                  18
      '    discount_percent: 5', //                               19
      '    effective_from: 2025-06-01', //                        20
      '    effective_to: 2025-01-01', //                          21
    ].join('\n');
    const err = problemsOf(() => parseOverridesYaml(text, 'prices.yaml'));
    expect(err.source).toBe('prices.yaml');
    expect(err.problems.map((p) => [p.path, p.line])).toEqual([
      ['overrides[1].input_mtok', 9],
      ['overrides[1].output_mtok', 10],
      ['overrides[2].input_mtok', 11],
      ['overrides[2].output_mtok', 11],
      ['overrides[2].effective_from', 13],
      ['overrides[3]', 14],
      ['overrides[3].discount_percent', 15],
      ['overrides[4].effective_to', 21],
    ]);
    expect(err.message).toContain('Invalid price overrides in prices.yaml (8 problems)');
    expect(err.message).toContain('overrides[1].input_mtok, id "bad-price", line 9: must be a plain decimal');
    expect(err.message).toContain('more than 6 decimal places');
    expect(err.message).toContain('inptu_mtok');
    expect(err.message).toContain('must be after effective_from');
  });

  it('reports duplicate ids and entries that precedence cannot order, after the field checks pass', () => {
    const text = `version: 1
overrides:
  - id: a
    provider: openai
    discount_percent: 10
  - id: a
    provider: google
    discount_percent: 10
  - id: b
    provider: openai
    discount_percent: 20
`;
    const err = problemsOf(() => parseOverridesYaml(text, 'p.yaml'));
    expect(err.problems).toHaveLength(2);
    expect(err.problems[0]).toMatchObject({ path: 'overrides[1].id', line: 6 });
    expect(err.problems[0]?.message).toContain('duplicates the id of overrides[0]');
    expect(err.problems[1]).toMatchObject({ path: 'overrides[2]', line: 9 });
    expect(err.problems[1]?.message).toContain('same provider, model, service_tier and effective_from as overrides[0]');
  });

  it("rejects '+' in an id: it joins a discount's id to the catalog entry's in a price_id", () => {
    const text = 'version: 1\noverrides:\n  - id: acme+2025\n    provider: openai\n    discount_percent: 10\n';
    const err = problemsOf(() => parseOverridesYaml(text, 'p.yaml'));
    expect(err.problems).toEqual([
      expect.objectContaining({ path: 'overrides[0].id', entryId: 'acme+2025', line: 3, message: expect.stringMatching(/must not contain '\+'.*price_id.*e\.g\. acme-2025/) }),
    ]);
    expect(parseOverridesYaml(text.replace('acme+2025', 'acme-2025'), 'p.yaml')[0]?.id).toBe('acme-2025');
  });

  it.each([
    ['a YAML syntax error', 'version: 1\noverrides: [\n', /YAML syntax/],
    ['a missing version', 'overrides: []\n', /version, line 1: must be 1/],
    ['an unknown top-level key', 'version: 1\nprices: []\n', /unknown top-level key\(s\) prices/],
    ['an empty file', '', /must be a mapping with `version: 1`/],
    ['an entry that is not a mapping', 'version: 1\noverrides:\n  - openai\n', /overrides\[0\].*must be a mapping/],
  ])('explains %s', (_label, text, pattern) => {
    expect(problemsOf(() => parseOverridesYaml(text, 'p.yaml')).message).toMatch(pattern);
  });

  it('keeps decimals exactly as written (never through a float)', () => {
    const [entry] = parseOverridesYaml('version: 1\noverrides:\n  - provider: x\n    input_mtok: 0.100000\n    output_mtok: 12345678901234.123456\n', 'p.yaml');
    expect(entry?.prices).toEqual({ inputMtok: '0.100000', outputMtok: '12345678901234.123456' });
    expect(entry?.id).toBe('x/*');
  });

  describe('files', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pnl-prices-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('names the file and says what to do when it cannot be read', async () => {
      const missing = join(dir, 'missing.yaml');
      await expect(loadPriceBook({ overridesFile: missing })).rejects.toThrow(new RegExp(`${missing}.*cannot read the file.*PNL_PRICES_FILE`, 's'));
    });

    it('names the file of a validation problem', async () => {
      const file = join(dir, 'bad.yaml');
      await writeFile(file, 'version: 1\noverrides:\n  - provider: openai\n');
      const err = await loadPriceBook({ overridesFile: file }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PriceBookError);
      expect((err as PriceBookError).source).toBe(file);
      expect((err as PriceBookError).problems.map((p) => p.path)).toEqual(['overrides[0].input_mtok', 'overrides[0].output_mtok']);
    });

    it('prices from the catalog alone without a file', async () => {
      const book = await loadPriceBook({});
      expect(book.rate(llmCall('openai', 'gpt-4o-mini', { output: 1 })).priceSource).toBe('catalog');
    });
  });
});
