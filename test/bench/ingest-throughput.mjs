// End-to-end ingestion benchmark (issue #2): OTLP/HTTP requests in, rows committed in embedded
// ClickHouse, for protobuf and JSON, beside the raw ClickHouse insert rate of the same rows and
// the cost of merely JSON.parse-ing the same requests. Prints figures; asserts nothing.
// Run: npm run bench (builds first). Size: BENCH_SPANS (default 307200 = 600 requests of 512).
// Each service first gets BENCH_WARMUP requests (default 100, other spans), timed on their own
// as the cold start, so the measured run is the service's steady state: JIT compilation of the
// whole request path took ~0.6 CPU-s of V8's background threads in a fresh service.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { requests } from './synthetic-spans.mjs';

const PER_REQUEST = 512;
const TOTAL = Number(process.env.BENCH_SPANS ?? 600 * PER_REQUEST);
const REQUESTS = Math.ceil(TOTAL / PER_REQUEST);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 100);
const CLK_TCK = 100;
const root = new URL('../..', import.meta.url).pathname;

const fmt = (n) => Math.round(n).toLocaleString('en-US');
const log = (...a) => console.log(...a);

function startService(dataDir) {
  const child = spawn(process.execPath, [join(root, 'exporter/dist/cli/main.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'info'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.on('data', (d) => {
      buf += d;
      for (const line of buf.split('\n')) {
        if (line.includes('"listening"')) return resolve({ child, url: JSON.parse(line).url });
      }
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}: ${buf}`)));
  });
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}
const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const statusKb = (pid, field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

/**
 * CPU seconds per thread group of the service: its main thread, the engine's own threads
 * (ClickHouse names them), and the other threads Node names "node" (the ingest worker, V8's
 * garbage-collection helpers, libuv's pool, which runs the engine's queries).
 */
function threadCpu(pid) {
  const groups = { main: 0, engine: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const name = /\((.*)\)/.exec(stat)[1];
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(f[11]) + Number(f[12])) / CLK_TCK;
    if (tid === String(pid)) groups.main += seconds;
    else if (name === 'node' || name.startsWith('v8:')) groups.other += seconds;
    else groups.engine += seconds;
  }
  return groups;
}

async function post(agent, url, body, contentType) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** Rows accepted and not yet committed, from /readyz. */
async function bufferedRows(url) {
  return (await (await fetch(`${url}/readyz`)).json()).bufferedRows;
}

/**
 * Sends the bodies, CONCURRENCY at a time; resolves when all are acknowledged and committed.
 * Commits are watched on /readyz (about 3 ms of service CPU per poll), not /metrics: a scrape
 * of this run's ~27,000 series takes 40-60 ms of the service's main thread, and polling it
 * every 20 ms added that to the measured run (a real Prometheus scrapes every 15 s or so).
 */
async function sendAll(agent, url, bodies, contentType) {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) await post(agent, url, bodies[next++], contentType);
  }));
  const acked = performance.now();
  while ((await bufferedRows(url)) > 0) await new Promise((r) => setTimeout(r, 20));
  return { acked, committed: performance.now() };
}

/** Throws unless the service has committed exactly `rows` rows in all. */
async function expectCommitted(url, rows) {
  const written = await metric(url, 'pnl_clickhouse_rows_written_total');
  if (written !== rows) throw new Error(`the service committed ${written} rows, expected ${rows}`);
}

/**
 * Runs one service and measures its steady state. `beside` (optional) runs right before and
 * right after the measured run, while the service idles, and its results are returned.
 */
async function runEndToEnd(label, bodies, contentType, spans, warmupBodies, beside = () => undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'pnl-bench-'));
  const { child, url } = await startService(dir);
  try {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    // Resident memory split: anonymous (heaps, buffers, engine caches) and file-backed (mostly the engine's 566 MB library, shared and reclaimable).
    let peakAnon = 0;
    let peakFile = 0;
    const sampler = setInterval(() => {
      peakAnon = Math.max(peakAnon, statusKb(child.pid, 'RssAnon'));
      peakFile = Math.max(peakFile, statusKb(child.pid, 'RssFile'));
    }, 50);
    const warmupSpans = warmupBodies.length * PER_REQUEST;
    let warm = '';
    if (warmupSpans > 0) {
      const w0 = performance.now();
      const { committed } = await sendAll(agent, url, warmupBodies, contentType);
      warm = `; cold start (the first ${fmt(warmupSpans)} spans, not counted above) ${fmt(warmupSpans / ((committed - w0) / 1000))} spans/s`;
      await expectCommitted(url, warmupSpans);
    }
    const before = beside();
    const cpu0 = cpuSeconds(child.pid);
    const threads0 = threadCpu(child.pid);
    const load0 = process.cpuUsage();
    const t0 = performance.now();
    const { acked: tAcked, committed: t1 } = await sendAll(agent, url, bodies, contentType);
    const cpu = cpuSeconds(child.pid) - cpu0;
    const threads1 = threadCpu(child.pid);
    const load = process.cpuUsage(load0);
    const after = beside();
    await expectCommitted(url, warmupSpans + spans);
    clearInterval(sampler);
    const rss = peakRssMb(child.pid);
    agent.destroy();
    const rate = spans / ((t1 - t0) / 1000);
    const us = (seconds) => ((seconds / spans) * 1e6).toFixed(1);
    log(`${label.padEnd(28)} ${fmt(rate).padStart(9)} spans/s end to end (all ${fmt(spans)} acknowledged after ${((tAcked - t0) / 1000).toFixed(2)} s = ${fmt(spans / ((tAcked - t0) / 1000))}/s, committed after ${((t1 - t0) / 1000).toFixed(2)} s); ${fmt(spans / cpu)} spans per CPU-second (${cpu.toFixed(2)} CPU-s); peak RSS ${rss.toFixed(0)} MB`);
    log(`${''.padEnd(28)} CPU-µs per span: main thread ${us(threads1.main - threads0.main)}, engine threads ${us(threads1.engine - threads0.engine)}, other threads (ingest worker, V8 helpers, libuv) ${us(threads1.other - threads0.other)}; load generator ${us((load.user + load.system) / 1e6)}; peak anonymous RSS ${(peakAnon / 1024).toFixed(0)} MB + file-backed ${(peakFile / 1024).toFixed(0)} MB${warm}`);
    return { rate, perCpu: spans / cpu, rss, anon: peakAnon / 1024, beside: [before, after] };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function rawInsertRate(protoBodies) {
  const { decodeTracesProtobuf } = await import(join(root, 'exporter/dist/receive/otlp-protobuf-decoder.js'));
  const { normalizeSpan, defaultNormalizeOptions } = await import(join(root, 'exporter/dist/normalize/index.js'));
  const { loadPriceBook } = await import(join(root, 'exporter/dist/price/index.js'));
  const { PnlStore } = await import(join(root, 'exporter/dist/store/pnl-store.js'));
  const options = defaultNormalizeOptions();
  const book = await loadPriceBook({});
  const rows = [];
  for (const body of protoBodies) for (const s of decodeTracesProtobuf(body)) {
    const n = normalizeSpan(s, options);
    if (n.kind === 'llm') rows.push(book.rate(n.call));
  }
  const dir = mkdtempSync(join(tmpdir(), 'pnl-bench-raw-'));
  const store = await PnlStore.open({ kind: 'embedded', dataDir: dir });
  try {
    const batch = 50_000;
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += batch) await store.insertBatch({ calls: rows.slice(i, i + batch), runs: [], outcomes: [] }, `raw-${i}`);
    const t1 = performance.now();
    return rows.length / ((t1 - t0) / 1000);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

log(`agentic-pnl ingestion benchmark: ${fmt(REQUESTS)} requests x ${PER_REQUEST} LLM spans (15 attributes each), ${CONCURRENCY} concurrent requests, embedded ClickHouse, node ${process.version}; each service warmed up with ${WARMUP} other requests first`);
const spanSets = requests(REQUESTS, PER_REQUEST, 42);
const protoBodies = spanSets.map((s) => Buffer.from(ProtobufTraceSerializer.serializeRequest(s)));
const jsonStrings = spanSets.map((s) => Buffer.from(JsonTraceSerializer.serializeRequest(s)).toString('utf8'));
const jsonBodies = jsonStrings.map((s) => Buffer.from(s));
const spans = REQUESTS * PER_REQUEST;
log(`request sizes: protobuf ${(protoBodies[0].length / 1024).toFixed(0)} KiB, JSON ${(jsonBodies[0].length / 1024).toFixed(0)} KiB`);

/** Baseline: the cost of reading the data at all, in spans/s. */
function jsonParseRate() {
  const t = performance.now();
  let sink = 0;
  for (const s of jsonStrings) sink += JSON.parse(s).resourceSpans.length;
  if (sink === 0) throw new Error('no resource spans parsed');
  return spans / ((performance.now() - t) / 1000);
}

const warmupSets = requests(WARMUP, PER_REQUEST, 7);
// The machine's speed drifts from second to second, so the baseline is taken right before and
// right after the protobuf run (the service idle meanwhile), and the ratio uses their mean.
const proto = await runEndToEnd('OTLP protobuf over HTTP', protoBodies, 'application/x-protobuf', spans, warmupSets.map((s) => Buffer.from(ProtobufTraceSerializer.serializeRequest(s))), jsonParseRate);
const parseRate = (proto.beside[0] + proto.beside[1]) / 2;
log(`${'JSON.parse baseline'.padEnd(28)} ${fmt(parseRate).padStart(9)} spans/s (mean of ${fmt(proto.beside[0])} right before and ${fmt(proto.beside[1])} right after the protobuf run)`);
const json = await runEndToEnd('OTLP JSON over HTTP', jsonBodies, 'application/json', spans, warmupSets.map((s) => Buffer.from(JsonTraceSerializer.serializeRequest(s))));
const raw = await rawInsertRate(protoBodies);
log(`${'raw ClickHouse insert'.padEnd(28)} ${fmt(raw).padStart(9)} rows/s (same rows, 50k-row batches, no HTTP/decode/pricing)`);
log('');
log(`protobuf end to end / JSON.parse baseline: ${(proto.rate / parseRate).toFixed(2)}   (target >= 0.5)`);
log(`JSON end to end / JSON.parse baseline:     ${(json.rate / parseRate).toFixed(2)}`);
log(`protobuf end to end / raw insert:          ${(proto.rate / raw).toFixed(2)}`);
log(`protobuf end to end:                       ${fmt(proto.rate)} spans/s   (target >= 60,000)`);
log(`per CPU-second (database included):        ${fmt(proto.perCpu)} = ${(proto.perCpu / 12000).toFixed(1)}x the Collector's 12k/CPU   (target >= 3x)`);
log(`peak RSS of the service:                   ${Math.max(proto.rss, json.rss).toFixed(0)} MB, of it anonymous ${Math.max(proto.anon, json.anon).toFixed(0)} MB   (target < 400 MB)`);
