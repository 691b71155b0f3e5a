import type { Command } from 'commander';
import type { CatalogDiff, CatalogRate, RateChange } from '../price/index.js';
import { diffCatalogs, installedCatalog, loadCatalogSnapshot } from '../price/index.js';
import type { CliOutput } from './prices-command.js';
import { usdText } from './usd-text.js';

/** `input_mtok $2.50`, with the entry's constraint when the model has a price history. */
function rateName(r: { entry: string; key: string }): string {
  return r.entry === '' ? r.key : `${r.key} ${r.entry}`;
}

const DECIMAL = /^\d+(?:\.\d+)?$/;
const money = (v: string | null): string => (v === null ? '-' : DECIMAL.test(v) ? usdText(v) : v);

function changeLine(c: RateChange): string {
  const note = c.old === null ? 'new rate' : c.new === null ? 'rate dropped' : c.percent === null ? 'was 0' : `${c.percent}%`;
  return `      ${rateName(c)}: ${money(c.old)} -> ${money(c.new)} (${note})`;
}

function ratesInline(rates: CatalogRate[]): string {
  return rates.length === 0 ? 'no prices' : rates.map((r) => `${rateName(r)} ${money(r.value)}`).join(', ');
}

/** The diff as text: per provider, changed models with each rate old -> new and its percent change, then added and removed models. */
export function renderCatalogDiff(d: CatalogDiff): string {
  const lines = [`catalog in use: ${d.from}`, `newer catalog:  ${d.to}`, ''];
  for (const p of d.providers) {
    lines.push(`${p.provider} (${p.changed.length} changed, ${p.added.length} added, ${p.removed.length} removed, ${p.unchanged} unchanged)`);
    for (const m of p.changed) {
      lines.push(`  changed  ${m.model}`);
      for (const c of m.changes) lines.push(changeLine(c));
    }
    for (const m of p.added) lines.push(`  added    ${m.model}: ${ratesInline(m.rates)}`);
    for (const m of p.removed) lines.push(`  removed  ${m.model}: ${ratesInline(m.rates)}`);
  }
  if (d.providers.length === 0) lines.push('no price differences');
  const t = d.totals;
  lines.push('', `models: ${t.changed} changed, ${t.added} added, ${t.removed} removed, ${t.unchanged} unchanged`);
  return `${lines.join('\n')}\n`;
}

/** `agentic-pnl prices diff <newer>`: what upgrading `@pydantic/genai-prices` would change. */
export function registerPricesDiffCommand(prices: Command, io: CliOutput): Command {
  return prices
    .command('diff <newer>')
    .description(
      'Compare the catalog in use with a newer @pydantic/genai-prices: an unpacked package directory, an `npm pack` .tgz, or a data .json file. No network access.',
    )
    .option('--json', 'print the differences as JSON')
    .action(async (newer: string, o: { json?: boolean }) => {
      // Throws CatalogSourceError (what was wrong with the path, what to pass) for the CLI to print.
      const diff = diffCatalogs(await installedCatalog(), await loadCatalogSnapshot(newer));
      io.out(o.json ? `${JSON.stringify(diff, null, 2)}\n` : renderCatalogDiff(diff));
    });
}
