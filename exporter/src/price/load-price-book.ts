import { catalogReady } from './catalog-lookup.js';
import type { PriceBook } from './price-book.js';
import { priceBookFromValidOverrides } from './price-book.js';
import { readOverridesFile } from './overrides-file.js';

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
