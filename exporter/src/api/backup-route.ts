import { join } from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { Counter, Gauge } from 'prom-client';
import type { PnlRepository } from '../pnl/pnl-repository.js';
import type { IngestCore } from '../service/ingest-core.js';
import { BackupError, backupTables, BackupWriteError, lastAuditedBackupMs, newestBackupMs } from '../store/backup.js';
import { StoreError } from '../store/store-error.js';
import { ApiError } from './api-error.js';

/**
 * `POST /api/v1/backup` (admin, audit-logged): a logical backup of every table (store/backup.ts)
 * into a new directory under PNL_BACKUP_DIR, named by its time. Inserts pause meanwhile, so the
 * tables agree with each other; requests are still accepted and wait in the spool. Answers with
 * the directory and the row count of each table. Restore with `agentic-pnl restore <dir>`.
 */
export function backupRoute(core: Pick<IngestCore, 'config' | 'store' | 'writer' | 'metrics' | 'logger'>, repo: PnlRepository, actor: (req: Request) => string): Router {
  const router = Router();
  let running = false;
  const root = core.config.backupDir ?? join(core.config.dataDir, 'backups');
  const registers = [core.metrics.registry];
  const lastSuccess = new Gauge({
    name: 'pnl_backup_last_success_timestamp_seconds',
    help: 'When the newest backup finished (Unix seconds); 0 while none is known. Read at start from the audit log and PNL_BACKUP_DIR.',
    registers,
  });
  const failures = new Counter({ name: 'pnl_backup_failures_total', help: 'Backups (POST /api/v1/backup) that failed.', registers });
  let newest = 0;
  const seen = (seconds: number): void => {
    // The larger only: the read at start may finish after a backup taken meanwhile.
    if (seconds > newest) lastSuccess.set((newest = seconds));
  };
  // From the audit log too: shared by the replicas, and kept when the backups are moved off the machine.
  void Promise.all([newestBackupMs(root), lastAuditedBackupMs(core.store)])
    .then(([onDisk, audited]) => seen(Math.max(onDisk ?? 0, audited ?? 0) / 1000))
    .catch((err: unknown) => core.logger.warn('could not find when the last backup was taken', { dir: root, error: (err as Error).message }));
  router.post('/api/v1/backup', (req: Request, res: Response, next: NextFunction) => {
    if (running) return next(new ApiError(409, 'backup_running', 'a backup is already running; wait for it to finish'));
    running = true;
    const dir = join(root, new Date().toISOString().replace(/[:.]/g, '-'));
    // The salt file is in the data directory whenever PNL_HASH_SALT does not give it, with a server too.
    core.writer
      .whilePaused(() => backupTables(core.store, dir, core.config.hashSalt === undefined ? { dataDir: core.config.dataDir } : {}))
      .then(
        async (manifest) => {
          seen(Date.parse(manifest.created_at) / 1000);
          // The backup exists whatever happens to its audit row.
          await repo
            .audit(actor(req), 'backup', dir, { tables: manifest.tables.map((t) => ({ table: t.table, rows: t.rows })) })
            .catch((err: unknown) => core.logger.warn('backup taken, but its audit row could not be written', { dir, error: (err as Error).message }));
          res.json({ dir, manifest });
        },
        (err: unknown) => {
          failures.inc();
          if (err instanceof BackupError) return next(new ApiError(409, 'backup_refused', err.message));
          if (err instanceof BackupWriteError) {
            return next(new ApiError(500, 'backup_unwritable', `cannot write the backup in ${dir} (${err.message}); make PNL_BACKUP_DIR writable by the service, with room for the data`));
          }
          // Anything else came from ClickHouse (a read, or the connection), answered as the other routes answer it.
          next(new StoreError('backup', err));
        },
      )
      .finally(() => {
        running = false;
      });
  });
  return router;
}
