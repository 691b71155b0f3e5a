import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { tempDir } from '../helpers/temp-dir.js';

/*
 * The port is bound before the start (to answer health checks meanwhile), so a start that fails
 * later must let go of it, and of ClickHouse: otherwise the process would neither serve nor exit.
 */

const dir = tempDir('agentic-pnl-failed-start-');
/** The spool's lock file (exporter/src/spool/spool.ts), there while a process owns the spool. */
const LOCK_FILE = 'LOCK';
const started: TestService[] = [];
afterAll(async () => {
  for (const s of started) await s.stop({ keepData: true });
  dir.remove();
});

describe('a start that fails after the port is bound', () => {
  it('releases the port and the data dir, so the next start succeeds on both', async () => {
    const port = await freePort();
    // Not valid JSON: the P&L engine's setup throws after ClickHouse and the ingest core are open.
    const err = await startTestService({ port, tierPrices: '{"pro": ' }, dir.path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyntaxError);
    // The ingest core was closed: its spool lock is released (another process could take the spool).
    expect(existsSync(join(dir.path, 'spool', LOCK_FILE))).toBe(false);
    const svc = await startTestService({ port }, dir.path);
    started.push(svc);
    expect(svc.url).toBe(`http://127.0.0.1:${port}`);
    expect(await (await fetch(`${svc.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });
});
