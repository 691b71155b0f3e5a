import { Command, Option } from 'commander';
import { clickHouseTargetOf } from '../config/clickhouse-target.js';
import { loadConfig } from '../config/config.js';
import { storedToLlmCall, repriceCalls, renderRepriceTable, type RepriceResult } from '../pnl/reprice.js';
import { formatPicoUsd, loadPriceBook, readOverridesFile, type PriceBook, type PriceBookEntry } from '../price/index.js';
import { canonicalServiceTier } from '../model/service-tier.js';
import { canonicalProvider } from '../normalize/canonical-provider.js';
import type { ClickHouseTarget } from '../store/open-clickhouse.js';
import { PnlStore } from '../store/pnl-store.js';
import { registerPricesDiffCommand } from './prices-diff.js';
import { usdText } from './usd-text.js';

/** Where command output goes; tests pass their own. */
export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const STD: CliOutput = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const pricesFileOption = (): Option => new Option('--prices-file <file>', 'YAML price overrides (env PNL_PRICES_FILE)');

function overridesFile(flag: string | undefined): string | undefined {
  const env = process.env['PNL_PRICES_FILE'];
  return flag ?? (env === undefined || env === '' ? undefined : env);
}

export { usdText };

const picoPerMillion = (picoFor1000: bigint): string => usdText(formatPicoUsd(picoFor1000 * 1000n));

function rangeText(e: PriceBookEntry): string {
  return `${e.effective_from ?? 'always'} .. ${e.effective_to ?? 'open'}`;
}

/** Parses `--at`: a day or an ISO instant (UTC when no zone is given). */
function parseAt(at: string | undefined): number {
  if (at === undefined) return Date.now() * 1000;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(at) ? `${at}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(at) ? at : `${at}Z`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2026-02-30 over to March 2; the calendar day written must exist.
  const [, y, m, d] = /^(\d{4})-(\d{2})-(\d{2})/.exec(at) ?? [];
  const realDay = y !== undefined && new Date(Date.UTC(Number(y), Number(m) - 1, Number(d))).toISOString().startsWith(`${y}-${m}-${d}`);
  if (Number.isNaN(ms) || !realDay) throw new Error(`--at ${JSON.stringify(at)} is not an ISO date of the calendar (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-02-28)`);
  return ms * 1000;
}

/** What `prices show` reports: the entry in effect and the effective rates it gives. */
export interface PriceShown {
  provider: string;
  model: string;
  at: string;
  priceId: string;
  source: 'catalog' | 'override';
  entries: PriceBookEntry[];
  /** Effective USD per million tokens (discounts applied), and per call. */
  perMillion: { input: string; cacheRead: string; cacheWrite: string; output: string };
  perCall: string;
}

/**
 * Which entry prices `provider`/`model` at `atUs`, from which layer, and at what effective rates, found by
 * rating probe calls with the real PriceBook (so discounts, fallbacks and effective dates are exactly as at
 * ingest). Returns null when the model is unpriced. Probes use 1,000 tokens per component: far below any
 * long-context threshold, and still exact (pico per token × 1,000 × 1,000 = per million).
 */
export function showPrice(book: PriceBook, provider: string, model: string, atUs: number, serviceTier = ''): PriceShown | null {
  const probe = (u: { input?: number; cacheRead?: number; cacheWrite?: number; output?: number }) =>
    book.rate(
      storedToLlmCall({
        trace_id: '', span_id: '', start_us: atUs, customer_id: '', provider, request_model: model, response_model: '',
        input_tokens: u.input ?? 0, input_tokens_reported: u.input ?? 0, input_includes_cache: false,
        cache_read_tokens: u.cacheRead ?? 0, cache_write_tokens: u.cacheWrite ?? 0, output_tokens: u.output ?? 0, reasoning_tokens: 0, has_usage: true,
        service_tier: serviceTier,
      }),
    );
  const all = probe({ input: 1000, cacheRead: 1000, cacheWrite: 1000, output: 1000 });
  if (all.cost === null || all.priceSource === '') return null;
  const byId = new Map(book.entries().map((e) => [e.entry_id, e]));
  const entries = all.priceId.split('+').map((id) => byId.get(id)).filter((e): e is PriceBookEntry => e !== undefined);
  return {
    provider, model, at: new Date(atUs / 1000).toISOString(), priceId: all.priceId, source: all.priceSource, entries,
    perMillion: {
      input: picoPerMillion(all.cost.input),
      cacheRead: picoPerMillion(all.cost.cacheRead),
      cacheWrite: picoPerMillion(all.cost.cacheWrite),
      output: picoPerMillion(all.cost.output),
    },
    perCall: usdText(formatPicoUsd(all.cost.request)),
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}

/** `agentic-pnl prices list|show|validate|diff`: inspect the price book; no ClickHouse needed. */
export function registerPricesCommands(program: Command, io: CliOutput = STD): Command {
  const prices = program.command('prices').description('Inspect the price book: the genai-prices catalog under your overrides file.');

  prices
    .command('list')
    .description('List the price entries in use (catalog, then overrides in file order).')
    .option('--provider <provider>', 'only this provider')
    .option('--json', 'print the entries as JSON')
    .addOption(pricesFileOption())
    .action(async (o: { provider?: string; json?: boolean; pricesFile?: string }) => {
      const file = overridesFile(o.pricesFile);
      const book = await loadPriceBook(file === undefined ? {} : { overridesFile: file });
      const want = o.provider?.trim().toLowerCase();
      const entries = book.entries().filter((e) => want === undefined || e.provider.toLowerCase() === want);
      if (o.json) {
        io.out(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      const p = (e: PriceBookEntry, k: string): string => (e.prices[k] === undefined ? '-' : usdText(e.prices[k]));
      io.out(
        table([
          ['source', 'provider', 'model', 'input/M', 'cache read/M', 'output/M', 'effective', 'id'],
          ...entries.map((e) => [e.source, e.provider, e.model, p(e, 'input_mtok'), p(e, 'cache_read_mtok'), p(e, 'output_mtok'), rangeText(e), e.entry_id]),
        ]),
      );
      io.err(`${entries.length} entries (${book.catalogVersion}${file === undefined ? ', no overrides file' : `, overrides ${file}`})\n`);
    });

  prices
    .command('show <provider> <model>')
    .description('Show which price entry prices a model at a date, from which layer, with its per-million prices. The provider is read as ingest reads a span\'s (aws.bedrock = aws).')
    .option('--at <date>', 'ISO date or instant (UTC) [default: now]')
    .option('--service-tier <tier>', 'the service tier of the call: default, batch, priority, flex [default: default]')
    .addOption(pricesFileOption())
    .action(async (reported: string, model: string, o: { at?: string; serviceTier?: string; pricesFile?: string }) => {
      // Calls are stored with the catalog's provider id; show what such a call gets, not what a raw name would.
      const provider = canonicalProvider(reported);
      const atUs = parseAt(o.at);
      const file = overridesFile(o.pricesFile);
      const book = await loadPriceBook(file === undefined ? {} : { overridesFile: file });
      const shown = showPrice(book, provider, model, atUs, canonicalServiceTier(o.serviceTier ?? ''));
      const at = new Date(atUs / 1000).toISOString();
      if (shown === null) {
        throw new Error(
          `${provider} ${model} is unpriced at ${at}: neither the catalog (${book.catalogVersion}) nor ${file === undefined ? 'any override (no overrides file set)' : `the overrides in ${file}`} prices it; calls to it are stored with cost NULL. Add an override (see docs/pricing.md).`,
        );
      }
      const lines = [
        `${provider} ${model} at ${at}${o.serviceTier === undefined ? '' : `, ${canonicalServiceTier(o.serviceTier) || 'default'} tier`}`,
        `price id     ${shown.priceId}`,
        `source       ${shown.source}`,
        ...shown.entries.map((e) => `entry        ${e.entry_id} (${e.source}, ${e.provider}/${e.model}, effective ${rangeText(e)})`),
        'per million tokens (USD, effective):',
        `  input        ${shown.perMillion.input}`,
        `  cache read   ${shown.perMillion.cacheRead}`,
        `  cache write  ${shown.perMillion.cacheWrite}`,
        `  output       ${shown.perMillion.output}`,
        `per call     ${shown.perCall}`,
      ];
      const notes = shown.entries.map((e) => e.prices['notes']).filter((n): n is string => n !== undefined);
      for (const n of notes) lines.push(`notes        ${n}`);
      io.out(`${lines.join('\n')}\n`);
    });

  prices
    .command('validate <file>')
    .description('Check a price overrides YAML file; lists every problem with its line.')
    .action(async (file: string) => {
      // Throws PriceBookError listing every problem (with line numbers); the CLI prints it and exits 1.
      const valid = await readOverridesFile(file);
      io.out(`valid: ${valid.length} ${valid.length === 1 ? 'entry' : 'entries'}\n`);
    });

  registerPricesDiffCommand(prices, io);
  return prices;
}

function targetOf(flags: Record<string, unknown>): ClickHouseTarget {
  return clickHouseTargetOf(loadConfig(process.env, flags));
}

/** Opens the store for a one-off command; explains the single-process rule of the embedded engine. */
async function openStoreFor(target: ClickHouseTarget): Promise<PnlStore> {
  try {
    return await PnlStore.open(target);
  } catch (err) {
    if (target.kind !== 'embedded') throw err;
    throw new Error(
      `cannot open the embedded ClickHouse in ${target.dataDir} (${(err as Error).message}). The embedded engine is single-process: stop the agentic-pnl service using this data directory, then run reprice again.`,
    );
  }
}

/** Differences as JSON-safe rows (pico-dollars as exact USD decimal strings). */
export function repriceJson(result: RepriceResult): unknown {
  return {
    ...result,
    differences: result.differences.map((d) => ({
      ...d,
      oldCost: formatPicoUsd(d.oldCost),
      newCost: formatPicoUsd(d.newCost),
      difference: formatPicoUsd(d.difference),
    })),
  };
}

/** `agentic-pnl reprice`: re-rate stored calls with the current price book. */
export function registerRepriceCommand(program: Command, io: CliOutput = STD): Command {
  return program
    .command('reprice')
    .description('Re-rate stored calls in [--from, --to) with the current price book and rewrite their costs and the daily aggregates. Stop the service first (embedded engine).')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD (UTC)')
    .requiredOption('--to <day>', 'day after the last, YYYY-MM-DD (exclusive)')
    .option('--customer <id>', 'only this customer')
    .option('--dry-run', 'report the differences, write nothing')
    .option('--json', 'print the result as JSON')
    .addOption(new Option('--data-dir <dir>', 'directory of the embedded ClickHouse (env PNL_DATA_DIR) [default: ./data]'))
    .addOption(new Option('--clickhouse-url <url>', 'ClickHouse server HTTP URL (env CLICKHOUSE_URL)'))
    .addOption(new Option('--clickhouse-user <user>', 'ClickHouse user (env CLICKHOUSE_USER)'))
    .addOption(pricesFileOption())
    .action(async (o: { from: string; to: string; customer?: string; dryRun?: boolean; json?: boolean; dataDir?: string; clickhouseUrl?: string; clickhouseUser?: string; pricesFile?: string }) => {
      const flags: Record<string, unknown> = {};
      if (o.dataDir !== undefined) flags['dataDir'] = o.dataDir;
      if (o.clickhouseUrl !== undefined) flags['clickhouseUrl'] = o.clickhouseUrl;
      if (o.clickhouseUser !== undefined) flags['clickhouseUser'] = o.clickhouseUser;
      const file = overridesFile(o.pricesFile);
      const book = await loadPriceBook(file === undefined ? {} : { overridesFile: file });
      const store = await openStoreFor(targetOf(flags));
      try {
        const result = await repriceCalls(store, book, {
          from: o.from, to: o.to, dryRun: o.dryRun === true, onProgress: (m) => io.err(`reprice: ${m}\n`),
          ...(o.customer === undefined ? {} : { customer: o.customer }),
        });
        io.out(o.json ? `${JSON.stringify(repriceJson(result), null, 2)}\n` : renderRepriceTable(result));
      } finally {
        await store.close();
      }
    });
}
