/*
 * Public surface of the price layer: rate an LLM call against the price book, exactly.
 * Listed by name so what other folders may rely on is visible here.
 */
export type { PriceBook } from './price-book.js';
export { createPriceBook } from './price-book.js';
export type { LoadPriceBookOptions } from './load-price-book.js';
export { loadPriceBook, priceBookFromOverridesText } from './load-price-book.js';
export type { PriceBookEntry } from './price-book-entries.js';
export type { PriceOverride, ValidOverride } from './override-schema.js';
export type { PriceBookProblem } from './price-book-error.js';
export { PriceBookError } from './price-book-error.js';
export { parseOverridesYaml, readOverridesFile, readOverridesText } from './overrides-file.js';
export { formatPicoUsd, picoToUsdNumber, PICO_PER_USD } from './money.js';
export type { CatalogDiff, CatalogRate, CatalogSnapshot, ModelRates, ProviderDiff, RateChange } from './catalog-diff.js';
export { diffCatalogs } from './catalog-diff.js';
export { CatalogSourceError, installedCatalog, loadCatalogSnapshot } from './catalog-source.js';
