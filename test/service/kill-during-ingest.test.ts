import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { PROTOBUF, uniqueRequests, type UniqueRequest } from '../helpers/unique-requests.js';

/*
 * The service, as its own process, is killed with SIGKILL while requests stream in, then
 * started again on the same data directory. Senders retry what was not answered (as OTLP
 * exporters do). Afterwards ClickHouse holds every span exactly once: none of the spans
 * answered 200 before the kill is missing, and none is stored twice.
 */

const MAIN = fileURLToPath(new URL('../../exporter/dist/cli/main.js', import.meta.url));
const dir = tempDir();
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  dir.remove();
});

function startChild(): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run "npm run build" first (npm test does)`);
  const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data-dir', dir.path, '--log-level', 'info', '--batch-max-delay-ms', '100', '--batch-max-rows', '2000'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      const line = log.split('\n').find((l) => l.includes('"listening"'));
      if (line !== undefined) resolve({ child, url: (JSON.parse(line) as { url: string }).url, log: () => log });
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}: ${log}`)));
  });
}

/** Resolves with the exit code; call before signalling, so an early exit is not missed. */
function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

type Outcome = 'acknowledged' | 'failed' | 'unsent';

async function send(url: string, r: UniqueRequest): Promise<Outcome> {
  try {
    const res = await fetch(`${url}/v1/traces`, { method: 'POST', body: r.body, headers: PROTOBUF });
    await res.arrayBuffer();
    return res.status === 200 ? 'acknowledged' : 'failed';
  } catch {
    return 'failed';
  }
}

describe('SIGKILL during sustained ingest', () => {
  it('stores exactly the acknowledged spans after a restart: no gap, no double count', async () => {
    const reqs = uniqueRequests(400, 100);
    const outcome: Outcome[] = reqs.map(() => 'unsent');
    const first = await startChild();

    // Four senders stream requests until the kill; then they see connection errors.
    let next = 0;
    let killed = false;
    const sender = async (): Promise<void> => {
      while (!killed && next < reqs.length) {
        const i = next++;
        outcome[i] = await send(first.url, reqs[i]!);
      }
    };
    const senders = Promise.all([sender(), sender(), sender(), sender()]);
    // Kill once a good part was acknowledged, so batches are being written and spooled.
    while (outcome.filter((o) => o === 'acknowledged').length < 120) await new Promise((r) => setTimeout(r, 20));
    const firstExit = exited(first.child);
    first.child.kill('SIGKILL');
    killed = true;
    await senders;
    await firstExit;
    const acknowledgedBeforeKill = outcome.filter((o) => o === 'acknowledged').length;
    expect(acknowledgedBeforeKill).toBeGreaterThanOrEqual(120);

    // Restart; the senders retry everything not acknowledged (in flight at the kill, or refused).
    const second = await startChild();
    for (let i = 0; i < reqs.length; i++) {
      if (outcome[i] === 'acknowledged') continue;
      outcome[i] = await send(second.url, reqs[i]!);
      expect(outcome[i], `request ${i} after restart`).toBe('acknowledged');
    }
    const replay = second.log().split('\n').find((l) => l.includes('spool: writing batches'));
    console.log(`acknowledged before the kill: ${acknowledgedBeforeKill} of ${reqs.length} requests; at restart: ${replay ?? 'nothing spooled'}`);
    // Graceful stop writes what is buffered.
    const secondExit = exited(second.child);
    second.child.kill('SIGTERM');
    const code = await secondExit;
    expect(code).toBe(0);

    const store = await PnlStore.open({ kind: 'embedded', dataDir: dir.path });
    try {
      const [r] = await store.select<{ rows: number; distinct: number }>('SELECT count() AS rows, uniqExact(trace_id, span_id) AS distinct FROM pnl.llm_calls');
      const [d] = await store.select<{ calls: number }>('SELECT sum(calls) AS calls FROM pnl.llm_costs_daily');
      const total = reqs.length * 100;
      expect({ rows: r!.rows, distinct: r!.distinct, dailyCalls: d!.calls }).toEqual({ rows: total, distinct: total, dailyCalls: total });
      // Every span acknowledged before the kill is there (a sample by id, all of them in practice).
      const ids = reqs.filter((_, i) => i < 50).flatMap((q) => q.spanIds);
      const [found] = await store.select<{ n: number }>('SELECT count() AS n FROM pnl.llm_calls WHERE span_id IN {ids:Array(String)}', { ids });
      expect(found!.n).toBe(ids.length);
    } finally {
      await store.close();
    }
  });
});
