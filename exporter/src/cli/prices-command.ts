import { Command, InvalidArgumentError, Option } from 'commander';
import { storedToLlmCall, repriceCalls, renderRepriceTable, type RepriceResult } from '../pnl/reprice.js';
import { formatPicoUsd, loadPriceBook, readOverridesFile, type PriceBook, type PriceBookEntry } from '../price/index.js';
import { canonicalServiceTier, isPricedServiceTier, PRICED_SERVICE_TIERS } from '../model/service-tier.js';
import { isCalendarDay } from '../api/date-range.js';
import { canonicalProvider } from '../normalize/canonical-provider.js';
import { configOf, openStoreFor, withStoreOptions, type StoreFlags } from './open-store.js';
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

/** USD per million tokens of a component that cost `pico` for `tokens` tokens (exact: rates are whole pico per token). */
const perMillion = (pico: bigint, tokens: number): string => usdText(formatPicoUsd((pico * 1_000_000n) / BigInt(tokens)));

function rangeText(e: PriceBookEntry): string {
  return `${e.effective_from ?? 'always'} .. ${e.effective_to ?? 'open'}`;
}

/** Parses `--at`: a day or an ISO instant (UTC when no zone is given). */
function parseAt(at: string | undefined): number {
  if (at === undefined) return Date.now() * 1000;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(at) ? `${at}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(at) ? at : `${at}Z`;
  const ms = Date.parse(iso);
  // Date.parse rolls 2026-02-30 over to March 2; the calendar day written must exist.
  if (Number.isNaN(ms) || !isCalendarDay(at.slice(0, 10))) throw new Error(`--at ${JSON.stringify(at)} is not an ISO date of the calendar (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, e.g. 2026-02-28)`);
  return ms * 1000;
}

/**
 * `--service-tier`: only the tiers overrides can be written for; any other name would silently show the
 * default price. Spelled as calls report it (`Batch`, Anthropic's `standard`), read as they are stored.
 */
function parseServiceTier(value: string): string {
  const tier = canonicalServiceTier(value);
  if (!isPricedServiceTier(tier)) {
    throw new InvalidArgumentError(`must be one of ${PRICED_SERVICE_TIERS.join(', ')} (the tier that served the call), got ${JSON.stringify(value)}`);
  }
  return tier;
}

/** Effective USD per million tokens of each component (discounts applied, missing cache prices at the input rate). */
export interface ShownRates {
  input: string;
  cacheRead: string;
  cacheWrite: string;
  output: string;
}

/** What `prices show` reports: the entry in effect and the effective rates it gives. */
export interface PriceShown {
  provider: string;
  model: string;
  at: string;
  priceId: string;
  source: 'catalog' | 'override';
  entries: PriceBookEntry[];
  /** Rates of a call below every long-context threshold. */
  perMillion: ShownRates;
  perCall: string;
  /** Long-context tiers by ascending threshold: the rates of every token of a call whose total input exceeds it. */
  longContext: Array<{ aboveInputTokens: number; perMillion: ShownRates }>;
}

/** Thresholds of the long-context tiers the entries declare (`input_mtok>200000` keys), ascending. */
function tierThresholds(entries: readonly PriceBookEntry[]): number[] {
  const found = entries.flatMap((e) => Object.keys(e.prices).flatMap((k) => /^[a-z_]+>(\d+)$/.exec(k)?.[1] ?? []).map(Number));
  return [...new Set(found)].sort((a, b) => a - b);
}

/**
 * Which entry prices `provider`/`model` at `atUs`, from which layer, and at what effective rates, found by
 * rating probe calls with the real PriceBook (so discounts, fallbacks, effective dates and long-context tiers
 * are exactly as at ingest). Returns null when the model is unpriced. Each rate is read from a probe of that
 * component alone, with a total input of 1 token for the base rates and one more than the threshold for a
 * tier's (output beside such an input), so every probe lands in the tier it reads.
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
  const ratesAt = (totalInput: number): ShownRates => ({
    input: perMillion(probe({ input: totalInput }).cost?.input ?? 0n, totalInput),
    cacheRead: perMillion(probe({ cacheRead: totalInput }).cost?.cacheRead ?? 0n, totalInput),
    cacheWrite: perMillion(probe({ cacheWrite: totalInput }).cost?.cacheWrite ?? 0n, totalInput),
    output: perMillion(probe({ input: totalInput, output: 1 }).cost?.output ?? 0n, 1),
  });
  const first = probe({ input: 1 });
  if (first.cost === null || first.priceSource === '') return null;
  const byId = new Map(book.entries().map((e) => [e.entry_id, e]));
  const entries = first.priceId.split('+').map((id) => byId.get(id)).filter((e): e is PriceBookEntry => e !== undefined);
  return {
    provider, model, at: new Date(atUs / 1000).toISOString(), priceId: first.priceId, source: first.priceSource, entries,
    perMillion: ratesAt(1),
    perCall: usdText(formatPicoUsd(first.cost.request)),
    longContext: tierThresholds(entries).map((n) => ({ aboveInputTokens: n, perMillion: ratesAt(n + 1) })),
  };
}

function rateLines(r: ShownRates): string[] {
  return [`  input        ${r.input}`, `  cache read   ${r.cacheRead}`, `  cache write  ${r.cacheWrite}`, `  output       ${r.output}`];
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
      // Spelled as spans report it or as the catalog does, like the overrides and `prices show`.
      const want = o.provider === undefined ? undefined : canonicalProvider(o.provider);
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
    .addOption(new Option('--service-tier <tier>', `the service tier of the call: ${PRICED_SERVICE_TIERS.join(', ')} [default: default]`).argParser(parseServiceTier))
    .addOption(pricesFileOption())
    .action(async (reported: string, model: string, o: { at?: string; serviceTier?: string; pricesFile?: string }) => {
      // Calls are stored with the catalog's provider id; show what such a call gets, not what a raw name would.
      const provider = canonicalProvider(reported);
      const atUs = parseAt(o.at);
      const file = overridesFile(o.pricesFile);
      const book = await loadPriceBook(file === undefined ? {} : { overridesFile: file });
      const shown = showPrice(book, provider, model, atUs, o.serviceTier ?? '');
      const at = new Date(atUs / 1000).toISOString();
      if (shown === null) {
        throw new Error(
          `${provider} ${model} is unpriced at ${at}: neither the catalog (${book.catalogVersion}) nor ${file === undefined ? 'any override (no overrides file set)' : `the overrides in ${file}`} prices it; calls to it are stored with cost NULL. Add an override (see docs/pricing.md).`,
        );
      }
      const lines = [
        `${provider} ${model} at ${at}${o.serviceTier === undefined ? '' : `, ${o.serviceTier} tier`}`,
        `price id     ${shown.priceId}`,
        `source       ${shown.source}`,
        ...shown.entries.map((e) => `entry        ${e.entry_id} (${e.source}, ${e.provider}/${e.model}, effective ${rangeText(e)})`),
        'per million tokens (USD, effective):',
        ...rateLines(shown.perMillion),
        `per call     ${shown.perCall}`,
        // Long context is billed on the whole call, so the tier's rates are what such a call pays for every token.
        ...shown.longContext.flatMap((t) => [`over ${t.aboveInputTokens} input tokens, every token of the call (USD per million, effective):`, ...rateLines(t.perMillion)]),
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
  return withStoreOptions(program.command('reprice'))
    .description('Re-rate stored calls in [--from, --to) with the current price book and rewrite their costs and the daily aggregates. Stop the service first (embedded engine).')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD (UTC)')
    .requiredOption('--to <day>', 'day after the last, YYYY-MM-DD (exclusive)')
    .option('--customer <id>', 'only this customer')
    .option('--dry-run', 'report the differences, write nothing')
    .option('--json', 'print the result as JSON')
    .addOption(pricesFileOption())
    .action(async (o: StoreFlags & { from: string; to: string; customer?: string; dryRun?: boolean; json?: boolean; pricesFile?: string }) => {
      const file = overridesFile(o.pricesFile);
      const book = await loadPriceBook(file === undefined ? {} : { overridesFile: file });
      const store = await openStoreFor(configOf(o), 'reprice');
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
