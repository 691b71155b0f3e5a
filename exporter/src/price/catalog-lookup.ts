import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ModelInfo, Provider } from '@pydantic/genai-prices';
import { calcPrice, findProvider, waitForUpdate } from '@pydantic/genai-prices';

/*
 * The catalog layer: @pydantic/genai-prices with the data bundled in the package. Nothing here calls
 * `updatePrices`, so the library never fetches prices over the network and the data cannot change under a
 * running process: the same call always rates the same, and `catalogVersion` says which data it was.
 */

/*
 * genai-prices hands out its provider list only through a promise, which without `updatePrices` is already
 * resolved to the bundled data: it is available one microtask after this module loads. No top-level await,
 * so the module can still be loaded synchronously (require(esm), CommonJS test runners).
 */
let bundledProviders: readonly Provider[] | undefined;
const providersLoaded: Promise<readonly Provider[]> = waitForUpdate().then((list) => (bundledProviders = list ?? []));

/** Resolves once the bundled provider list is available (immediately in practice). */
export function catalogReady(): Promise<readonly Provider[]> {
  return providersLoaded;
}

/** Every provider of the bundled catalog, for listing price entries. */
export function catalogProviders(): readonly Provider[] {
  if (bundledProviders === undefined) {
    throw new Error('The price catalog is still loading; await loadPriceBook() (or catalogReady()) before listing entries');
  }
  return bundledProviders;
}

let version: string | undefined;

/** Version of the installed `@pydantic/genai-prices` package: the catalog data version. */
export function catalogVersion(): string {
  if (version === undefined) {
    // The package's export map hides package.json, so locate it beside its resolved entry point.
    const entry = createRequire(import.meta.url).resolve('@pydantic/genai-prices');
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version?: string };
    version = `@pydantic/genai-prices@${pkg.version ?? 'unknown'}`;
  }
  return version;
}

/** A model found in the catalog, with the provider whose price list it came from. */
export interface CatalogMatch {
  /** The provider whose list holds the model: for a fallback price, the list's owner (azure → `openai`). */
  provider: Provider;
  model: ModelInfo;
  /**
   * The catalog's id for the call's own provider, its aliases resolved (`aws-bedrock` → `aws`) but never a
   * fallback: `azure` for an Azure call priced from OpenAI's list. Overrides are matched against this.
   */
  callProviderId: string;
}

/**
 * Finds the catalog model for a call with genai-prices' own matching (provider aliases such as
 * `aws-bedrock` → `aws`, model match rules, date-suffix normalisation, fallback providers). `modelNames` are
 * tried in order. An empty `providerId` lets genai-prices infer the provider from the model name. A
 * provider the catalog does not know (a gateway, a self-hosted server) is not guessed from the model name:
 * its calls stay unpriced until an override prices them, rather than borrowing some other provider's price.
 */
export function findCatalogModel(providerId: string, modelNames: readonly string[]): CatalogMatch | null {
  // genai-prices resolves `litellm` itself, from a `provider/model` name.
  const gateway = providerId.trim().toLowerCase() === 'litellm';
  if (providerId !== '' && !gateway && findProvider({ providerId }) === undefined) return null;
  for (const name of modelNames) {
    const match = tryCalc(name, providerId === '' ? undefined : providerId);
    if (match !== null) return match;
  }
  return null;
}

function tryCalc(modelName: string, providerId: string | undefined): CatalogMatch | null {
  try {
    // Empty usage: only the matching is wanted here; prices are computed exactly elsewhere.
    const result = calcPrice({}, modelName, providerId === undefined ? {} : { providerId });
    return result === null ? null : { provider: ownerOf(result.provider, result.model), model: result.model, callProviderId: result.provider.id };
  } catch {
    // genai-prices rejects a few malformed entries while pricing; such a model is treated as unknown.
    return null;
  }
}

/**
 * The provider whose list holds `model`. genai-prices returns the provider it was asked about even when the
 * model came from one of its fallback providers (azure → openai); the price id should name the list the
 * price really came from, so it matches `entries()`.
 */
function ownerOf(provider: Provider, model: ModelInfo): Provider {
  if (provider.models.includes(model)) return provider;
  for (const id of provider.fallback_model_providers ?? []) {
    const fallback = findProvider({ providerId: id });
    if (fallback?.models.includes(model) === true) return fallback;
  }
  return provider;
}
