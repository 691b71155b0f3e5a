import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import express from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { monthToDate } from '../../exporter/src/api/date-range.js';
import { EXPORT_TEXT_COLUMNS, exportDir, exportRoute, exportSql } from '../../exporter/src/api/export-route.js';
import { createLogger } from '../../exporter/src/log/logger.js';
import type { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const { from, to } = monthToDate();

/** Ids a sender controls that a spreadsheet would run as formulas, one per dangerous first character. */
const FORMULA_IDS = {
  customer: "=cmd|' /C calc'!A0",
  feature: '+SUM(A1:A9)',
  agent: '@HYPERLINK("http://x")',
  run: '-2+3',
  tier: '\tpro',
  env: '\rprod',
};

async function exportCsv(svc: TestService, query: string): Promise<Array<Record<string, string>>> {
  const res = await fetch(`${svc.url}/api/v1/export?format=csv&from=${from}&to=${to}&${query}`);
  expect(res.status).toBe(200);
  return parse(await res.text(), { columns: true }) as Array<Record<string, string>>;
}

describe('GET /api/v1/export', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
    const attributes = chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 }, {
      'pnl.customer.id': FORMULA_IDS.customer, 'pnl.feature.id': FORMULA_IDS.feature, 'gen_ai.agent.name': FORMULA_IDS.agent,
      'pnl.run.id': FORMULA_IDS.run, 'pnl.customer.tier': FORMULA_IDS.tier, 'pnl.environment': FORMULA_IDS.env,
    });
    const safe = chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 }, { 'pnl.customer.id': "'=already-quoted" });
    const { json } = await otlpBodies([{ name: 'chat gpt-4o-mini', attributes }, { name: 'chat gpt-4o-mini', attributes: safe }]);
    expect((await postTraces(svc.url, json, { 'content-type': 'application/json' })).status).toBe(200);
    await svc.service.core.writer.flush();
  });
  afterAll(() => svc?.stop());

  it('writes CSV text cells that start with = + - @ tab or CR behind a single quote, and leaves numbers alone', async () => {
    const calls = await exportCsv(svc, 'level=calls');
    const call = calls.find((r) => r['customer_id']!.includes('cmd'))!;
    expect({
      customer_id: call['customer_id'], feature_id: call['feature_id'], agent_name: call['agent_name'], run_id: call['run_id'],
      customer_tier: call['customer_tier'], environment: call['environment'],
    }).toEqual({
      customer_id: `'${FORMULA_IDS.customer}`, feature_id: `'${FORMULA_IDS.feature}`, agent_name: `'${FORMULA_IDS.agent}`, run_id: `'${FORMULA_IDS.run}`,
      customer_tier: `'${FORMULA_IDS.tier}`, environment: `'${FORMULA_IDS.env}`,
    });
    expect([call['cost_usd'], call['input_tokens'], call['provider']]).toEqual(['0.15', '1000000', 'openai']);
    const daily = await exportCsv(svc, 'level=daily');
    // "=x" guarded becomes "'=x": it must still be a customer of its own, not merged with one already written "'=x".
    expect(daily.map((r) => [r['customer_id'], r['feature_id'], r['calls'], r['cost_usd']]).sort()).toEqual([
      ["'=already-quoted", 'chat', '1', '0.15'],
      [`'${FORMULA_IDS.customer}`, `'${FORMULA_IDS.feature}`, '1', '0.15'],
    ]);
  });

  it('filters by the stored customer id, and writes Parquet cells as stored', async () => {
    const one = await exportCsv(svc, `level=calls&customer=${encodeURIComponent(FORMULA_IDS.customer)}`);
    expect(one.map((r) => r['customer_id'])).toEqual([`'${FORMULA_IDS.customer}`]);
    const res = await fetch(`${svc.url}/api/v1/export?format=parquet&level=calls&from=${from}&to=${to}`);
    const file = join(svc.dataDir, 'formulas.parquet');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const rows = await svc.service.core.store.select<{ customer_id: string }>(`SELECT customer_id FROM file('${file}', 'Parquet') ORDER BY customer_id`);
    expect(rows.map((r) => r.customer_id)).toEqual(["'=already-quoted", FORMULA_IDS.customer]);
  });

  it('guards every text column of each level', async () => {
    for (const level of ['calls', 'daily'] as const) {
      const sql = exportSql(level, 'parquet').replace(/ FORMAT Parquet$/, '');
      const columns = await svc.service.core.store.select<{ name: string; type: string }>(`DESCRIBE (${sql})`, { from, to, customer: '' });
      const text = columns.filter((c) => /String/.test(c.type) && !/FixedString/.test(c.type)).map((c) => c.name);
      expect([...EXPORT_TEXT_COLUMNS[level]].sort(), level).toEqual(text.sort());
    }
  });

  it('has the embedded engine write the file to disk and streams it, leaving no file behind, even for an empty export', async () => {
    // The engine's result would otherwise be handed to JavaScript whole (2 GB resident for a million calls).
    const dir = exportDir(svc.dataDir);
    const empty = await fetch(`${svc.url}/api/v1/export?format=csv&level=calls&from=2020-01-01&to=2020-01-02`);
    expect(empty.status).toBe(200);
    expect((await empty.text()).split('\n')[0]).toMatch(/^"start_time","trace_id",/);
    const big = await fetch(`${svc.url}/api/v1/export?format=csv&level=calls&from=${from}&to=${to}`);
    await big.text();
    const abandoned = new AbortController();
    const cut = await fetch(`${svc.url}/api/v1/export?format=parquet&level=calls&from=${from}&to=${to}`, { signal: abandoned.signal });
    abandoned.abort();
    await cut.arrayBuffer().catch(() => undefined);
    await sleep(100);
    expect(existsSync(dir)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers 503 storage_unavailable while ClickHouse cannot run the export, like the other routes', async () => {
    const { client } = svc.service.core.store;
    await client.command({ query: 'DETACH TABLE pnl.llm_costs_daily' });
    try {
      const res = await fetch(`${svc.url}/api/v1/export?format=csv&level=daily`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('storage_unavailable');
      expect(body.error.message).toMatch(/^ClickHouse export query failed: .*; retry later$/s);
    } finally {
      await client.command({ query: 'ATTACH TABLE pnl.llm_costs_daily' });
    }
    expect((await fetch(`${svc.url}/api/v1/export?format=csv&level=daily`)).status).toBe(200);
  });
});

describe('export streaming', () => {
  /** The export route alone, over a stand-in for ClickHouse's result stream, so the test decides when it fails. */
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  async function serve(source: PassThrough): Promise<{ url: string; logged: Array<{ level: string; msg: string }> }> {
    const logged: Array<{ level: string; msg: string }> = [];
    const logger = createLogger('debug', (line) => void logged.push(JSON.parse(line) as { level: string; msg: string }));
    const store = { target: { kind: 'remote', url: 'http://127.0.0.1:1' }, client: { exec: async () => ({ stream: source }) } } as unknown as PnlStore;
    const app = express().use(exportRoute(store, logger));
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/export?format=csv`, logged };
  }

  async function until(what: string, check: () => boolean): Promise<void> {
    for (let i = 0; i < 100 && !check(); i++) await sleep(20);
    expect(check(), what).toBe(true);
  }

  it('stops the ClickHouse stream when the client goes away mid-file', async () => {
    const source = new PassThrough();
    const { url, logged } = await serve(source);
    const abort = new AbortController();
    source.write('"customer_id"\n"a"\n'); // the headers go out with the first bytes
    const res = await fetch(url, { signal: abort.signal });
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await until('the source stream destroyed', () => source.destroyed);
    await until('the early end logged', () => logged.some((l) => l.msg.startsWith('export stopped')));
  });

  it('cuts the response short and logs when ClickHouse fails mid-file, so the client cannot take it for a whole file', async () => {
    const source = new PassThrough();
    const { url, logged } = await serve(source);
    source.write('"customer_id"\n"a"\n');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    setTimeout(() => source.destroy(new Error('Code: 241. DB::Exception: Memory limit exceeded')), 50);
    const outcome = await Promise.race([res.text().then(() => 'complete', () => 'cut short'), sleep(3000, 'still open')]);
    expect(outcome).toBe('cut short');
    await until('the failure logged', () => logged.some((l) => l.level === 'warn' && l.msg.startsWith('export failed')));
  });
});

describe('export files at start', () => {
  it('removes the files of exports a stopped process left behind', async () => {
    const dir = tempDir('pnl-export-stale-');
    try {
      mkdirSync(exportDir(dir.path), { recursive: true });
      writeFileSync(join(exportDir(dir.path), 'left-by-a-crash.csv'), 'x'.repeat(1000));
      const svc = await startTestService({}, dir.path);
      try {
        expect(existsSync(join(exportDir(dir.path), 'left-by-a-crash.csv'))).toBe(false);
      } finally {
        await svc.stop({ keepData: true });
      }
    } finally {
      dir.remove();
    }
  });
});
