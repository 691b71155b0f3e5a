import type { Command } from 'commander';
import { checkClusterName } from '../store/cluster-migrations.js';
import { loadMigrations } from '../store/migrate.js';
import { renderMigrationScript } from '../store/migration-script.js';

/** Where the command writes (tests pass their own). */
export interface MigrationsIo {
  out(text: string): void;
}

const STDOUT: MigrationsIo = { out: (text) => process.stdout.write(text) };

/** Registers `agentic-pnl migrations print [--cluster NAME]`. */
export function registerMigrationsCommand(program: Command, io: MigrationsIo = STDOUT): Command {
  const migrations = program.command('migrations').description('The ClickHouse schema migrations (clickhouse/migrations).');
  migrations
    .command('print')
    .description(
      'Print the SQL the service applies at start, for one server or, with --cluster, its ON CLUSTER form ' +
        '(Replicated tables behind Distributed ones); reads no database. See docs/scaling.md.',
    )
    .option('--cluster <name>', 'ClickHouse cluster name as in remote_servers, or {cluster} for the macro')
    .action(async (o: { cluster?: string }) => {
      if (o.cluster !== undefined) checkClusterName(o.cluster);
      io.out(renderMigrationScript(await loadMigrations(), o.cluster));
    });
  return migrations;
}
