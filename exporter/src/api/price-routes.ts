import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Router, text, type NextFunction, type Request, type Response } from 'express';
import type { PnlRepository } from '../pnl/pnl-repository.js';
import { PricesFileUnsetError, PricesFileWriteError } from '../service/ingest-core.js';
import { parseOverridesYaml, PriceBookError, type PriceBook } from '../price/index.js';
import { ApiError } from './api-error.js';
import { explainBodyLimit } from './body-limit.js';

/** What the routes need of the ingest core: the file, the book in use, and the reload. */
export interface PriceOverridesHost {
  readonly config: { readonly pricesFile?: string | undefined };
  readonly priceBook: PriceBook;
  reloadPrices(): Promise<PriceBook>;
  writePrices(text: string): Promise<PriceBook>;
}

/** An overrides file is a few hundred entries at most; a megabyte is thousands. */
const YAML_BODY_LIMIT_BYTES = 2 ** 20;
const YAML_BODY = explainBodyLimit(
  text({ type: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'], limit: YAML_BODY_LIMIT_BYTES }),
  YAML_BODY_LIMIT_BYTES,
  'an overrides file lists entries, not data: split unrelated models into fewer, wider entries (a model pattern such as `ft:gpt-4o*`)',
);

const REPRICE_HINT = 'calls stored before keep the prices they were rated with; to re-rate them, run agentic-pnl reprice --from YYYY-MM-DD --to YYYY-MM-DD (docs/pricing.md)';

/**
 * Price overrides (docs/pricing.md), the file PNL_PRICES_FILE stays their one source:
 * - `GET /api/v1/prices/overrides` → the file's YAML and what the book in use holds;
 * - `PUT /api/v1/prices/overrides` with the whole YAML as the body: checked as `prices validate`
 *   checks it (a 400 lists every problem with its line; nothing changes), written in place of
 *   the file (atomically: a rename), then every ingest thread prices new calls with it; changes
 *   run one at a time (IngestCore);
 * - `POST /api/v1/prices/reload` → reads the file as edited on disk (a deploy, a git pull) and
 *   prices new calls with it, or answers 400 listing its problems and keeps the prices in use.
 * Writes are audit-logged under `actor(req)`. With several replicas, each one reads its own file:
 * give them one (a shared volume or the same config map) and reload each.
 */
export function priceRoutes(host: PriceOverridesHost, repo: PnlRepository, actor: (req: Request) => string): Router {
  const router = Router();
  const wrap = (fn: (req: Request) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req).then((body) => res.json(body), next);
  };
  const fileOf = (): string => {
    const file = host.config.pricesFile;
    if (file === undefined) throw new ApiError(409, 'prices_file_unset', new PricesFileUnsetError().message);
    return file;
  };
  const inUse = (book: PriceBook) => ({
    catalog_version: book.catalogVersion,
    override_entries: book.entries().filter((e) => e.source === 'override').length,
  });

  router.get('/api/v1/prices/overrides', wrap(async () => {
    const file = fileOf();
    let yaml: string;
    try {
      yaml = await readFile(file, 'utf8');
    } catch (err) {
      throw new ApiError(500, 'prices_file_unreadable', `cannot read ${file} (${(err as Error).message}); the prices in use stay (${inUse(host.priceBook).override_entries} override entries)`);
    }
    return { file, yaml, in_use: inUse(host.priceBook) };
  }));

  router.put('/api/v1/prices/overrides', YAML_BODY, wrap(async (req) => {
    const file = fileOf();
    if (typeof req.body !== 'string') throw new ApiError(415, 'unsupported_media_type', 'send the overrides file as the request body with Content-Type: application/yaml');
    const yaml = req.body;
    const overrides = await invalidAs400(() => parseOverridesYaml(yaml, 'the request body'), 'Nothing was changed.');
    let book: PriceBook;
    try {
      book = await host.writePrices(yaml);
    } catch (err) {
      if (err instanceof PricesFileWriteError) throw new ApiError(500, 'prices_file_unwritable', err.message);
      throw err;
    }
    await repo.audit(actor(req), 'prices.put', file, { overrides: overrides.length, sha256: sha256(yaml) });
    return { file, in_use: inUse(book), note: REPRICE_HINT };
  }));

  router.post('/api/v1/prices/reload', wrap(async (req) => {
    const file = fileOf();
    const book = await invalidAs400(() => host.reloadPrices(), 'The prices in use stay.');
    await repo.audit(actor(req), 'prices.reload', file, { overrides: inUse(book).override_entries });
    return { file, in_use: inUse(book), note: REPRICE_HINT };
  }));
  return router;
}

/** A PriceBookError as a 400 listing its problems, followed by what happened to the prices in use. */
async function invalidAs400<T>(fn: () => T | Promise<T>, outcome: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PriceBookError) throw new ApiError(400, 'invalid_prices', `${err.message}\n${outcome}`);
    throw err;
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
