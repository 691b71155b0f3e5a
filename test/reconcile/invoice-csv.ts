import { formatPicoUsd } from '../../exporter/src/price/money.js';

/** What a provider billed for one model on one day, split into line items (input, output, ...). */
export interface BilledModel {
  day: string;
  provider: string;
  /** The model as the provider's export names it. */
  model: string;
  /** The Anthropic Console's display name, e.g. "Claude Sonnet 4". */
  displayName?: string;
  parts: Array<{ kind: string; pico: bigint }>;
}

/** Exact USD text without trailing zeros, e.g. 2_700_000_000n -> 0.0027. */
export function usdText(pico: bigint): string {
  return formatPicoUsd(pico).replace(/0+$/, '').replace(/\.$/, '');
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const line = (cells: string[]): string => cells.map(csvCell).join(',');
const unix = (day: string): number => Date.parse(`${day}T00:00:00Z`) / 1000;

/**
 * The OpenAI usage dashboard's cost export, grouped by line item: real column names, a line per
 * day x line item ("<model>, <kind>"), amounts with 30 decimals as the dashboard writes them,
 * and an empty bucket line for `emptyDays` (days with nothing billed).
 */
export function openAiCostCsv(billed: readonly BilledModel[], emptyDays: readonly string[] = []): string {
  const header = 'start_time,end_time,start_time_iso,end_time_iso,amount_value,amount_currency,quantity,quantity_unit,line_item,user_id,api_key_id,project_id,organization_id,project_name,organization_name,user_email,api_source';
  const rows = billed.flatMap((b) =>
    b.parts.map((p) =>
      line([
        String(unix(b.day)), String(unix(b.day) + 86_400), `${b.day}T00:00:00+00:00`, `${b.day}T00:00:00+00:00`,
        `${formatPicoUsd(p.pico)}${'0'.repeat(18)}`, 'usd', '', '', `${b.model}, ${p.kind}`, '', 'key_1', 'proj_a', 'org-test', 'Project A', 'Test Org', '', '',
      ]),
    ),
  );
  const empty = emptyDays.map((d) => line([String(unix(d)), String(unix(d) + 86_400), `${d}T00:00:00+00:00`, `${d}T00:00:00+00:00`, '', '', '', '', '', '', '', '', 'org-test', '', 'Test Org', '', '']));
  return `${[header, ...rows, ...empty].join('\n')}\n`;
}

/** The Anthropic Console's cost export: real column names, display model names, one line per token type. */
export function anthropicCostCsv(billed: readonly BilledModel[]): string {
  const header = 'usage_date_utc,model,workspace,api_key,usage_type,context_window,token_type,cost_usd,list_price_usd,cost_type,inference_geo,speed,api_key_id,api_key_status';
  const rows = billed.flatMap((b) =>
    b.parts.map((p) => line([b.day, b.displayName ?? b.model, 'Default', 'prod-key', 'message', '≤ 200k', p.kind, usdText(p.pico), usdText(p.pico), 'token', 'not_available', '', 'apikey_01', 'active'])),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

/** The generic format, one line per part, with the given column names. */
export function genericCostCsv(billed: readonly BilledModel[], columns = { date: 'date', provider: 'provider', model: 'model', cost: 'cost_usd' }): string {
  const header = line(['note', columns.date, columns.provider, columns.model, columns.cost]);
  const rows = billed.flatMap((b) => b.parts.map((p) => line([p.kind, b.day, b.provider, b.model, usdText(p.pico)])));
  return `${[header, ...rows].join('\n')}\n`;
}
