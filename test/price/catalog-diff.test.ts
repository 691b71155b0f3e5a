import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Provider } from '@pydantic/genai-prices';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerPricesCommands } from '../../exporter/src/cli/prices-command.js';
import type { CatalogDiff } from '../../exporter/src/price/index.js';
import { CatalogSourceError, diffCatalogs, installedCatalog, loadCatalogSnapshot } from '../../exporter/src/price/index.js';
import { tempDir } from '../helpers/temp-dir.js';

async function cli(args: string[]): Promise<{ out: string; error?: Error }> {
  let out = '';
  const program = new Command().name('agentic-pnl').exitOverride();
  registerPricesCommands(program, { out: (t) => (out += t), err: () => undefined });
  try {
    await program.parseAsync(['node', 'agentic-pnl', 'prices', ...args]);
    return { out };
  } catch (error) {
    return { out, error: error as Error };
  }
}

const dir = tempDir('agentic-pnl-diff-');
afterAll(() => dir.remove());

/** The installed package's directory (its export map hides package.json; go from the resolved entry). */
const installedDir = join(dirname(createRequire(import.meta.url).resolve('@pydantic/genai-prices')), '..');

const modelCount = (providers: readonly Provider[]): number => providers.reduce((n, p) => n + p.models.length, 0);

function model(providers: Provider[], provider: string, id: string) {
  const m = providers.find((p) => p.id === provider)?.models.find((x) => x.id === id);
  if (m === undefined) throw new Error(`test setup: ${provider}/${id} is not in the installed catalog`);
  return m;
}

/** Signed percent change as the diff reports it, computed independently in floating point. */
const percent = (before: number, after: number): number => ((after - before) / before) * 100;

/*
 * A "newer" catalog made from the installed one with three edits, and what each edit must show:
 *   1. openai/gpt-4o: input_mtok lowered to 2 (a plain price change);
 *   2. google/gemini-2.5-pro: the >200k output tier raised to 18 (a long-context tier change);
 *   3. anthropic/claude-3-5-haiku-latest removed;
 *   4. openai/gpt-test-9 added.
 * Old values are read from the installed data, so the test holds for whatever version is installed.
 */
let original: Provider[];
let newer: Provider[];
const edits = { gpt4oInput: { before: 0, after: 2 }, proTier: { before: 0, after: 18, start: 0 } };
const ADDED = { id: 'gpt-test-9', match: { equals: 'gpt-test-9' }, prices: { input_mtok: 0.5, output_mtok: 1.5 } };

beforeAll(async () => {
  original = [...(await installedCatalog()).providers];
  // A data file holds plain JSON, as the genai-prices data.json does.
  newer = JSON.parse(JSON.stringify(original)) as Provider[];

  const gpt4o = model(newer, 'openai', 'gpt-4o').prices as Record<string, number>;
  edits.gpt4oInput.before = gpt4o['input_mtok'] as number;
  gpt4o['input_mtok'] = edits.gpt4oInput.after;

  const pro = model(newer, 'google', 'gemini-2.5-pro').prices as Record<string, { base: number; tiers: { start: number; price: number }[] }>;
  const tier = pro['output_mtok']?.tiers[0];
  if (tier === undefined) throw new Error('test setup: gemini-2.5-pro output_mtok has no tier');
  edits.proTier.before = tier.price;
  edits.proTier.start = tier.start;
  tier.price = edits.proTier.after;

  const anthropic = newer.find((p) => p.id === 'anthropic');
  anthropic!.models = anthropic!.models.filter((m) => m.id !== 'claude-3-5-haiku-latest');
  newer.find((p) => p.id === 'openai')!.models.push(ADDED as never);

  writeFileSync(join(dir.path, 'data.json'), JSON.stringify(newer));
});

/** The diff every source of the edited catalog must give. */
function expectEditedDiff(d: CatalogDiff, toVersion: string): void {
  expect(d.from).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+/);
  expect(d.to).toBe(toVersion);
  expect(d.totals).toEqual({ changed: 2, added: 1, removed: 1, unchanged: modelCount(original) - 3 });
  expect(d.providers.map((p) => p.provider)).toEqual(['anthropic', 'google', 'openai']);

  const [anthropic, google, openai] = d.providers;
  expect(anthropic?.removed.map((m) => m.model)).toEqual(['claude-3-5-haiku-latest']);
  expect(anthropic?.removed[0]?.rates).toContainEqual({ entry: '', key: 'input_mtok', value: String(model(original, 'anthropic', 'claude-3-5-haiku-latest').prices['input_mtok' as never]) });
  expect(anthropic?.unchanged).toBe(original.find((p) => p.id === 'anthropic')!.models.length - 1);

  expect(google?.changed).toHaveLength(1);
  const proChange = google?.changed[0];
  expect(proChange?.model).toBe('gemini-2.5-pro');
  expect(proChange?.changes).toHaveLength(1);
  const t = proChange!.changes[0]!;
  expect({ entry: t.entry, key: t.key, old: t.old, new: t.new }).toEqual({
    entry: '', key: `output_mtok>${edits.proTier.start}`, old: String(edits.proTier.before), new: String(edits.proTier.after),
  });
  expect(Number(t.percent)).toBeCloseTo(percent(edits.proTier.before, edits.proTier.after), 2);

  const gpt4o = openai?.changed.find((m) => m.model === 'gpt-4o');
  expect(openai?.changed).toHaveLength(1);
  expect(gpt4o?.changes).toHaveLength(1);
  const c = gpt4o!.changes[0]!;
  expect({ entry: c.entry, key: c.key, old: c.old, new: c.new }).toEqual({ entry: '', key: 'input_mtok', old: String(edits.gpt4oInput.before), new: '2' });
  expect(Number(c.percent)).toBeCloseTo(percent(edits.gpt4oInput.before, edits.gpt4oInput.after), 2);
  expect(openai?.added).toEqual([{ model: 'gpt-test-9', rates: [{ entry: '', key: 'input_mtok', value: '0.5' }, { entry: '', key: 'output_mtok', value: '1.5' }] }]);
}

describe('prices diff', () => {
  it('reports a changed price, a changed long-context tier, a removed and an added model from a data file', async () => {
    const d = diffCatalogs(await installedCatalog(), await loadCatalogSnapshot(join(dir.path, 'data.json')));
    expectEditedDiff(d, 'data.json');
  });

  it('prints the same through the CLI, as JSON and as text', async () => {
    const json = await cli(['diff', join(dir.path, 'data.json'), '--json']);
    expect(json.error).toBeUndefined();
    expectEditedDiff(JSON.parse(json.out) as CatalogDiff, 'data.json');

    const text = await cli(['diff', join(dir.path, 'data.json')]);
    expect(text.error).toBeUndefined();
    const pct = percent(edits.gpt4oInput.before, edits.gpt4oInput.after);
    expect(text.out).toContain(`  changed  gpt-4o\n      input_mtok: $${edits.gpt4oInput.before.toFixed(2)} -> $2.00 (${pct > 0 ? '+' : ''}${pct}%)`);
    expect(text.out).toContain('  added    gpt-test-9: input_mtok $0.50, output_mtok $1.50');
    expect(text.out).toMatch(/^ {2}removed {2}claude-3-5-haiku-latest: /m);
    expect(text.out).toContain(`models: 2 changed, 1 added, 1 removed, ${modelCount(original) - 3} unchanged`);
  });

  it('loads an unpacked package the way the price book loads the installed one (a copy shows no difference)', async () => {
    const copy = join(dir.path, 'copy');
    cpSync(installedDir, copy, { recursive: true });
    const pkg = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ ...pkg, version: `${pkg.version}-copy` }));
    const d = diffCatalogs(await installedCatalog(), await loadCatalogSnapshot(copy));
    expect(d.to).toBe(`@pydantic/genai-prices@${pkg.version}-copy`);
    expect(d.providers).toEqual([]);
    expect(d.totals).toEqual({ changed: 0, added: 0, removed: 0, unchanged: modelCount(original) });
  });

  it('loads an npm pack tarball of a newer package', async () => {
    // A package whose bundled data is the edited catalog, packed as `npm pack` lays it out (package/...).
    const staging = join(dir.path, 'staging', 'package');
    mkdirSync(join(staging, 'dist'), { recursive: true });
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: '@pydantic/genai-prices', version: '9.9.9', type: 'module', exports: { '.': { import: { default: './dist/index.js' } } } }));
    writeFileSync(join(staging, 'dist', 'index.js'), `const data = ${JSON.stringify(newer)};\nexport function waitForUpdate() { return Promise.resolve(data); }\n`);
    const tgz = join(dir.path, 'genai-prices-9.9.9.tgz');
    execFileSync('tar', ['czf', tgz, '-C', join(dir.path, 'staging'), 'package']);
    expectEditedDiff(diffCatalogs(await installedCatalog(), await loadCatalogSnapshot(tgz)), '@pydantic/genai-prices@9.9.9');
  });

  it('says what to pass when the path is not a catalog', async () => {
    await expect(loadCatalogSnapshot(join(dir.path, 'missing'))).rejects.toThrow(/Cannot load a @pydantic\/genai-prices catalog from .*missing: no such file or directory/);
    const other = join(dir.path, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'package.json'), JSON.stringify({ name: 'left-pad', version: '1.0.0' }));
    await expect(loadCatalogSnapshot(other)).rejects.toThrow(CatalogSourceError);
    await expect(loadCatalogSnapshot(other)).rejects.toThrow(/package\.json names "left-pad", not @pydantic\/genai-prices/);
    writeFileSync(join(dir.path, 'bad.json'), '{"providers": 1}');
    await expect(loadCatalogSnapshot(join(dir.path, 'bad.json'))).rejects.toThrow(/the file is not a list of providers/);
    const r = await cli(['diff', join(dir.path, 'missing')]);
    expect(r.error).toBeInstanceOf(CatalogSourceError);
    expect(r.out).toBe('');
  });
});
