import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const YAML = { 'content-type': 'application/yaml' };

/** One override for a self-hosted model, at these USD per million input and output tokens. */
const overrides = (input: string, output: string) =>
  `version: 1\noverrides:\n  - id: vllm-llama\n    provider: my-vllm\n    model: llama-local\n    input_mtok: ${input}\n    output_mtok: ${output}\n`;

// With an ingest worker (the service's default) and without (requests prepared on the main
// thread, as the in-process exporter does): each prices with its own book, and both must change.
describe.each([1, 0])('price overrides through the API (ingest workers: %i)', (ingestWorkers) => {
  const dir = tempDir('pnl-prices-');
  const file = join(dir.path, 'prices.yaml');
  let svc: TestService;
  let sent = 0;

  beforeAll(async () => {
    writeFileSync(file, 'version: 1\noverrides: []\n');
    svc = await startTestService({ pricesFile: file, ingestWorkers });
  });
  afterAll(async () => {
    await svc?.stop();
    dir.remove();
  });

  /** Sends one call of a million input and a million output tokens and returns its stored cost (null: unpriced). */
  async function costOfNewCall(): Promise<string | null> {
    const customer = `cust_price_${ingestWorkers}_${sent++}`;
    const { proto } = await otlpBodies([
      { name: 'chat llama-local', attributes: chatAttributes('llama-local', { input_tokens: 1_000_000, output_tokens: 1_000_000 }, { 'gen_ai.provider.name': 'my-vllm', 'pnl.customer.id': customer }) },
    ]);
    expect((await postTraces(svc.url, proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ cost: string | null }>('SELECT toString(cost_usd) AS cost FROM pnl.llm_calls WHERE customer_id = {c:String}', { c: customer });
    expect(rows).toHaveLength(1);
    return rows[0]!.cost;
  }

  const put = (body: string, headers: Record<string, string> = YAML) => fetch(`${svc.url}/api/v1/prices/overrides`, { method: 'PUT', body, headers });
  const reload = () => fetch(`${svc.url}/api/v1/prices/reload`, { method: 'POST' });

  it('prices new calls with overrides written through PUT, and writes them to PNL_PRICES_FILE', async () => {
    expect(await costOfNewCall()).toBeNull();
    const res = await put(overrides('0.05', '0.08'));
    const body = (await res.json()) as { file: string; in_use: { override_entries: number }; note: string };
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ file, in_use: { override_entries: 1 } });
    expect(body.note).toContain('agentic-pnl reprice');
    expect(readFileSync(file, 'utf8')).toBe(overrides('0.05', '0.08'));
    expect(await costOfNewCall()).toBe('0.13');
    const got = (await (await fetch(`${svc.url}/api/v1/prices/overrides`)).json()) as { yaml: string };
    expect(got.yaml).toBe(overrides('0.05', '0.08'));
    const recorded = await svc.service.core.store.select<{ n: number }>("SELECT count() AS n FROM pnl.price_book WHERE entry_id = 'override:vllm-llama'");
    expect(recorded).toEqual([{ n: 1 }]);
  });

  it('refuses invalid overrides with every problem and its line, and changes nothing', async () => {
    const res = await put('version: 1\noverrides:\n  - id: bad\n    provider: my-vllm\n    model: llama-local\n    input_mtok: -1\n    colour: red\n');
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('invalid_prices');
    expect(error.message).toMatch(/line 6/);
    expect(error.message).toMatch(/colour/);
    expect(error.message).toContain('Nothing was changed.');
    expect(readFileSync(file, 'utf8')).toBe(overrides('0.05', '0.08'));
    expect(await costOfNewCall()).toBe('0.13');
    expect((await put('{"version": 1}', { 'content-type': 'application/json' })).status).toBe(415);
  });

  it('reloads the file as edited on disk, and keeps the prices in use when the file is invalid', async () => {
    writeFileSync(file, overrides('0.10', '0.08'));
    const res = await reload();
    expect(res.status).toBe(200);
    expect(await costOfNewCall()).toBe('0.18');
    writeFileSync(file, overrides('not-a-number', '0.08'));
    const bad = await reload();
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('The prices in use stay.');
    expect(await costOfNewCall()).toBe('0.18');
  });

  it('gives a worker started after a reload (one replacing a worker that died) the reloaded prices, not the file', async () => {
    if (ingestWorkers === 0) return;
    // The file on disk is invalid since the last test; the prices in use came from the reload before.
    const pool = svc.service.core.workers as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }>; size: number };
    await pool.slots[0]!.worker.terminate();
    for (let i = 0; i < 200 && pool.size === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(pool.size).toBe(1);
    expect(await costOfNewCall()).toBe('0.18');
  });

  it('audit-logs each write', async () => {
    const rows = await svc.service.core.store.select<{ action: string; target: string }>("SELECT action, target FROM pnl.audit_log WHERE action LIKE 'prices.%' ORDER BY at");
    expect(rows).toEqual([
      { action: 'prices.put', target: file },
      { action: 'prices.reload', target: file },
    ]);
  });
});

describe('a worker replaced before any reload', () => {
  const dir = tempDir('pnl-prices-start-');
  const file = join(dir.path, 'prices.yaml');
  let svc: TestService;
  beforeAll(async () => {
    writeFileSync(file, overrides('0.05', '0.08'));
    svc = await startTestService({ pricesFile: file, ingestWorkers: 1 });
  });
  afterAll(async () => {
    await svc?.stop();
    dir.remove();
  });

  it('prices with the file as read at start, not with an edit on disk nobody reloaded', async () => {
    writeFileSync(file, overrides('9', '9'));
    const pool = svc.service.core.workers as unknown as { slots: Array<{ worker: { terminate(): Promise<number> } }>; size: number };
    await pool.slots[0]!.worker.terminate();
    for (let i = 0; i < 200 && pool.size === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const { proto } = await otlpBodies([
      { name: 'chat llama-local', attributes: chatAttributes('llama-local', { input_tokens: 1_000_000, output_tokens: 1_000_000 }, { 'gen_ai.provider.name': 'my-vllm', 'pnl.customer.id': 'cust_start_prices' }) },
    ]);
    expect((await postTraces(svc.url, proto, { 'content-type': 'application/x-protobuf' })).status).toBe(200);
    await svc.service.core.writer.flush();
    expect(await svc.service.core.store.select("SELECT toString(cost_usd) AS cost FROM pnl.llm_calls WHERE customer_id = 'cust_start_prices'")).toEqual([{ cost: '0.13' }]);
  });
});

describe('price overrides API without PNL_PRICES_FILE', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  it('answers 409 saying to set PNL_PRICES_FILE', async () => {
    for (const res of [await fetch(`${svc.url}/api/v1/prices/overrides`), await fetch(`${svc.url}/api/v1/prices/reload`, { method: 'POST' })]) {
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'prices_file_unset', message: expect.stringContaining('PNL_PRICES_FILE') });
    }
  });
});
