#!/usr/bin/env node
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { PortfolioSummary } from '../pnl/portfolio-types.js';
import { parseRevenueCsv } from '../pnl/revenue-csv.js';
import { authorization, callService, urlOption } from './api-client.js';
import { registerBackupCommands } from './backup-command.js';
import { countOption } from './count-option.js';
import { runDemo } from './demo.js';
import { registerMigrationsCommand } from './migrations-command.js';
import { registerPricesCommands, registerRepriceCommand } from './prices-command.js';
import { renderReport } from './render-report.js';
import { registerInvoicesCommands } from './invoices-command.js';
import { registerTokensCommand } from './tokens-command.js';
import { CONFIG_FIELDS, loadConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { createLogger } from '../log/logger.js';
import { PnlService } from '../service/pnl-service.js';

/** Adds one option per configuration field that has a flag, documented with its variable and default. */
function withConfigOptions(cmd: Command): Command {
  for (const field of Object.values(CONFIG_FIELDS)) {
    if (field.flag === undefined) continue;
    const dflt = field.default === undefined ? '' : ` [default: ${String(field.default)}]`;
    cmd.addOption(new Option(`--${field.flag} <value>`, `${field.doc} (env ${field.env})${dflt}`));
  }
  return cmd;
}

const program = new Command()
  .name('agentic-pnl')
  .description('Maps every LLM dollar to the customer and feature that caused it.')
  .showHelpAfterError();

withConfigOptions(program.command('serve').description('Receive OTLP traces on /v1/traces, price LLM calls, store them in ClickHouse, serve /metrics.')).action(
  async (flags: Record<string, unknown>) => {
    const config = loadConfig(process.env, flags);
    const logger = createLogger(config.logLevel);
    const service = await PnlService.start(config, logger);
    const stop = (signal: string): void => {
      logger.info('stopping', { signal });
      service.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error('stop failed', { error: (err as Error).message });
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  },
);

/** The most customers `/api/v1/summary` lists (its `top` limit). */
const MAX_TOP = 10_000;
const rangeQuery = (o: { from?: string; to?: string }): string => new URLSearchParams({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}) }).toString();

program
  .command('report')
  .description('Print the portfolio P&L as a table (colour on a terminal, plain when piped).')
  .addOption(urlOption())
  .option('--from <day>', 'first day, YYYY-MM-DD [default: first day of this month]')
  .option('--to <day>', 'day after the last, YYYY-MM-DD (exclusive) [default: tomorrow]')
  .option('--top <n>', 'customers to list (also with --json)', countOption(MAX_TOP), 20)
  .option('--json', 'print the summary as JSON')
  .action(async (o: { url: string; from?: string; to?: string; top: number; json?: boolean }) => {
    // The table says how many customers it left out, so it needs them all; JSON gets what was asked for.
    const summary = await callService<PortfolioSummary>(o.url, `/api/v1/summary?${rangeQuery(o)}&top=${o.json ? o.top : MAX_TOP}`);
    if (o.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(renderReport(summary, { top: o.top, color: process.stdout.isTTY === true }));
  });

program
  .command('export')
  .description('Write priced calls or daily aggregates as CSV or Parquet.')
  .addOption(urlOption())
  .addOption(new Option('--format <format>', 'file format').choices(['csv', 'parquet']).default('csv'))
  .addOption(new Option('--level <level>', 'rows to export').choices(['daily', 'calls']).default('daily'))
  .option('--from <day>', 'first day, YYYY-MM-DD')
  .option('--to <day>', 'day after the last, YYYY-MM-DD (exclusive)')
  .option('--customer <id>', 'only this customer')
  .requiredOption('-o, --output <file>', 'file to write')
  .action(async (o: { url: string; format: string; level: string; from?: string; to?: string; customer?: string; output: string }) => {
    const q = new URLSearchParams({ format: o.format, level: o.level, ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.customer ? { customer: o.customer } : {}) });
    const res = await fetch(`${o.url}/api/v1/export?${q}`, { headers: authorization() });
    if (!res.ok || res.body === null) throw new Error(`export failed: ${res.status} ${await res.text()}`);
    const out = createWriteStream(o.output);
    for await (const chunk of res.body) out.write(chunk);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    process.stderr.write(`wrote ${o.output}\n`);
  });

/*
 * Rows per PUT /api/v1/revenue. The service takes up to 100,000 rows in a 64 MiB body; 10,000 stay
 * far inside both whatever the ids' lengths, so a file of any size imports (it used to go in one
 * PUT, which failed past about 45,000 rows).
 */
const REVENUE_ROWS_PER_REQUEST = 10_000;

const revenue = program.command('revenue').description('Revenue per customer (what the P&L compares LLM cost against).');
revenue
  .command('import <file>')
  .description('Import revenue from a CSV with header customer,period_start,period_end,amount[,source] (period_end exclusive). Sent in parts of 10,000 rows; re-running it is safe (a re-sent row replaces itself).')
  .addOption(urlOption())
  .action(async (file: string, o: { url: string }) => {
    const entries = parseRevenueCsv(await readFile(file, 'utf8'), file);
    let stored = 0;
    for (let at = 0; at < entries.length; at += REVENUE_ROWS_PER_REQUEST) {
      const part = entries.slice(at, at + REVENUE_ROWS_PER_REQUEST);
      try {
        stored += (await callService<{ stored: number }>(o.url, '/api/v1/revenue', { method: 'PUT', body: JSON.stringify(part) })).stored;
      } catch (err) {
        // Parts already sent are stored: say so, and that running the import again is harmless.
        const done = stored > 0 ? ` (${stored} of ${entries.length} rows were stored before it; re-running the import is safe)` : '';
        throw new Error(`${(err as Error).message}${done}`, { cause: err });
      }
    }
    process.stderr.write(`imported ${stored} revenue rows from ${file}\n`);
  });

withConfigOptions(
  program
    .command('demo')
    .description('Run the service and a realistic multi-customer agent workload through the real instrumentation, then print the report.')
    .option('--customers <n>', 'customers to simulate', countOption(10_000), 12)
    .option('--runs <n>', 'agent runs per customer (on average)', countOption(100_000), 25),
).action(async (flags: Record<string, unknown>) => {
  const config = loadConfig(process.env, flags);
  await runDemo(config, { customers: flags['customers'] as number, runs: flags['runs'] as number });
});

registerPricesCommands(program);
registerRepriceCommand(program);
registerBackupCommands(program);
registerMigrationsCommand(program);
registerTokensCommand(program);
registerInvoicesCommands(program);

// `agentic-pnl prices list --json | head`: the reader closing the pipe early is not an error of
// the command; without this Node throws the EPIPE as an unhandled stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`agentic-pnl: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`agentic-pnl: ${(err as Error).message}\n`);
  process.exit(1);
});
