/*
 * The column mappings of the invoice CSV formats (documented in docs/reconciliation.md). Column
 * names are matched without case, surrounding spaces or a byte-order mark.
 *
 * openai    - the cost export of the OpenAI usage dashboard (platform.openai.com/usage, Export),
 *             grouped by line item: one line per UTC day bucket x line item [x project]:
 *             start_time (unix seconds), end_time, start_time_iso, end_time_iso, amount_value,
 *             amount_currency, quantity, quantity_unit, line_item, project_id, project_name, ...
 *             `line_item` is "<model>, <usage kind>" (e.g. "gpt-4o-mini-2024-07-18, input");
 *             the model is the text before the first comma. These are the fields of the Costs
 *             API (organization.costs.result: amount.value, amount.currency, line_item,
 *             project_id); the dashboard's file flattens them under these names.
 * anthropic - the cost export of the Anthropic Console (Cost page, Export): usage_date_utc,
 *             model, workspace, api_key, usage_type, context_window, token_type, cost_usd,
 *             list_price_usd, cost_type, ... `model` is a display name ("Claude Sonnet 4");
 *             `cost_usd` is what was billed (after discounts), `list_price_usd` is not used.
 * generic   - any CSV with a day, a provider, a model and a cost in USD; the column names
 *             default to date, provider, model, cost_usd and can be renamed.
 */

/** The invoice formats understood. */
export const INVOICE_FORMATS = ['openai', 'anthropic', 'generic'] as const;
export type InvoiceFormat = (typeof INVOICE_FORMATS)[number];

/** Column names of the generic format; each can be renamed at import. */
export interface GenericColumns {
  date: string;
  provider: string;
  model: string;
  cost: string;
}

export const DEFAULT_GENERIC_COLUMNS: GenericColumns = { date: 'date', provider: 'provider', model: 'model', cost: 'cost_usd' };

/** Where a format finds each field. A list names alternatives, the first present wins. */
export interface ColumnMapping {
  format: InvoiceFormat;
  /** The day: a YYYY-MM-DD date, an ISO timestamp (its UTC day), or unix seconds. */
  date: readonly string[];
  /** Column of the provider, or undefined when the format implies one (`fixedProvider`). */
  provider: string | undefined;
  fixedProvider: string | undefined;
  model: string;
  cost: string;
  /** Currency column; a value other than USD (or empty) is an error. */
  currency: string | undefined;
  /** A column that says what a line without a model billed (web search, code execution). */
  kind: string | undefined;
}

/** The mapping for a format; the generic one with the given column names and optional provider for files without that column. */
export function columnMapping(format: InvoiceFormat, generic: Partial<GenericColumns> = {}, provider?: string): ColumnMapping {
  switch (format) {
    case 'openai':
      return { format, date: ['start_time_iso', 'start_time'], provider: undefined, fixedProvider: 'openai', model: 'line_item', cost: 'amount_value', currency: 'amount_currency', kind: undefined };
    case 'anthropic':
      return { format, date: ['usage_date_utc'], provider: undefined, fixedProvider: 'anthropic', model: 'model', cost: 'cost_usd', currency: undefined, kind: 'cost_type' };
    case 'generic': {
      const c = { ...DEFAULT_GENERIC_COLUMNS, ...generic };
      return { format, date: [c.date], provider: provider === undefined ? c.provider : undefined, fixedProvider: provider, model: c.model, cost: c.cost, currency: undefined, kind: undefined };
    }
  }
}
