import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Provider } from '@pydantic/genai-prices';
import { catalogProviders, catalogReady, catalogVersion } from './catalog-lookup.js';
import type { CatalogSnapshot } from './catalog-diff.js';
import { unpackTarball } from './package-tarball.js';

const PACKAGE = '@pydantic/genai-prices';

/** A catalog that cannot be loaded from the path given: what was wrong and what to pass instead. */
export class CatalogSourceError extends Error {
  override readonly name = 'CatalogSourceError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`Cannot load a ${PACKAGE} catalog from ${path}: ${reason}`);
  }
}

/** The catalog the price book rates with: the installed package's bundled data. */
export async function installedCatalog(): Promise<CatalogSnapshot> {
  await catalogReady();
  return { version: catalogVersion(), providers: catalogProviders() };
}

function checkProviders(path: string, value: unknown, what: string): readonly Provider[] {
  const ok = Array.isArray(value) && value.every((p) => typeof p === 'object' && p !== null && typeof (p as Provider).id === 'string' && Array.isArray((p as Provider).models));
  if (!ok) throw new CatalogSourceError(path, `${what} is not a list of providers with \`id\` and \`models\``);
  return value as Provider[];
}

interface PackageJson {
  name?: string;
  version?: string;
  module?: string;
  exports?: { '.'?: { import?: string | { default?: string } } };
}

/** The ES module entry of the package, as Node would resolve `import '@pydantic/genai-prices'`. */
function esmEntry(pkg: PackageJson): string {
  const imp = pkg.exports?.['.']?.import;
  return (typeof imp === 'string' ? imp : imp?.default) ?? pkg.module ?? 'dist/index.js';
}

/**
 * Loads an unpacked package the way the price book loads the installed one: import its entry and take the
 * provider list its `waitForUpdate()` resolves to — the data bundled in that package, since nothing calls
 * `updatePrices`. This runs the package's code, as installing it would.
 */
async function loadPackageDir(path: string, dir: string): Promise<CatalogSnapshot> {
  let pkg: PackageJson;
  try {
    pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch (err) {
    throw new CatalogSourceError(path, `no readable package.json (${(err as Error).message}); pass the directory of an unpacked package, e.g. the \`package\` folder of \`npm pack ${PACKAGE}@<version>\``);
  }
  if (pkg.name !== PACKAGE) throw new CatalogSourceError(path, `package.json names ${JSON.stringify(pkg.name)}, not ${PACKAGE}`);
  const entry = join(dir, esmEntry(pkg));
  let mod: { waitForUpdate?: unknown };
  try {
    mod = (await import(pathToFileURL(entry).href)) as { waitForUpdate?: unknown };
  } catch (err) {
    throw new CatalogSourceError(path, `its entry ${entry} failed to load (${(err as Error).message})`);
  }
  if (typeof mod.waitForUpdate !== 'function') throw new CatalogSourceError(path, `its entry ${entry} exports no waitForUpdate(); is it a ${PACKAGE} build?`);
  const providers = checkProviders(path, await (mod.waitForUpdate as () => Promise<unknown>)(), 'the bundled data');
  return { version: `${PACKAGE}@${pkg.version ?? 'unknown'}`, providers };
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile(), () => false);
}

/**
 * Loads a newer catalog to compare with the one in use, without any network access. `path` is one of:
 * - an unpacked `@pydantic/genai-prices` package directory (holding `package.json`), or the folder `npm pack`
 *   output was unpacked into (holding `package/package.json`);
 * - an `npm pack` tarball (`.tgz`), unpacked into a temporary directory first;
 * - a genai-prices data file (`.json`: the list of providers, as in the project's `prices/data.json`).
 * @throws CatalogSourceError saying what was wrong and what to pass instead.
 */
export async function loadCatalogSnapshot(path: string): Promise<CatalogSnapshot> {
  const full = resolve(path);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) throw new CatalogSourceError(path, 'no such file or directory');
  if (info.isDirectory()) {
    const dir = (await isFile(join(full, 'package.json'))) ? full : join(full, 'package');
    return loadPackageDir(path, dir);
  }
  if (/\.(tgz|tar\.gz)$/i.test(full)) {
    const tmp = await mkdtemp(join(tmpdir(), 'agentic-pnl-catalog-'));
    try {
      await unpackTarball(await readFile(full), tmp, path).catch((err: Error) => {
        throw new CatalogSourceError(path, err.message);
      });
      return await loadPackageDir(path, join(tmp, 'package'));
    } finally {
      // The imported module is held in memory; its files are no longer needed.
      await rm(tmp, { recursive: true, force: true });
    }
  }
  if (/\.json$/i.test(full)) {
    let data: unknown;
    try {
      data = JSON.parse(await readFile(full, 'utf8'));
    } catch (err) {
      throw new CatalogSourceError(path, `not valid JSON (${(err as Error).message})`);
    }
    return { version: basename(full), providers: checkProviders(path, data, 'the file') };
  }
  throw new CatalogSourceError(path, 'expected a package directory, a .tgz from `npm pack`, or a .json data file');
}
