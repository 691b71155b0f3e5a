import { Option, type Command } from 'commander';
import { clickHouseTargetOf } from '../config/clickhouse-target.js';
import { loadConfig, type PnlConfig } from '../config/config.js';
import type { ClickHouseTarget } from '../store/open-clickhouse.js';
import { PnlStore } from '../store/pnl-store.js';

/** Flags of the commands that open ClickHouse themselves (reprice, restore). */
export interface StoreFlags {
  dataDir?: string;
  clickhouseUrl?: string;
  clickhouseUser?: string;
}

/** Adds --data-dir, --clickhouse-url and --clickhouse-user, which the environment can also set. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--data-dir <dir>', 'directory of the embedded ClickHouse (env PNL_DATA_DIR) [default: ./data]'))
    .addOption(new Option('--clickhouse-url <url>', 'ClickHouse server HTTP URL (env CLICKHOUSE_URL)'))
    .addOption(new Option('--clickhouse-user <user>', 'ClickHouse user (env CLICKHOUSE_USER)'));
}

/** The configuration these flags and the environment give. */
export function configOf(o: StoreFlags): PnlConfig {
  const flags: Record<string, unknown> = {};
  if (o.dataDir !== undefined) flags['dataDir'] = o.dataDir;
  if (o.clickhouseUrl !== undefined) flags['clickhouseUrl'] = o.clickhouseUrl;
  if (o.clickhouseUser !== undefined) flags['clickhouseUser'] = o.clickhouseUser;
  return loadConfig(process.env, flags);
}

/**
 * Opens the store for a one-off command (`name`, for the message); explains the single-process
 * rule of the embedded engine when another process holds it.
 */
export async function openStoreFor(config: PnlConfig, name: string): Promise<PnlStore> {
  const target: ClickHouseTarget = clickHouseTargetOf(config);
  try {
    return await PnlStore.open(target);
  } catch (err) {
    if (target.kind !== 'embedded') throw err;
    throw new Error(
      `cannot open the embedded ClickHouse in ${target.dataDir} (${(err as Error).message}). The embedded engine is single-process: stop the agentic-pnl service using this data directory, then run ${name} again.`,
    );
  }
}
