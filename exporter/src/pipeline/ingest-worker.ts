/*
 * An ingest worker thread: decodes OTLP request bodies and prepares their spans (normalize,
 * rate, encode) off the thread that serves HTTP. Started by IngestWorkers with the service's
 * configuration; answers each request with a PreparedRequest or an error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPriceBook, parseOverridesYaml, priceBookFromOverridesText } from '../price/index.js';
import { priceBookFromValidOverrides } from '../price/price-book.js';
import { OtlpDecodeError } from '../receive/decode-error.js';
import { decodeTracesJson } from '../receive/otlp-json-decoder.js';
import { decodeTracesProtobuf } from '../receive/otlp-protobuf-decoder.js';
import { normalizeOptionsFrom } from '../service/normalize-options-from-config.js';
import type { EncodedRows } from './encoded-rows.js';
import type { IngestWorkerSetup, WorkerReply, WorkerRequest } from './ingest-workers.js';
import { prepareSpans } from './prepare-spans.js';
import { WrappedCalls } from './wrapped-calls.js';

const setup = workerData as IngestWorkerSetup;
const port = parentPort!;
// The core passes the overrides text it read whenever PNL_PRICES_FILE is set; without it, catalog prices.
let priceBook = setup.prices !== undefined ? await priceBookFromOverridesText(setup.prices.text, setup.prices.source) : await loadPriceBook();
const normalizeOptions = normalizeOptionsFrom(setup.config, setup.hashSalt);
/** Buffer.allocUnsafe serves smaller sizes from a shared pool; from this size a buffer has its own memory. */
const MOVE_MIN_BYTES = 4096;
/** A buffer less full than this is copied to its exact size instead, so the batch does not hold the spare room. */
const MOVE_MIN_FILL = 0.75;
// Dedup needs the service's memory of accepted spans; the main thread checks it when it commits.
const isKnown = (): boolean => false;
const wrappedCalls = new WrappedCalls();

/**
 * Synchronous (the catalog was loaded at start), so the book is replaced before the next
 * message is handled: every request sent after the reload is priced with it.
 */
function reloadPrices(m: Extract<WorkerRequest, { prices: unknown }>): void {
  let reply: WorkerReply;
  try {
    priceBook = priceBookFromValidOverrides(parseOverridesYaml(m.prices.text, m.prices.source));
    reply = { id: m.id, reloaded: true };
  } catch (err) {
    reply = { id: m.id, error: { message: (err as Error).message, undecodable: false } };
  }
  port.postMessage(reply);
}

port.on('message', (m: WorkerRequest) => {
  if ('prices' in m) {
    reloadPrices(m);
    return;
  }
  let reply: WorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const body = Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength);
    const spans = m.encoding === 'protobuf' ? decodeTracesProtobuf(body) : decodeTracesJson(body);
    const prepared = prepareSpans(spans, { normalizeOptions, priceBook, isKnown, idsAreHex: m.encoding === 'protobuf', wrappedCalls, rawRetentionMonths: setup.config.retentionRawMonths });
    const e = prepared.encoded;
    // Moved, not cloned. A writer's own buffer that its rows mostly fill is moved as it is; a
    // small one (from Node's shared pool, which cannot move) or one mostly empty is copied first.
    const own = (b: Buffer): Uint8Array => {
      const whole = b.buffer;
      if (b.byteOffset === 0 && whole.byteLength >= MOVE_MIN_BYTES && b.length >= whole.byteLength * MOVE_MIN_FILL && whole instanceof ArrayBuffer) {
        transfer.push(whole);
        return new Uint8Array(whole, 0, b.length);
      }
      const copy = new Uint8Array(b);
      transfer.push(copy.buffer);
      return copy;
    };
    prepared.encoded = { ...e, calls: own(e.calls), runs: own(e.runs), outcomes: own(e.outcomes), daily: own(e.daily) } as unknown as EncodedRows;
    reply = { id: m.id, prepared };
  } catch (err) {
    reply = { id: m.id, error: { message: (err as Error).message, undecodable: err instanceof OtlpDecodeError } };
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ ready: true });
