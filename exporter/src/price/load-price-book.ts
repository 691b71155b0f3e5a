import { catalogReady } from './catalog-lookup.js';
import type { PriceBook } from './price-book.js';
import { priceBookFromValidOverrides } from './price-book.js';
import { parseOverridesYaml, readOverridesFile } from './overrides-file.js';

/** Where the price book's overrides come from. */
export interface LoadPriceBookOptions {
  /** Path of the overrides YAML file (the `PNL_PRICES_FILE` setting); absent = catalog prices only. */
  overridesFile?: string;
}

/**
 * Builds the price book: the bundled genai-prices catalog under the overrides file, if any. Reads and
 * validates the whole file first and throws {@link PriceBookError} listing every problem, so a bad file
 * stops the service at start instead of mispricing calls.
 */
export async function loadPriceBook(options: LoadPriceBookOptions = {}): Promise<PriceBook> {
  const overrides = options.overridesFile === undefined ? [] : await readOverridesFile(options.overridesFile);
  await catalogReady();
  return priceBookFromValidOverrides(overrides);
}

/**
 * Builds the price book from overrides YAML already read (a reload: every thread builds its book
 * from the same text, so none can see a different file). Throws {@link PriceBookError} like
 * {@link loadPriceBook}; `source` names the text in its problems.
 */
export async function priceBookFromOverridesText(text: string, source: string): Promise<PriceBook> {
  const overrides = parseOverridesYaml(text, source);
  await catalogReady();
  return priceBookFromValidOverrides(overrides);
}
