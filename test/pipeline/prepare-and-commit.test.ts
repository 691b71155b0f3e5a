import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../exporter/src/config/config.js';
import { SeenSpans } from '../../exporter/src/dedupe/seen-spans.js';
import { createLogger } from '../../exporter/src/log/logger.js';
import { PnlMetrics } from '../../exporter/src/metrics/pnl-metrics.js';
import { BatchWriter, type BatchSink } from '../../exporter/src/pipeline/batch-writer.js';
import { IngestWorkerError, IngestWorkers } from '../../exporter/src/pipeline/ingest-workers.js';
import { Pipeline } from '../../exporter/src/pipeline/pipeline.js';
import { prepareSpans, type PreparedRequest } from '../../exporter/src/pipeline/prepare-spans.js';
import { RowBatch } from '../../exporter/src/pipeline/row-batch.js';
import { loadPriceBook, type PriceBook } from '../../exporter/src/price/index.js';
import { OtlpDecodeError } from '../../exporter/src/receive/decode-error.js';
import { decodeTracesProtobuf } from '../../exporter/src/receive/otlp-protobuf-decoder.js';
import { normalizeOptionsFrom } from '../../exporter/src/service/normalize-options-from-config.js';
import { Spool } from '../../exporter/src/spool/spool.js';
import { SpoolError } from '../../exporter/src/spool/spool-error.js';
import { aggregateDaily } from '../../exporter/src/store/daily-aggregates.js';
import { normalizeSpan } from '../../exporter/src/normalize/index.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';
import { requests } from '../bench/synthetic-spans.mjs';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';

const logger = createLogger('silent');
const config = loadConfig({});
const SALT = 'test-salt';
let priceBook: PriceBook;
let workers: IngestWorkers;
const dirs: Array<{ remove: () => void }> = [];

beforeAll(async () => {
  priceBook = await loadPriceBook();
  workers = await IngestWorkers.start(2, { config, hashSalt: SALT }, logger);
});
afterAll(async () => {
  await workers.close();
  dirs.forEach((d) => d.remove());
});

const prepareInline = (body: Buffer, isKnown: (key: string) => boolean = () => false): PreparedRequest =>
  prepareSpans(decodeTracesProtobuf(body), { normalizeOptions: normalizeOptionsFrom(config, SALT), priceBook, isKnown });


describe('preparing requests in ingest workers', () => {
  it('gives exactly what preparing on the main thread gives: the same RowBinary bytes, daily sums, keys and metric sums', async () => {
    for (const { body } of uniqueRequests(3, 256, 11)) {
      const [inWorker, inline] = [await workers.prepare(body, 'protobuf'), prepareInline(body)];
      expect(inWorker.encoded.callRows).toBe(256);
      expect(Buffer.isBuffer(inWorker.encoded.calls)).toBe(true);
      expect(inWorker.encoded.calls.equals(inline.encoded.calls)).toBe(true);
      expect(inWorker.encoded.keys).toEqual(inline.encoded.keys);
      expect(inWorker.encoded.dailyRows).toBeGreaterThan(0);
      expect(Buffer.isBuffer(inWorker.encoded.daily) && inWorker.encoded.daily.equals(inline.encoded.daily)).toBe(true);
      // The lags differ by the time between the two preparations; everything else is equal.
      expect({ ...inWorker.tally, lagCounts: [], lagSum: 0 }).toEqual({ ...inline.tally, lagCounts: [], lagSum: 0 });
      expect(inWorker.tally.lagCounts.reduce((a, b) => a + b)).toBe(256);
      expect(inWorker.tally.lagSum).toBeGreaterThan(0);
    }
  });

  it('rejects protobuf ids of the wrong length or all zeros as the main thread does, though it skips the hex pattern', async () => {
    const spans = requests(1, 6, 5)[0]!;
    const ids: Array<[string, string]> = [
      ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331'],
      ['0af7651916cd43dd', 'b7ad6b7169203331'], // trace id of 8 bytes
      ['0af7651916cd43dd8448eb211c80319c', 'b7ad6b71'], // span id of 4 bytes
      ['0'.repeat(32), 'b7ad6b7169203332'],
      ['0af7651916cd43dd8448eb211c80319c', '0'.repeat(16)],
      ['0af7651916cd43dd8448eb211c80319c00', 'b7ad6b7169203333'], // 17 bytes
    ];
    spans.forEach((span, i) => {
      const [traceId, spanId] = ids[i]!;
      // The synthetic spans are plain objects: their spanContext can be replaced.
      (span as { spanContext: () => { traceId: string; spanId: string; traceFlags: number } }).spanContext = () => ({ traceId, spanId, traceFlags: 1 });
    });
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const [inWorker, inline] = [await workers.prepare(body, 'protobuf'), prepareInline(body)];
    expect(inWorker.rejectedByReason).toEqual({ invalid_ids: 5 });
    expect(inWorker.encoded.keys).toEqual([SeenSpans.key(...ids[0]!)]);
    expect({ ...inWorker, encoded: null, tally: null }).toEqual({ ...inline, encoded: null, tally: null });
  });

  it('rejects a body that is not OTLP with the decoder error (answered 400), and keeps serving', async () => {
    await expect(workers.prepare(Buffer.from('not protobuf at all \u00ff\u00ff'), 'protobuf')).rejects.toBeInstanceOf(OtlpDecodeError);
    await expect(workers.prepare(Buffer.from('{"resourceSpans": 7'), 'json')).rejects.toBeInstanceOf(OtlpDecodeError);
    const { body } = uniqueRequests(1, 8, 12)[0]!;
    expect((await workers.prepare(body, 'protobuf')).encoded.callRows).toBe(8);
  });
});

describe('an ingest worker that dies', () => {
  it('fails its requests in flight with IngestWorkerError and is replaced', async () => {
    const pool = await IngestWorkers.start(1, { config, hashSalt: SALT }, logger);
    try {
      const { body } = uniqueRequests(1, 4096, 16)[0]!; // ~50 ms of work: killed long before it is done
      // The pool's only worker, reached the way nothing in the product does: to kill it.
      const [slot] = (pool as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
      const inFlight = pool.prepare(body, 'protobuf');
      await slot!.worker.terminate();
      await expect(inFlight).rejects.toBeInstanceOf(IngestWorkerError);
      for (let i = 0; i < 500 && pool.size === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(pool.size).toBe(1);
      expect((await pool.prepare(body, 'protobuf')).encoded.callRows).toBe(4096);
    } finally {
      await pool.close();
    }
  });
  it('gives a worker that was starting during a price reload the reloaded prices', async () => {
    const pool = await IngestWorkers.start(1, { config, hashSalt: SALT }, logger);
    try {
      const { proto } = await otlpBodies([
        { name: 'chat llama-local', attributes: chatAttributes('llama-local', { input_tokens: 1_000_000, output_tokens: 0 }, { 'gen_ai.provider.name': 'my-vllm' }) },
      ]);
      const usdOf = async () => (await pool.prepare(proto, 'protobuf')).tally.calls[1];
      expect(await usdOf()).toBe(0); // unknown to the catalog: unpriced
      const [slot] = (pool as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> }).slots;
      await slot!.worker.terminate(); // its replacement starts now, from the setup as it is
      expect(pool.size).toBe(0);
      await pool.reloadPrices({ text: 'version: 1\noverrides:\n  - { id: llama, provider: my-vllm, model: llama-local, input_mtok: 2, output_mtok: 0 }\n', source: 'test' });
      for (let i = 0; i < 500 && pool.size === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await usdOf()).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it('leaves the service answering 200 and storing every span while it is replaced', async () => {
    const svc = await startTestService();
    try {
      const workersOf = svc.service.core.workers as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }> };
      expect(workersOf.slots).toHaveLength(1);
      const killed = workersOf.slots[0]!.worker.terminate();
      const requests = uniqueRequests(3, 200, 17);
      const statuses = await Promise.all(requests.map((r) => postTraces(svc.url, r.body, PROTOBUF).then((a) => a.status)));
      await killed;
      expect(statuses).toEqual([200, 200, 200]);
      await svc.service.core.writer.flush();
      const [row] = await svc.service.core.store.select<{ n: number }>('SELECT count() AS n FROM pnl.llm_calls');
      expect(Number(row!.n)).toBe(600);
    } finally {
      await svc.stop();
    }
  });
});

describe('committing a prepared request', () => {
  function pipeline() {
    const dir = tempDir('pnl-commit-');
    dirs.push(dir);
    const committed: RowBatch[] = [];
    const sink: BatchSink = {
      async insertBatch(batch) {
        committed.push(batch);
      },
    };
    const { spool } = Spool.open(dir.path, { maxBytes: 1 << 30, fsync: false, logger });
    const writer = new BatchWriter(sink, spool, { maxRows: 100_000, maxDelayMs: 10_000, maxMemoryRows: 100_000, logger });
    const seen = new SeenSpans(10_000);
    const metrics = new PnlMetrics({ topCustomers: 5, defaultMetrics: false });
    const p = new Pipeline({ normalizeOptions: normalizeOptionsFrom(config, SALT), priceBook, seen, metrics, writer });
    return { p, seen, writer, committed, metrics };
  }

  it('changes nothing when a span of it was accepted after it was prepared; ingesting again drops only that span', async () => {
    const { p, seen, writer, committed } = pipeline();
    const { body } = uniqueRequests(1, 20, 13)[0]!;
    const prepared = await workers.prepare(body, 'protobuf');
    const raced = prepared.encoded.keys[7]!;
    seen.add(raced); // another request carrying this span was accepted meanwhile
    expect(p.commit(prepared)).toBeUndefined();
    expect(writer.bufferedRows).toBe(0);
    expect(prepared.encoded.keys.filter((k) => seen.has(k))).toEqual([raced]);

    const result = p.ingest(decodeTracesProtobuf(body));
    expect(result).toMatchObject({ received: 20, accepted: 19, duplicates: 1 });
    await writer.close();
    expect(committed.map((b) => b.callRows)).toEqual([19]);
  });

  it('accepts a request once: the same prepared request committed twice is refused the second time', async () => {
    const { p, writer, metrics } = pipeline();
    const { body } = uniqueRequests(1, 10, 14)[0]!;
    const prepared = await workers.prepare(body, 'protobuf');
    expect(p.commit(prepared)?.accepted).toBe(10);
    expect(p.commit(prepared)).toBeUndefined();
    expect(writer.bufferedRows).toBe(10);
    const text = await metrics.exposition();
    expect(Number(/^pnl_spans_received_total (\S+)$/m.exec(text)?.[1])).toBe(10);
    await writer.close();
  });
});

describe('a batch of several requests', () => {
  it('sums its calls per day and key exactly as summing them all at once would, in the same order', () => {
    const requests = uniqueRequests(4, 128, 15).map(({ body }) => prepareInline(body));
    const batch = new RowBatch();
    requests.forEach((r, i) => batch.add(r.encoded, i));
    const all = uniqueRequests(4, 128, 15).flatMap(({ body }) =>
      decodeTracesProtobuf(body).flatMap((s) => {
        const n = normalizeSpan(s, normalizeOptionsFrom(config, SALT));
        return n.kind === 'llm' ? [priceBook.rate(n.call)] : [];
      }),
    );
    expect(all).toHaveLength(512);
    expect(batch.daily.rows()).toEqual(aggregateDaily(all));
    expect(batch.callRows).toBe(512);
    expect(Buffer.concat(batch.calls).equals(Buffer.concat(requests.map((r) => r.encoded.calls)))).toBe(true);
  });
});

describe('a request the spool refuses', () => {
  it('moves no counter, so its rejected spans are counted once, when the sender retries it', async () => {
    const metrics = new PnlMetrics({ topCustomers: 20 });
    let diskFull = true;
    const writer = {
      bufferedRows: 0,
      assertRoom: () => undefined,
      addEncoded: () => {
        if (diskFull) throw new SpoolError('the disk refused the write (ENOSPC)');
      },
    };
    const pipeline = new Pipeline({ normalizeOptions: normalizeOptionsFrom(config, SALT), priceBook, seen: new SeenSpans(1000), metrics, writer: writer as unknown as BatchWriter });
    const [body] = uniqueRequests(1, 4, 21).map((r) => r.body);
    const spans = decodeTracesProtobuf(body!);
    spans[0]!.attributes['gen_ai.usage.input_tokens'] = -1; // refused as invalid_usage
    const rejected = async (): Promise<number> => ((await metrics.registry.getSingleMetric('pnl_spans_rejected_total')!.get()).values.find((v) => v.labels.reason === 'invalid_usage')?.value ?? 0);
    expect(() => pipeline.ingest(spans)).toThrow(SpoolError);
    expect(await rejected()).toBe(0);
    diskFull = false;
    expect(pipeline.ingest(spans)).toMatchObject({ rejected: 1, accepted: 3 });
    expect(await rejected()).toBe(1);
  });
});
