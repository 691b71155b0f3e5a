// Renders docs/img/dashboard-ingest.png from live data: starts the service (embedded ClickHouse,
// temp dir) and a Prometheus scraping it every 2 s, both on loopback; sends OTLP traffic shaped
// to show every panel (a steady rate, a burst, a sender re-sending every 25th request, spans with
// negative token counts, undecodable bodies and a wrong content type); then renders the
// ingestion health dashboard with grafana/preview/render-previews.ts --prometheus. Everything
// stops by itself. Needs `npm run build`, `prometheus` on PATH and /usr/bin/chromium.
//
//   node grafana/preview/live-ingest-preview.mjs        # PREVIEW_MINUTES=8 by default
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { requests } from '../../test/bench/synthetic-spans.mjs';

const root = new URL('../..', import.meta.url).pathname;
const MINUTES = Number(process.env.PREVIEW_MINUTES ?? 8);
if (!(MINUTES >= 2 && MINUTES <= 60)) throw new Error(`PREVIEW_MINUTES must be 2-60, got ${process.env.PREVIEW_MINUTES}`);
const PER_REQUEST = 512;
const STEADY = 6_000; // spans/s
const BURST = 25_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const work = mkdtempSync(join(tmpdir(), 'pnl-ingest-preview-'));
const children = [];

async function freePort() {
  const s = createServer();
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Spawns a child and resolves once `ready()` says so (polled), or rejects when it exits first. */
async function start(name, command, args, ready) {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const exited = new Promise((_, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${log}`)));
    child.once('error', (err) => reject(new Error(`${name} could not start (${err.message}): is ${command} installed and on PATH?`)));
  });
  const until = Date.now() + 60_000;
  const poll = (async () => {
    while (Date.now() < until) {
      if (await ready().catch(() => false)) return child;
      await sleep(250);
    }
    throw new Error(`${name} not ready within 60 s: ${log}`);
  })();
  return Promise.race([poll, exited]);
}

/** A fresh request of PER_REQUEST spans; `invalid` of them report a negative input token count. */
let seed = 1;
function body(invalid = 0) {
  const [spans] = requests(1, PER_REQUEST, seed++);
  for (let i = 0; i < invalid; i++) spans[i].attributes['gen_ai.usage.input_tokens'] = -1;
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
}

async function main() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await start('agentic-pnl', process.execPath, [join(root, 'exporter/dist/cli/main.js'), 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', join(work, 'data'), '--log-level', 'warn'], async () => (await fetch(`${url}/readyz`)).ok);
  const promPort = await freePort();
  const promUrl = `http://127.0.0.1:${promPort}`;
  writeFileSync(join(work, 'prometheus.yml'), `global:\n  scrape_interval: 2s\nscrape_configs:\n  - job_name: agentic-pnl\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
  await start('prometheus', 'prometheus', [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'prom')}`, `--web.listen-address=127.0.0.1:${promPort}`], async () => (await fetch(`${promUrl}/-/ready`)).ok);
  console.log(`service ${url}, Prometheus ${promUrl}; sending traffic for ${MINUTES} min`);

  const began = Date.now();
  const end = began + MINUTES * 60_000;
  let n = 0; // requests
  let inFlight = 0;
  const post = async (b, type = 'application/x-protobuf') => {
    inFlight++;
    try {
      await (await fetch(`${url}/v1/traces`, { method: 'POST', body: b, headers: { 'content-type': type } })).arrayBuffer();
    } catch {
      // counted by the service if it answered; a refused connection is only this run's loss
    } finally {
      inFlight--;
    }
  };
  let lastLog = began;
  // Spans allowed to be sent now: grows at the phase's rate, capped so a slow spell is not caught up.
  let budget = 0;
  let last = began;
  while (Date.now() < end) {
    const now = Date.now();
    const t = (now - began) / (end - began);
    const rate = t >= 0.35 && t < 0.5 ? BURST : STEADY;
    budget = Math.min(budget + (rate * (now - last)) / 1000, PER_REQUEST * 8);
    last = now;
    while (budget >= PER_REQUEST && inFlight < 4) {
      n++;
      const b = body(n % 30 === 0 ? 20 : 0);
      void post(b);
      if (n % 25 === 0) void post(b); // a sender retrying a request that was accepted
      if (n % 150 === 0) void post(Buffer.from('not protobuf at all'));
      if (n % 300 === 0) void post(b, 'text/plain');
      budget -= PER_REQUEST;
    }
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      console.log(`  ${Math.round((Date.now() - began) / 1000)} s: ${n} requests, ${n * PER_REQUEST} spans`);
    }
    await sleep(20);
  }
  while (inFlight > 0) await sleep(50);
  await sleep(10_000); // the last inserts and two more scrapes
  execFileSync(process.execPath, ['--import', 'tsx', join(root, 'grafana/preview/render-previews.ts'), '--only', 'pnl-ingest', '--prometheus', promUrl, '--range', `now-${MINUTES + 1}m`], { stdio: 'inherit', cwd: root });
}

const bound = setTimeout(() => {
  console.error('stopped: took longer than PREVIEW_MINUTES + 5 min');
  for (const c of children) c.kill('SIGKILL');
  process.exit(2);
}, (MINUTES + 5) * 60_000);
try {
  await main();
} finally {
  clearTimeout(bound);
  for (const c of children.reverse()) {
    if (c.pid === undefined || c.exitCode !== null) continue; // never started, or already gone
    c.kill('SIGTERM');
    await new Promise((resolve) => c.once('exit', resolve));
  }
  rmSync(work, { recursive: true, force: true });
}
