/*
 * `npm run fuzz`: the full fuzz run (about 110,000 generated inputs at FUZZ_SCALE=1) against the
 * OTLP decoders, body reading, the ingest pipeline, and the real service over HTTP.
 *
 *   FUZZ_SEED   master seed (default: random); printed at start and end, each property derives its own
 *   FUZZ_SCALE  multiplies every property's run count (default 1)
 *   FUZZ_ONLY   comma-separated property names (or name prefixes, e.g. "json/", "http/") to run
 *   FUZZ_PATH   with FUZZ_SEED and one FUZZ_ONLY property: replay a reported counterexample
 *   FUZZ_HTTP   0 to skip the HTTP properties (no service started)
 *
 * Exits 1 if any property failed. A synchronous hang cannot be interrupted from JavaScript, so a
 * watchdog thread reports the property, seed and run that stopped making progress, then kills
 * the process.
 */
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { bodyProperty } from './body-properties.js';
import { decoderProperties, type FuzzProperty } from './decoder-properties.js';
import { describeFailure, runProperty, type FuzzResult } from './fuzz-runner.js';
import { abortedUploadProperty, apiHttpProperty, tracesHttpProperty, watchErrorLogs } from './http-properties.js';
import { PipelineHarness } from './pipeline-harness.js';

const HANG_SECONDS = 120;
const HTTP_MAX_BODY_BYTES = 256 * 1024;

const seed = process.env['FUZZ_SEED'] !== undefined && process.env['FUZZ_SEED'] !== '' ? Number(process.env['FUZZ_SEED']) | 0 : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
const scale = Number(process.env['FUZZ_SCALE'] ?? '1');
const only = (process.env['FUZZ_ONLY'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
const path = process.env['FUZZ_PATH'] || undefined;
const withHttp = process.env['FUZZ_HTTP'] !== '0';

const selected = (name: string): boolean => only.length === 0 || only.some((o) => name === o || name.startsWith(o));

/** A watchdog on its own thread: the main thread may be stuck in a synchronous loop. */
function startWatchdog(heartbeat: Int32Array): Worker {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    const beat = new Int32Array(workerData.sab);
    let current = '(starting)', last = -1, since = Date.now();
    parentPort.on('message', (m) => { current = m; });
    setInterval(() => {
      const now = Atomics.load(beat, 0);
      if (now !== last) { last = now; since = Date.now(); return; }
      if (Date.now() - since > ${HANG_SECONDS * 1000}) {
        writeSync(2, '\\nHANG: no progress for ${HANG_SECONDS} s in ' + current + ' at run index ' + Atomics.load(beat, 1) + '\\n' +
          'replay: FUZZ_SEED=${seed} FUZZ_ONLY=<property> FUZZ_PATH=<run index> npm run fuzz\\n');
        process.kill(process.pid, 'SIGKILL');
      }
    }, 1000);`;
  const worker = new Worker(code, { eval: true, workerData: { sab: heartbeat.buffer } });
  worker.unref();
  return worker;
}

function line(r: FuzzResult): string {
  const stats = Object.entries(r.stats).map(([k, v]) => `${k}=${v}`).join(' ');
  return `${r.failed ? 'FAIL' : 'ok  '} ${r.name.padEnd(28)} ${String(r.runs).padStart(7)} inputs ${(r.ms / 1000).toFixed(1).padStart(7)} s  ${stats}`;
}

async function main(): Promise<number> {
  const started = performance.now();
  console.log(`fuzz: seed ${seed}, scale ${scale}${only.length > 0 ? `, only ${only.join(',')}` : ''}${path !== undefined ? `, path ${path}` : ''}`);
  const heartbeat = new Int32Array(new SharedArrayBuffer(8));
  const watchdog = startWatchdog(heartbeat);

  const pipeline = await PipelineHarness.create();
  const props: FuzzProperty[] = [...decoderProperties(pipeline), bodyProperty(4_000)];
  let svc: TestService | undefined;
  let logs: ReturnType<typeof watchErrorLogs> | undefined;
  const httpNames = ['http/traces', 'http/aborted-uploads', 'http/api-routes'];
  if (withHttp && httpNames.some(selected)) {
    svc = await startTestService({ maxBodyBytes: HTTP_MAX_BODY_BYTES, logLevel: 'warn' });
    logs = watchErrorLogs();
    const target = { url: svc.url, maxBodyBytes: HTTP_MAX_BODY_BYTES, takeErrorLogs: () => logs!.take() };
    props.push(tracesHttpProperty(target, 2_500), abortedUploadProperty(target, 300), apiHttpProperty(target, 2_500));
  }

  const results: FuzzResult[] = [];
  try {
    for (const p of props.filter((x) => selected(x.name))) {
      const r = await runProperty(p, {
        seed,
        scale,
        ...(path !== undefined ? { path } : {}),
        onStart: (prop, s, runs) => {
          watchdog.postMessage(`${prop.name} (property seed ${s}, ${runs} runs)`);
          Atomics.store(heartbeat, 1, 0);
          Atomics.add(heartbeat, 0, 1);
        },
        beforeEachRun: () => {
          Atomics.add(heartbeat, 0, 1);
          Atomics.add(heartbeat, 1, 1);
        },
      });
      results.push(r);
      console.log(line(r));
      if (r.failed) console.log(describeFailure(r, seed));
    }
    if (svc !== undefined) {
      const health = await fetch(`${svc.url}/healthz`);
      console.log(`service /healthz after fuzzing: ${health.status}`);
      if (health.status !== 200) results.push({ name: 'http/healthz-after', seed, runs: 1, failed: true, ms: 0, stats: {}, error: `status ${health.status}` });
    }
  } finally {
    logs?.stop();
    await svc?.stop();
  }

  const total = results.reduce((n, r) => n + r.runs, 0);
  const failed = results.filter((r) => r.failed);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`fuzz: ${total} generated inputs, ${failed.length} failing properties, ${results.length - failed.length} passing, ${seconds} s, seed ${seed}`);
  for (const r of failed) writeSync(1, `${describeFailure(r, seed)}\n`);
  return failed.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fuzz: crashed: ${(err as Error).stack ?? String(err)} (seed ${seed})`);
    process.exit(2);
  },
);
