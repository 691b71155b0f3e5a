import { existsSync, mkdirSync, rmSync } from 'node:fs';
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

  it('releases the spool when the ingest core fails after opening it, and the engine for the next start', async () => {
    // One embedded engine data dir at a time per process: the service of the test above goes first.
    for (const s of started.splice(0)) await s.stop({ keepData: true });
    const other = tempDir('agentic-pnl-failed-core-');
    try {
      // The hash salt is read after the spool is open and its writer started: a directory in
      // the salt file's place makes that step fail.
      mkdirSync(join(other.path, 'hash-salt'), { recursive: true });
      const err = await startTestService({}, other.path).catch((e: unknown) => e);
      expect((err as NodeJS.ErrnoException).code).toMatch(/^(EISDIR|EEXIST)$/);
      expect(existsSync(join(other.path, 'spool'))).toBe(true);
      expect(existsSync(join(other.path, 'spool', LOCK_FILE))).toBe(false);
      rmSync(join(other.path, 'hash-salt'), { recursive: true });
      const svc = await startTestService({}, other.path);
      await svc.stop({ keepData: true });
    } finally {
      other.remove();
    }
  });
});
