import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { INVOICE_FORMATS } from '../reconcile/invoice-formats.js';
import type { ReconciliationJson } from '../reconcile/reconciliation-json.js';
import { callService, urlOption } from './api-client.js';
import { renderReconciliation } from './render-reconciliation.js';

/**
 * `agentic-pnl invoices import FILE --format F` (sends the CSV to a running service, which parses,
 * stores and audit-logs it) and `agentic-pnl reconcile [--from --to --tolerance-pct --json]`.
 * The service does the parsing so the CLI and the API accept exactly the same files.
 */
export function registerInvoicesCommands(
  program: Command,
  io: { out: (text: string) => void; exitCode: (code: number) => void } = { out: (t) => process.stdout.write(t), exitCode: (code) => (process.exitCode = code) },
): Command {
  const { out } = io;
  const invoices = program.command('invoices').description('Provider invoices (cost exports) to reconcile rated costs with. See docs/reconciliation.md.');
  invoices
    .command('import <file>')
    .description('Import a provider cost export (CSV). Re-importing a file, or a corrected one, replaces the days it covers.')
    .addOption(urlOption())
    .addOption(new Option('--format <format>', 'column mapping of the file').choices(INVOICE_FORMATS).makeOptionMandatory())
    .option('--source <label>', 'invoice source, e.g. an account name when a provider has several [default: the format]')
    .option('--provider <provider>', 'generic format: the provider of every line, for a file without a provider column')
    .option('--date-column <name>', 'generic format: column of the day [default: date]')
    .option('--provider-column <name>', 'generic format: column of the provider [default: provider]')
    .option('--model-column <name>', 'generic format: column of the model [default: model]')
    .option('--cost-column <name>', 'generic format: column of the cost in USD [default: cost_usd]')
    .action(async (file: string, o: { url: string; format: string; source?: string; provider?: string; dateColumn?: string; providerColumn?: string; modelColumn?: string; costColumn?: string }) => {
      const params: Record<string, string> = { format: o.format, file: basename(file) };
      const optional = { source: o.source, provider: o.provider, date_column: o.dateColumn, provider_column: o.providerColumn, model_column: o.modelColumn, cost_column: o.costColumn };
      for (const [k, v] of Object.entries(optional)) if (v !== undefined) params[k] = v;
      const r = await callService<{ lines: number; stored: number; removed: number; days: { first: string | null; last: string | null; count: number }; total_usd: string; source: string }>(
        o.url,
        `/api/v1/invoices?${new URLSearchParams(params)}`,
        { method: 'POST', body: await readFile(file, 'utf8'), headers: { 'content-type': 'text/csv' } },
      );
      out(`imported ${file} as source ${r.source}: ${r.lines} lines, ${r.stored} day x model totals (${r.removed} removed), ${r.days.count} days ${r.days.first ?? ''}..${r.days.last ?? ''}, $${r.total_usd}\n`);
    });

  program
    .command('reconcile')
    .description('Compare rated costs with the imported invoices per day, provider and model.')
    .addOption(urlOption())
    .option('--from <day>', 'first day, YYYY-MM-DD [default: first day of this month]')
    .option('--to <day>', 'day after the last, YYYY-MM-DD (exclusive) [default: tomorrow]')
    .option('--tolerance-pct <pct>', 'tolerance in percent [default: the service\'s PNL_INVOICE_TOLERANCE_PCT]')
    .option('--json', 'print the reconciliation as JSON')
    .action(async (o: { url: string; from?: string; to?: string; tolerancePct?: string; json?: boolean }) => {
      const q = new URLSearchParams({ ...(o.from ? { from: o.from } : {}), ...(o.to ? { to: o.to } : {}), ...(o.tolerancePct ? { tolerance_pct: o.tolerancePct } : {}) });
      const r = await callService<ReconciliationJson>(o.url, `/api/v1/reconciliation?${q}`);
      out(o.json ? `${JSON.stringify(r, null, 2)}\n` : renderReconciliation(r));
      // A reconciliation with flagged days exits 3, so a scheduled job can page on it.
      if (r.summary.flagged_rows > 0) io.exitCode(3);
    });
  return program;
}
