import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PriceBook, PriceBookEntry } from '../../exporter/src/price/index.js';
import { loadPriceBook } from '../../exporter/src/price/index.js';
import { llmCall, pico, picoUsd } from './llm-call-fixture.js';

/*
 * The "Worked examples" table of docs/pricing.md is checked three ways, so that neither a wrong row nor a
 * wrong price book can pass: the cost cell must equal (1) the real price book's rating of the row's call and
 * (2) the hand formula applied to the row's own price cells, and (3) the price cells must be the prices of
 * the catalog entry named in the row (the provider's published per-million prices).
 */

const DOC = fileURLToPath(new URL('../../docs/pricing.md', import.meta.url));

interface Price {
  /** USD per million tokens as written, e.g. `2.50`. */
  usd: string;
  /** The long-context threshold the cell says it is the price above (`$2.50 (>200k)`), else null. */
  above: number | null;
}

interface Row {
  provider: string;
  model: string;
  priceId: string;
  uncached: number;
  cacheRead: number;
  cacheWrite: number;
  output: number;
  reasoning: number;
  prices: Record<'input_mtok' | 'cache_read_mtok' | 'cache_write_mtok' | 'output_mtok', Price | null>;
  costPico: bigint;
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/pricing.md has no "## ${heading}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

const tokens = (cell: string): number => (cell === '—' ? 0 : Number(cell.replace(/,/g, '')));

function price(cell: string): Price | null {
  if (cell === '—') return null;
  const m = /^\$(\d+(?:\.\d+)?)(?: \(>(\d+)k\))?$/.exec(cell);
  if (m === null) throw new Error(`price cell ${JSON.stringify(cell)} is not like "$2.50" or "$2.50 (>200k)"`);
  return { usd: m[1] as string, above: m[2] === undefined ? null : Number(m[2]) * 1000 };
}

function parseTable(text: string): Row[] {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  const cells = (line: string): string[] => line.slice(1, -1).split('|').map((c) => c.trim());
  const header = cells(lines[0] ?? '');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`worked examples table has no column "${name}" (has: ${header.join(', ')})`);
    return i;
  };
  return lines.slice(2).map((line) => {
    const c = cells(line);
    const at = (name: string): string => c[col(name)] ?? '';
    const out = /^([\d,]+) \(([\d,]+)\)$/.exec(at('output (reasoning)'));
    if (out === null) throw new Error(`output cell of ${line} is not like "9,000 (7,000)"`);
    const cost = /^\$(\d+(?:\.\d+)?)$/.exec(at('cost (USD)'));
    if (cost === null) throw new Error(`cost cell of ${line} is not like "$0.086"`);
    return {
      provider: at('provider'),
      model: at('model'),
      priceId: at('price id'),
      uncached: tokens(at('uncached input')),
      cacheRead: tokens(at('cache read')),
      cacheWrite: tokens(at('cache write')),
      output: tokens(out[1] as string),
      reasoning: tokens(out[2] as string),
      prices: {
        input_mtok: price(at('input $/M')),
        cache_read_mtok: price(at('cache read $/M')),
        cache_write_mtok: price(at('cache write $/M')),
        output_mtok: price(at('output $/M')),
      },
      costPico: picoUsd(cost[1] as string),
    };
  });
}

const markdown = readFileSync(DOC, 'utf8');
const examples = section(markdown, 'Worked examples');
const callDate = /Call date: (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)/.exec(examples)?.[1];
const rows = parseTable(examples);

/** The hand formula: Σ tokens × price per million / 10^6, in pico-dollars (price × 10^6 pico per token). */
function handCost(r: Row): bigint {
  const part = (n: number, p: Price | null): bigint => {
    if (p === null) {
      // "—" means no such price; the row must then have no such tokens.
      expect(n, `${r.model}: tokens without a price cell`).toBe(0);
      return 0n;
    }
    return pico(n, p.usd);
  };
  return part(r.uncached, r.prices.input_mtok) + part(r.cacheRead, r.prices.cache_read_mtok) + part(r.cacheWrite, r.prices.cache_write_mtok) + part(r.output, r.prices.output_mtok);
}

/** The catalog entry's price of `key` for a call with `totalInput` input tokens: its tier above the highest threshold exceeded, else the base price. */
function entryPrice(entry: PriceBookEntry, key: string, totalInput: number): { usd: string | undefined; above: number | null } {
  const thresholds = Object.keys(entry.prices)
    .filter((k) => k.startsWith(`${key}>`))
    .map((k) => Number(k.slice(key.length + 1)))
    .filter((n) => totalInput > n)
    .sort((a, b) => b - a);
  const above = thresholds[0] ?? null;
  return above === null ? { usd: entry.prices[key], above: null } : { usd: entry.prices[`${key}>${above}`], above };
}

let book: PriceBook;
beforeAll(async () => {
  book = await loadPriceBook();
});

describe('worked examples in docs/pricing.md', () => {
  it('has ten rows covering OpenAI, Anthropic and Google, with cached and reasoning tokens, at a stated call date', () => {
    expect(callDate).toBeDefined();
    expect(rows).toHaveLength(10);
    expect(new Set(rows.map((r) => r.provider))).toEqual(new Set(['openai', 'anthropic', 'google']));
    expect(rows.every((r) => r.cacheRead > 0)).toBe(true);
    expect(rows.filter((r) => r.reasoning > 0).length).toBeGreaterThanOrEqual(5);
    expect(rows.some((r) => r.cacheWrite > 0)).toBe(true);
    expect(examples).toContain(book.catalogVersion);
  });

  describe.each(rows.map((r) => [`${r.provider} ${r.model}`, r] as const))('%s', (_name, r) => {
    it('costs what the price book rates it at', () => {
      const call = llmCall(
        r.provider,
        r.model,
        { inputReported: r.uncached + r.cacheRead + r.cacheWrite, inputUncached: r.uncached, cacheRead: r.cacheRead, cacheWrite: r.cacheWrite, output: r.output, reasoning: r.reasoning },
        { at: callDate as string },
      );
      const priced = book.rate(call);
      expect(priced.priceId).toBe(r.priceId);
      expect(priced.priceSource).toBe('catalog');
      expect(priced.cost?.total).toBe(r.costPico);
    });

    it('costs what the formula gives from its price cells', () => {
      expect(handCost(r)).toBe(r.costPico);
    });

    it("shows the catalog entry's prices, long-context tier included", () => {
      const entry = book.entries().find((e) => e.entry_id === r.priceId);
      expect(entry, `no price book entry ${r.priceId}`).toBeDefined();
      const totalInput = r.uncached + r.cacheRead + r.cacheWrite;
      for (const [key, cell] of Object.entries(r.prices)) {
        const expected = entryPrice(entry as PriceBookEntry, key, totalInput);
        if (cell === null) {
          expect(expected.usd, `${key}: the entry has a price, the table says "—"`).toBeUndefined();
          continue;
        }
        expect(expected.usd, `${key}: the table has a price the entry lacks`).toBeDefined();
        // Same decimal value, however many trailing zeros each is written with.
        expect(pico(1, cell.usd), key).toBe(pico(1, expected.usd as string));
        expect(cell.above, `${key}: the (>Nk) marker must name the tier in effect`).toBe(expected.above);
      }
    });
  });
});
