import { afterAll } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { describeStoreSuite } from './store-suite.js';

/*
 * The store suite on the embedded engine and, when CLICKHOUSE_URL is set, on that ClickHouse
 * server. No server runs on the build machines; the same suite runs over HTTP against the
 * embedded engine's facade in pnl-store-http.test.ts instead.
 */
const dir = tempDir();
afterAll(() => dir.remove());

describeStoreSuite('embedded (chdb)', async () => ({ kind: 'embedded', dataDir: dir.path }));
const url = process.env['CLICKHOUSE_URL'];
if (url === undefined) console.log('store tests on a ClickHouse server skipped: CLICKHOUSE_URL is not set (no server runs here; see pnl-store-http.test.ts)');
describeStoreSuite('a ClickHouse server (CLICKHOUSE_URL)', url === undefined ? undefined : async () => ({ kind: 'remote', url }));
