import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerPricesCommands, usdText } from '../../exporter/src/cli/prices-command.js';
import { PriceBookError } from '../../exporter/src/price/index.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Runs `agentic-pnl <args>` through the real commander program with the prices commands registered. */
async function cli(args: string[]): Promise<{ out: string; err: string; error?: Error }> {
  let out = '';
  let err = '';
  const program = new Command().name('agentic-pnl').exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  registerPricesCommands(program, { out: (t) => (out += t), err: (t) => (err += t) });
  try {
    await program.parseAsync(['node', 'agentic-pnl', ...args]);
    return { out, err };
  } catch (error) {
    return { out, err, error: error as Error };
  }
}

const dir = tempDir();
afterAll(() => dir.remove());

describe('agentic-pnl prices', () => {
  it('formats USD with at least cents and every significant digit', () => {
    expect([usdText('0.150000000000'), usdText('0.6'), usdText('0.075'), usdText('12')]).toEqual(['$0.15', '$0.60', '$0.075', '$12.00']);
  });

  it('show: gpt-4o-mini is priced by the catalog at $0.15 / $0.60 / $0.075 per million', async () => {
    const r = await cli(['prices', 'show', 'openai', 'gpt-4o-mini', '--at', '2026-01-15']);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/^source\s+catalog$/m);
    expect(r.out).toMatch(/^price id\s+catalog:openai\//m);
    expect(r.out).toMatch(/^\s+input\s+\$0\.15$/m);
    expect(r.out).toMatch(/^\s+output\s+\$0\.60$/m);
    expect(r.out).toMatch(/^\s+cache read\s+\$0\.075$/m);
    expect(r.out).toContain('at 2026-01-15T00:00:00.000Z');
  });

  it('show: an override wins and is reported as the override layer; an unknown model is a clear error', async () => {
    const file = join(dir.path, 'ok.yaml');
    writeFileSync(file, "version: 1\noverrides:\n  - id: mini-contract\n    provider: openai\n    model: gpt-4o-mini\n    input_mtok: '0.1'\n    output_mtok: '0.4'\n");
    const r = await cli(['prices', 'show', 'openai', 'gpt-4o-mini', '--prices-file', file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toMatch(/^source\s+override$/m);
    expect(r.out).toMatch(/^\s+input\s+\$0\.10$/m);
    expect(r.out).toMatch(/^\s+output\s+\$0\.40$/m);

    const u = await cli(['prices', 'show', 'openai', 'no-such-model-xyz']);
    expect(u.error?.message).toMatch(/openai no-such-model-xyz is unpriced at .*cost NULL/);
    expect(u.out).toBe('');
  });

  it('show: refuses an --at day that does not exist instead of rolling it over', async () => {
    for (const at of ['2026-02-30', '2026-02-30T12:00:00Z']) {
      const r = await cli(['prices', 'show', 'openai', 'gpt-4o-mini', '--at', at]);
      expect(r.error?.message).toMatch(/--at "2026-02-30.*" is not an ISO date of the calendar/);
    }
    expect((await cli(['prices', 'show', 'openai', 'gpt-4o-mini', '--at', '2028-02-29'])).error).toBeUndefined();
  });

  it('show: prints the long-context tier rates of a tiered model, discounted like the base ones', async () => {
    // genai-prices 0.1.8: gemini-2.5-pro $1.25 / $0.125 / $10 per million, and $2.50 / $0.25 / $15 for every token
    // of a call over 200,000 input tokens.
    const r = await cli(['prices', 'show', 'google', 'gemini-2.5-pro', '--at', '2026-01-15']);
    expect(r.error).toBeUndefined();
    const [base, tier] = r.out.split(/^over 200000 input tokens.*$/m);
    expect(r.out).toMatch(/^over 200000 input tokens, every token of the call \(USD per million, effective\):$/m);
    expect(base).toMatch(/^\s+input\s+\$1\.25$/m);
    expect(base).toMatch(/^\s+output\s+\$10\.00$/m);
    expect(tier).toMatch(/^\s+input\s+\$2\.50$/m);
    expect(tier).toMatch(/^\s+cache read\s+\$0\.25$/m);
    expect(tier).toMatch(/^\s+cache write\s+\$2\.50$/m);
    expect(tier).toMatch(/^\s+output\s+\$15\.00$/m);

    const file = join(dir.path, 'gemini-deal.yaml');
    writeFileSync(file, "version: 1\noverrides:\n  - id: gemini-deal\n    provider: google\n    discount_percent: 20\n");
    const d = await cli(['prices', 'show', 'google', 'gemini-2.5-pro', '--at', '2026-01-15', '--prices-file', file]);
    const [, discounted] = d.out.split(/^over 200000 input tokens.*$/m);
    expect(discounted).toMatch(/^\s+input\s+\$2\.00$/m);
    expect(discounted).toMatch(/^\s+output\s+\$12\.00$/m);
    // An override's own long_context tiers are shown the same way.
    const own = join(dir.path, 'vllm-tiers.yaml');
    writeFileSync(own, "version: 1\noverrides:\n  - provider: my-vllm\n    model: qwen-1m\n    input_mtok: '0.10'\n    output_mtok: '0.30'\n    long_context:\n      above_input_tokens: 128000\n      input_mtok: '0.20'\n");
    const v = await cli(['prices', 'show', 'my-vllm', 'qwen-1m', '--prices-file', own]);
    const [vBase, vTier] = v.out.split(/^over 128000 input tokens.*$/m);
    expect(vBase).toMatch(/^\s+input\s+\$0\.10$/m);
    expect(vTier).toMatch(/^\s+input\s+\$0\.20$/m);
    expect(vTier).toMatch(/^\s+output\s+\$0\.30$/m);
    // A model without tiers prints none.
    expect((await cli(['prices', 'show', 'openai', 'gpt-4o-mini'])).out).not.toMatch(/input tokens/);
  });

  it('show: --service-tier takes only the tiers prices are written for', async () => {
    const bad = await cli(['prices', 'show', 'openai', 'gpt-4o-mini', '--service-tier', 'cheap']);
    expect(bad.error?.message).toMatch(/--service-tier.*must be one of default, batch, priority, flex.*"cheap"/);
    expect(bad.out).toBe('');
    const ok = await cli(['prices', 'show', 'openai', 'gpt-4o-mini', '--service-tier', 'Batch']);
    expect(ok.error).toBeUndefined();
    expect(ok.out).toMatch(/^openai gpt-4o-mini at .*, batch tier$/m);
  });

  it('list: filters by provider, includes override entries, prints JSON', async () => {
    const file = join(dir.path, 'ok.yaml');
    const r = await cli(['prices', 'list', '--provider', 'openai', '--json', '--prices-file', file]);
    expect(r.error).toBeUndefined();
    const entries = JSON.parse(r.out) as Array<{ provider: string; source: string; model: string; entry_id: string }>;
    expect(entries.length).toBeGreaterThan(10);
    expect(entries.every((e) => e.provider === 'openai')).toBe(true);
    expect(entries.filter((e) => e.source === 'override').map((e) => e.model)).toEqual(['gpt-4o-mini']);
    expect(entries.some((e) => e.source === 'catalog' && e.model === 'gpt-4o-mini')).toBe(true);
    const t = await cli(['prices', 'list', '--provider', 'anthropic']);
    expect(t.out.split('\n')[0]).toMatch(/^source\s+provider\s+model/);
    expect(t.out).toMatch(/^catalog\s+anthropic\s+/m);
    expect(t.out).not.toMatch(/^catalog\s+openai\s+/m);
    // Spelled as a span reports it: the catalog's own id.
    const bedrock = await cli(['prices', 'list', '--provider', 'aws.bedrock', '--json']);
    const bedrockEntries = JSON.parse(bedrock.out) as Array<{ provider: string }>;
    expect(bedrockEntries.length).toBeGreaterThan(10);
    expect(new Set(bedrockEntries.map((e) => e.provider))).toEqual(new Set(['aws']));
  });

  it('validate: a good file prints "valid: N entries"', async () => {
    const r = await cli(['prices', 'validate', join(dir.path, 'ok.yaml')]);
    expect(r.error).toBeUndefined();
    expect(r.out).toBe('valid: 1 entry\n');
  });

  it('validate: lists several problems at once, with line numbers', async () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'overrides:',
        '  - id: a',
        '    provider: openai',
        '    model: gpt-4o',
        "    input_mtok: 'cheap'",
        '  - id: a',
        '    provider: openai',
        '    model: gpt-4.1',
        "    input_mtok: '1'",
        '    colour: blue',
        '',
      ].join('\n'),
    );
    const r = await cli(['prices', 'validate', file]);
    expect(r.error).toBeInstanceOf(PriceBookError);
    const e = r.error as PriceBookError;
    // Every problem of both entries in one pass, each with its line, in file order.
    expect(e.problems.map((p) => p.line)).toEqual([3, 6, 7, 7]);
    expect(e.message).toContain('(4 problems)');
    expect(e.message).toMatch(/overrides\[0\]\.input_mtok, id "a", line 6: must be a plain decimal.*"cheap"/);
    expect(e.message).toMatch(/overrides\[1\], id "a", line 7: has unknown key\(s\) colour/);
    expect(e.message).toMatch(/overrides\[0\]\.output_mtok, id "a", line 3: is required/);
    expect(r.out).toBe('');
  });
});

describe('the agentic-pnl binary in a pipe', () => {
  it('exits 0 without a stack trace when the reader closes the pipe early (prices list --json | head)', async () => {
    const { spawn } = await import('node:child_process');
    const main = join(import.meta.dirname, '../../exporter/dist/cli/main.js');
    const child = spawn(process.execPath, [main, 'prices', 'list', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Like `head -c 100`: read the first chunk, then close our end.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
