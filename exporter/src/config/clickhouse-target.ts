import type { ClickHouseTarget } from '../store/open-clickhouse.js';
import type { PnlConfig } from './config.js';

/** Where the configuration says ClickHouse is: embedded under PNL_DATA_DIR, or the server at CLICKHOUSE_URL. */
export function clickHouseTargetOf(config: PnlConfig): ClickHouseTarget {
  if (config.clickhouseUrl === undefined) return { kind: 'embedded', dataDir: config.dataDir };
  return {
    kind: 'remote',
    url: config.clickhouseUrl,
    ...(config.clickhouseUser !== undefined ? { username: config.clickhouseUser } : {}),
    ...(config.clickhousePassword !== undefined ? { password: config.clickhousePassword } : {}),
    ...(config.clickhouseCluster !== undefined ? { cluster: config.clickhouseCluster } : {}),
  };
}
