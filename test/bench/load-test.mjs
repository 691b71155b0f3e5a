// Loopback load test (issue #7): sustained OTLP/HTTP protobuf requests at a fixed rate for minutes
// (autocannon), sampling the service's RSS, CPU and spool every 5 s; at the end every
// acknowledged span is looked up in ClickHouse: lost and duplicated spans must both be zero.
// Prints figures and writes them to .tmp/load-test-<time>.json; exits 1 on a lost or duplicated
// span, 2 when the run could not be judged (service died, did not drain, time bound reached).
// Not part of run-all.mjs (it takes minutes). Run: npm run load-test
// Knobs: LOAD_SECONDS (180), LOAD_RATE spans/s (20000), LOAD_CONNECTIONS (8); the service reads
// its usual PNL_* variables. Bounded: the whole script stops after LOAD_SECONDS + 60 s.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { requests } from './synthetic-spans.mjs';

const root = new URL('../..', import.meta.url).pathname;
const SECONDS = positive('LOAD_SECONDS', 180);
const RATE = positive('LOAD_RATE', 20_000);
const CONNECTIONS = positive('LOAD_CONNECTIONS', 8);
const PER_REQUEST = 512;
const TEMPLATES = 16;
const SAMPLE_MS = 5_000;
const REQ_PER_S = Math.max(1, Math.round(RATE / PER_REQUEST));
const BOUND_MS = (SECONDS + 60) * 1000;
const CLK_TCK = 100;
const started = Date.now();

function positive(name, dflt) {
  const v = Number(process.env[name] ?? dflt);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, got "${process.env[name]}"`);
  return v;
}
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const elapsed = () => (Date.now() - started) / 1000;
const remainingMs = () => BOUND_MS - (Date.now() - started);

/**
 * Request bodies with spans never sent before: a few serialized templates whose trace and span
 * ids are rewritten in place for each request. The ids carry the run nonce, the request index and
 * the span index, so the stored rows can be matched to the requests that were acknowledged.
 */
function bodyFactory() {
  const nonce = randomBytes(4);
  nonce[0] |= 0x80; // never all zeros
  const templates = requests(TEMPLATES, PER_REQUEST, 7).map((spans) => {
    const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans));
    const offsets = spans.map((s) => {
      const { traceId, spanId } = s.spanContext();
      const t = bytes.indexOf(Buffer.from(traceId, 'hex'));
      const sp = bytes.indexOf(Buffer.from(spanId, 'hex'), t);
      if (t < 2 || bytes[t - 2] !== 0x0a || bytes[t - 1] !== 0x10 || bytes[sp - 2] !== 0x12 || bytes[sp - 1] !== 0x08) throw new Error('unexpected protobuf layout of a span');
      return [t, sp];
    });
    return { bytes, offsets };
  });
  const body = (index) => {
    const { bytes, offsets } = templates[index % TEMPLATES];
    for (let i = 0; i < offsets.length; i++) {
      const [t, s] = offsets[i];
      nonce.copy(bytes, t); // trace id: nonce(4) request(4) span(2) template(6)
      bytes.writeUInt32BE(index, t + 4);
      bytes.writeUInt16BE(i, t + 8);
      bytes.writeUInt32BE(index, s); // span id: request(4) span(2) 0x0001
      bytes.writeUInt16BE(i, s + 4);
      bytes.writeUInt16BE(1, s + 6);
    }
    return bytes; // reused: autocannon copies it into its request buffer at once
  };
  return { nonce: nonce.toString('hex'), body, size: templates[0].bytes.length };
}

/** The decoder the service uses must read back exactly the ids written (checked once). */
async function checkBodies(factory) {
  const { decodeTracesProtobuf } = await import(join(root, 'exporter/dist/receive/otlp-protobuf-decoder.js'));
  const spans = decodeTracesProtobuf(Buffer.from(factory.body(0x01020304)));
  const want = `${factory.nonce}01020304`;
  const ok = spans.length === PER_REQUEST && spans.every((s, i) => s.traceId.startsWith(`${want}${i.toString(16).padStart(4, '0')}`) && s.spanId === `01020304${i.toString(16).padStart(4, '0')}0001`);
  if (!ok) throw new Error('rewritten request bodies do not decode to the expected ids');
}

function startService(dataDir, logs) {
  const args = [join(root, 'exporter/dist/cli/main.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, '--log-level', 'info'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const line of lines) {
        let entry;
        try {
          entry = JSON.parse(line);
        } catch {
          entry = { level: 'raw', msg: line.slice(0, 200) };
        }
        if (entry.msg === 'listening') resolve({ child, url: entry.url });
        if (entry.level !== 'info' && entry.level !== 'debug') logs.push({ t: elapsed(), level: entry.level, msg: entry.msg, error: entry.error ?? entry.reason });
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`service exited (${code ?? signal}) before listening: ${JSON.stringify(logs.slice(-3))}`)));
  });
}

function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

async function metrics(url) {
  const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(4000) })).text();
  const read = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    spoolBytes: read('pnl_spool_bytes'),
    bufferRows: read('pnl_buffer_rows'),
    rowsWritten: read('pnl_clickhouse_rows_written_total'),
    heapUsedMb: Math.round(read('pnl_process_nodejs_heap_size_used_bytes') / 2 ** 20),
    externalMb: Math.round(read('pnl_process_nodejs_external_memory_bytes') / 2 ** 20),
  };
}

/** Every 5 s: RSS, CPU, spool, buffered rows, requests answered; one progress line each. */
function startSampler(child, url, counts) {
  const samples = [];
  let last = { t: performance.now(), cpu: cpuSeconds(child.pid), acked: 0, written: 0 };
  const t0 = last.t;
  const timer = setInterval(() => sample().catch((err) => console.error(`sample failed: ${err.message}`)), SAMPLE_MS);
  async function sample() {
    const now = performance.now();
    const cpu = cpuSeconds(child.pid);
    const s = { t: Math.round((now - t0) / 1000), rssMb: Math.round(rssMb(child.pid)), cpuPct: Math.round(((cpu - last.cpu) / ((now - last.t) / 1000)) * 100), requests: counts.answered, acked: counts.acked, non200: counts.answered - counts.acked, load1: loadavg()[0] };
    s.spansPerS = Math.round(((counts.acked - last.acked) * PER_REQUEST) / ((now - last.t) / 1000));
    try {
      Object.assign(s, await metrics(url));
      s.writtenPerS = Math.round((s.rowsWritten - last.written) / ((now - last.t) / 1000));
    } catch (err) {
      s.metricsError = err.message;
    }
    last = { t: now, cpu, acked: counts.acked, written: s.rowsWritten ?? last.written };
    samples.push(s);
    console.log(`[${String(s.t).padStart(4)} s] ${fmt(s.requests)} answered (${fmt(s.non200)} not 200), ${fmt(s.spansPerS)} spans/s acked | service RSS ${s.rssMb} MB (V8 heap ${s.heapUsedMb ?? '?'} MB), CPU ${s.cpuPct}% | spool ${((s.spoolBytes ?? 0) / 2 ** 20).toFixed(1)} MiB, buffered ${fmt(s.bufferRows ?? 0)} rows, ${fmt(s.writtenPerS ?? 0)} rows/s written | load ${s.load1.toFixed(2)}`);
  }
  return { samples, stop: () => clearInterval(timer) };
}

/** autocannon at REQ_PER_S over CONNECTIONS keep-alive connections; each request a new body. */
function runLoad(url, factory, counts) {
  const status = new Map(); // request index -> HTTP status of its answer
  let next = 0;
  const opts = {
    url: `${url}/v1/traces`,
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    connections: CONNECTIONS,
    overallRate: REQ_PER_S,
    duration: SECONDS,
    timeout: 10,
    // Latencies as measured: with a rate, autocannon's coordinated-omission correction assumes
    // an interval of ceil(1/rate) ms = 1 ms and adds hundreds of fictitious fast samples.
    ignoreCoordinatedOmission: true,
    requests: [{
      setupRequest: (req, context) => {
        context.index = next++;
        req.body = factory.body(context.index);
        return req;
      },
      onResponse: (code, body, context, headers) => {
        status.set(context.index, code);
        counts.answered++;
        if (code === 200) counts.acked++;
        if (code === 200 && body.length > 0) counts.partial++;
        if (code !== 200) counts.retryAfter.add(headers['retry-after'] ?? headers['Retry-After'] ?? '-');
      },
    }],
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve({ result, status, sent: next })));
    counts.stopLoad = () => instance.stop();
  });
}

/**
 * Waits (bounded) until /readyz is 200 with nothing buffered and an empty spool (the writer's own
 * counts). The pnl_buffer_rows gauge is recorded beside them but not waited on: it is only set
 * when a request arrives or an insert ends, so after the last insert it can stay stale.
 */
async function drain(url, maxMs) {
  const until = Date.now() + maxMs;
  let last;
  while (Date.now() < until) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      last = { status: res.status, ...(await res.json()) };
      if (res.status === 200 && last.bufferedRows === 0 && last.spoolBytes === 0) return { drained: true, ...last, gauge: await metrics(url) };
    } catch (err) {
      last = { error: err.message };
    }
    await sleep(250);
  }
  return { drained: false, ...last };
}

async function stopService(child, maxMs) {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode, alreadyExited: true };
  const exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  child.kill('SIGTERM');
  const res = await Promise.race([exited, sleep(maxMs).then(() => undefined)]);
  if (res !== undefined) return res;
  child.kill('SIGKILL');
  return { ...(await exited), killedAfterMs: maxMs };
}

/** Opens the data dir in this process and matches stored spans to acknowledged requests. */
async function verifyStore(dataDir, nonce, status) {
  const { PnlStore } = await import(join(root, 'exporter/dist/store/pnl-store.js'));
  const store = await PnlStore.open({ kind: 'embedded', dataDir });
  try {
    const [all] = await store.select('SELECT count() AS rows, uniqExact(trace_id, span_id) AS spans, countIf(NOT startsWith(trace_id, {n:String})) AS foreign FROM pnl.llm_calls', { n: nonce });
    const perRequest = await store.select(
      'SELECT substring(trace_id, 9, 8) AS req, uniqExact(trace_id, span_id) AS spans FROM pnl.llm_calls WHERE startsWith(trace_id, {n:String}) GROUP BY req',
      { n: nonce },
    );
    const stored = new Map(perRequest.map((r) => [parseInt(r.req, 16), Number(r.spans)]));
    let lost = 0;
    let lostRequests = 0;
    let storedUnacked = 0;
    for (const [index, code] of status) if (code === 200 && (stored.get(index) ?? 0) < PER_REQUEST) {
      lost += PER_REQUEST - (stored.get(index) ?? 0);
      lostRequests++;
    }
    for (const [index, n] of stored) if (status.get(index) !== 200) storedUnacked += n;
    return { rows: Number(all.rows), distinctSpans: Number(all.spans), foreignRows: Number(all.foreign), duplicates: Number(all.rows) - Number(all.spans), lost, lostRequests, storedUnacked };
  } finally {
    await store.close();
  }
}

function summarize(load, samples, cpu, outcome) {
  const { result, status, sent } = load;
  const acked = [...status.values()].filter((c) => c === 200).length;
  const byStatus = {};
  for (const c of status.values()) if (c !== 200) byStatus[c] = (byStatus[c] ?? 0) + 1;
  const rss = samples.map((s) => s.rssMb);
  const seconds = result.duration;
  return {
    seconds,
    requestsSent: sent,
    requestsAnswered: status.size,
    requestsAcked: acked,
    spansAcked: acked * PER_REQUEST,
    spansPerS: Math.round((acked * PER_REQUEST) / seconds),
    requestsPerS: +(acked / seconds).toFixed(1),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
    non200: byStatus,
    errors: result.errors,
    timeouts: result.timeouts,
    unanswered: sent - status.size,
    rssMb: { min: Math.min(...rss), max: Math.max(...rss), last: rss.at(-1) },
    serviceCpuSeconds: +cpu.toFixed(1),
    serviceCpuPct: Math.round((cpu / seconds) * 100),
    spansPerCpuSecond: Math.round((acked * PER_REQUEST) / cpu),
    ...outcome,
  };
}

function report(r) {
  const l = r.latencyMs;
  console.log(`
duration ${r.seconds} s; requests sent ${fmt(r.requestsSent)}, answered ${fmt(r.requestsAnswered)}, 200 ${fmt(r.requestsAcked)}
spans acknowledged ${fmt(r.spansAcked)}; throughput ${fmt(r.spansPerS)} spans/s = ${r.requestsPerS} requests/s (target ${fmt(REQ_PER_S * PER_REQUEST)} spans/s${r.spansPerS < 0.95 * REQ_PER_S * PER_REQUEST ? ': NOT HELD: answers came too slowly for the connections to keep the rate' : ''})
latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms
not 200: ${JSON.stringify(r.non200)} (Retry-After ${JSON.stringify(r.retryAfter)}); 200 with partial_success: ${r.partial}; socket errors ${r.errors} (timeouts ${r.timeouts}); unanswered at stop ${r.unanswered}
service RSS min ${r.rssMb.min} MB, max ${r.rssMb.max} MB, last ${r.rssMb.last} MB; CPU ${r.serviceCpuSeconds} s = ${r.serviceCpuPct}% of one core, ${fmt(r.spansPerCpuSecond)} spans per CPU-second
load generator CPU ${r.generatorCpuSeconds} s; machine load average ${r.loadBefore} before, ${r.loadAfter} after
drained: ${r.drain.drained} after ${r.drainSeconds} s (pnl_buffer_rows gauge then ${r.drain.gauge?.bufferRows ?? '?'}); service stop: ${JSON.stringify(r.stop)}
stored rows ${fmt(r.store?.rows ?? NaN)}, distinct spans ${fmt(r.store?.distinctSpans ?? NaN)}, stored but not acknowledged ${fmt(r.store?.storedUnacked ?? NaN)}
LOST ${r.store?.lost ?? 'unknown'} spans (${r.store?.lostRequests ?? '?'} requests), DUPLICATES ${r.store?.duplicates ?? 'unknown'}`);
}

const dataDir = mkdtempSync(join(tmpdir(), 'pnl-load-'));
let child;
const cleanup = () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
};
process.once('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(130));
const watchdog = setTimeout(() => {
  console.error(`load test: hard bound of ${BOUND_MS / 1000} s reached; stopping`);
  process.exit(2);
}, BOUND_MS);
watchdog.unref();

async function main() {
  const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
  const factory = bodyFactory();
  await checkBodies(factory);
  console.log(`agentic-pnl load test: ${SECONDS} s at ${fmt(REQ_PER_S * PER_REQUEST)} spans/s (${REQ_PER_S} requests/s of ${PER_REQUEST} LLM spans, ${(factory.size / 1024).toFixed(0)} KiB protobuf), ${CONNECTIONS} connections, loopback, node ${process.version}; load average ${loadBefore}`);
  const logs = [];
  const svc = await startService(dataDir, logs);
  child = svc.child;
  if (new URL(svc.url).hostname !== '127.0.0.1') throw new Error(`service is not on loopback: ${svc.url}`);
  const counts = { answered: 0, acked: 0, partial: 0, retryAfter: new Set() };
  let died;
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) died ??= { code, signal, t: elapsed() };
    counts.stopLoad?.();
  });
  const cpu0 = cpuSeconds(child.pid);
  const gen0 = process.cpuUsage();
  const sampler = startSampler(child, svc.url, counts);
  const load = await runLoad(svc.url, factory, counts);
  sampler.stop();
  const generatorCpuSeconds = +((process.cpuUsage(gen0).user + process.cpuUsage(gen0).system) / 1e6).toFixed(1);
  const tDrain = performance.now();
  const drainState = died ? { drained: false, error: 'service died' } : await drain(svc.url, Math.max(0, Math.min(30_000, remainingMs() - 25_000)));
  const drainSeconds = +((performance.now() - tDrain) / 1000).toFixed(1);
  const cpu = died ? NaN : cpuSeconds(child.pid) - cpu0;
  stopping = true;
  const stop = await stopService(child, Math.min(15_000, Math.max(1000, remainingMs() - 10_000)));
  const store = await verifyStore(dataDir, factory.nonce, load.status);
  const loadAfter = loadavg().map((x) => x.toFixed(2)).join(' ');
  const r = summarize(load, sampler.samples, cpu, {
    partial: counts.partial, retryAfter: [...counts.retryAfter], generatorCpuSeconds, loadBefore, loadAfter, drain: drainState, drainSeconds, stop, died, store,
    serviceWarnings: logs.length, serviceWarningsFirst: logs.slice(0, 10),
    params: { seconds: SECONDS, rate: RATE, requestsPerS: REQ_PER_S, spansPerRequest: PER_REQUEST, connections: CONNECTIONS, node: process.version, pnlEnv: Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PNL_'))) },
    samples: sampler.samples,
  });
  report(r);
  if (logs.length > 0) console.log(`service warnings/errors: ${logs.length}, first: ${JSON.stringify(logs.slice(0, 3))}`);
  mkdirSync(join(root, '.tmp'), { recursive: true });
  const file = join(root, '.tmp', `load-test-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  console.log(`result written to ${file}`);
  if (died || !drainState.drained) return 2;
  return store.lost === 0 && store.duplicates === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`load test failed: ${err.stack ?? err}`);
    process.exit(2);
  },
);
