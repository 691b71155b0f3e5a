import { afterAll } from 'vitest';
import { ClickHouseHttpFacade } from '../helpers/clickhouse-http-facade.js';
import { describeStoreSuite } from './store-suite.js';

/*
 * The store suite in remote mode: @clickhouse/client over HTTP, as with CLICKHOUSE_URL, to
 * ClickHouse's HTTP interface served by the embedded engine (no server runs here). Its own
 * process (vitest forks per file), since the engine binds one data directory per process.
 */
let facade: ClickHouseHttpFacade | undefined;
afterAll(async () => facade?.stop());

describeStoreSuite('remote mode over HTTP (embedded engine behind ClickHouse\'s HTTP interface)', async () => {
  facade = await ClickHouseHttpFacade.start();
  return { kind: 'remote', url: facade.url };
});
