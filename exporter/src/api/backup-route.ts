import { join } from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { PnlRepository } from '../pnl/pnl-repository.js';
import type { IngestCore } from '../service/ingest-core.js';
import { BackupError, backupTables } from '../store/backup.js';
import { StoreError } from '../store/store-error.js';
import { ApiError } from './api-error.js';

/**
 * `POST /api/v1/backup` (admin, audit-logged): a logical backup of every table (store/backup.ts)
 * into a new directory under PNL_BACKUP_DIR, named by its time. Inserts pause meanwhile, so the
 * tables agree with each other; requests are still accepted and wait in the spool. Answers with
 * the directory and the row count of each table. Restore with `agentic-pnl restore <dir>`.
 */
export function backupRoute(core: Pick<IngestCore, 'config' | 'store' | 'writer'>, repo: PnlRepository, actor: (req: Request) => string): Router {
  const router = Router();
  let running = false;
  router.post('/api/v1/backup', (req: Request, res: Response, next: NextFunction) => {
    if (running) return next(new ApiError(409, 'backup_running', 'a backup is already running; wait for it to finish'));
    running = true;
    const root = core.config.backupDir ?? join(core.config.dataDir, 'backups');
    const dir = join(root, new Date().toISOString().replace(/[:.]/g, '-'));
    // The salt file is in the data directory whenever PNL_HASH_SALT does not give it, with a server too.
    core.writer
      .whilePaused(() => backupTables(core.store, dir, core.config.hashSalt === undefined ? { dataDir: core.config.dataDir } : {}))
      .then(async (manifest) => {
        await repo.audit(actor(req), 'backup', dir, { tables: manifest.tables.map((t) => ({ table: t.table, rows: t.rows })) });
        res.json({ dir, manifest });
      })
      .catch((err: unknown) => {
        if (err instanceof BackupError) return next(new ApiError(409, 'backup_refused', err.message));
        const code = (err as NodeJS.ErrnoException).code;
        if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
          return next(new ApiError(500, 'backup_unwritable', `cannot write the backup in ${dir} (${(err as Error).message}); make PNL_BACKUP_DIR writable by the service, with room for the data`));
        }
        // Anything else came from ClickHouse, answered as the other routes answer it.
        next(new StoreError('backup', err));
      })
      .finally(() => {
        running = false;
      });
  });
  return router;
}
