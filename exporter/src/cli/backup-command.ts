import type { Command } from 'commander';
import { createLogger } from '../log/logger.js';
import { restoreTables, type BackupManifest } from '../store/backup.js';
import { applyRetention } from '../store/retention.js';
import { callService, urlOption } from './api-client.js';
import { configOf, openStoreFor, withStoreOptions, type StoreFlags } from './open-store.js';

/** Where the commands write (tests pass their own). */
export interface BackupIo {
  out(text: string): void;
  err(text: string): void;
}

const STD: BackupIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

const tableLines = (m: BackupManifest): string => m.tables.map((t) => `  ${t.table.padEnd(20)} ${String(t.rows).padStart(12)} rows\n`).join('');

/**
 * `agentic-pnl backup` asks a running service for a backup (it pauses its inserts meanwhile, so
 * the tables agree); `agentic-pnl restore DIR` loads one into an empty store, with the service
 * stopped when the engine is embedded. See docs/reliability.md, "Backup and restore".
 */
export function registerBackupCommands(program: Command, io: BackupIo = STD): void {
  program
    .command('backup')
    .description('Back up every table of a running service into a new directory under its PNL_BACKUP_DIR (default <PNL_DATA_DIR>/backups).')
    .addOption(urlOption())
    .action(async (o: { url: string }) => {
      const { dir, manifest } = await callService<{ dir: string; manifest: BackupManifest }>(o.url, '/api/v1/backup', { method: 'POST' });
      io.out(`backup written to ${dir}\n${tableLines(manifest)}`);
    });

  withStoreOptions(program.command('restore'))
    .description('Load a backup into an empty store: a new --data-dir (stop no service: none may use it) or a ClickHouse server whose pnl tables are empty.')
    .argument('<dir>', 'a backup directory (holding manifest.json)')
    .action(async (dir: string, o: StoreFlags) => {
      const config = configOf(o);
      const store = await openStoreFor(config, 'restore');
      try {
        // The retention this configuration sets, as the service would apply it at start: rows past it go at the next merge.
        await applyRetention(store.client, { rawMonths: config.retentionRawMonths, aggregateMonths: config.retentionAggregateMonths }, createLogger('warn', (line) => io.err(line)));
        // The salt file lives in the data directory only when PNL_HASH_SALT does not give it.
        const dataDir = config.hashSalt === undefined ? config.dataDir : undefined;
        const manifest = await restoreTables(store, dir, { ...(dataDir === undefined ? {} : { dataDir }), onProgress: (m) => io.err(`restore: ${m}\n`) });
        io.out(`restored ${dir} (taken ${manifest.created_at})\n${tableLines(manifest)}`);
      } finally {
        await store.close();
      }
    });
}
