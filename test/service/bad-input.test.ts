import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAttributes, otlpBodies, otlpJsonStartingAt, postTraces } from '../helpers/otlp-payloads.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';

const JSON_CT = { 'content-type': 'application/json' };
const PROTO_CT = { 'content-type': 'application/x-protobuf' };

describe('bad input gets its documented answer and the service keeps serving', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ maxBodyBytes: 256 * 1024 });
  });
  afterAll(() => svc?.stop());

  it('answers 400 to garbage protobuf with a protobuf Status', async () => {
    const r = await postTraces(svc.url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO_CT);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toBe('application/x-protobuf');
    expect(r.text).toContain('overruns');
  });

  it('answers in the Content-Type of the request, for either name of protobuf', async () => {
    const bad = await postTraces(svc.url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'content-type': 'application/protobuf' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/protobuf');
    const empty = await postTraces(svc.url, Buffer.alloc(0), { 'content-type': 'Application/Protobuf; proto=x' });
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('application/protobuf');
  });

  it('answers 400 to invalid JSON with a JSON Status naming the problem', async () => {
    const r = await postTraces(svc.url, '{"resourceSpans": [', JSON_CT);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ code: 3, message: expect.stringContaining('not valid JSON') });
  });

  it('answers 415 to other content types', async () => {
    const r = await postTraces(svc.url, 'hello', { 'content-type': 'text/plain' });
    expect(r.status).toBe(415);
    expect(JSON.parse(r.text).message).toContain('application/x-protobuf or application/json');
  });

  it('answers 415 to other content encodings, naming the ones it accepts', async () => {
    const r = await postTraces(svc.url, 'hello', { ...JSON_CT, 'content-encoding': 'br' });
    expect(r.status).toBe(415);
    expect(r.headers.get('accept-encoding')).toBe('gzip, deflate');
    expect(JSON.parse(r.text).message).toContain('Content-Encoding "br" is not supported');
  });

  it('answers 413 to a body over the limit and to a gzip bomb, 400 to corrupt gzip', async () => {
    const big = await postTraces(svc.url, Buffer.alloc(300 * 1024, 0x20), JSON_CT);
    expect(big.status).toBe(413);
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // 64 MiB of spaces in ~64 KiB
    expect(bomb.length).toBeLessThan(256 * 1024);
    const r = await postTraces(svc.url, bomb, { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text).message).toContain('decompressed body exceeds');
    const corrupt = await postTraces(svc.url, Buffer.from('not gzip'), { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
  });

  it('accepts gzip bodies', async () => {
    const { proto } = await otlpBodies([{ name: 'chat gpt-4o', attributes: chatAttributes('gpt-4o', { input_tokens: 10, output_tokens: 5 }, { 'pnl.customer.id': 'cust_gzip' }) }]);
    const r = await postTraces(svc.url, gzipSync(proto), { ...PROTO_CT, 'content-encoding': 'gzip' });
    expect(r.status).toBe(200);
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ n: number }>("SELECT count() AS n FROM pnl.llm_calls WHERE customer_id = 'cust_gzip'");
    expect(rows[0]!.n).toBe(1);
  });

  it('stores the valid spans of a mixed batch and reports the rest as partial success', async () => {
    const { json } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_mixed' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: -5, output_tokens: 10 }, { 'pnl.customer.id': 'cust_mixed' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 2.5 }, { 'pnl.customer.id': 'cust_mixed' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', {}, { 'pnl.customer.id': 'cust_mixed' }) },
    ]);
    const r = await postTraces(svc.url, json, JSON_CT);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(body.partialSuccess.rejectedSpans).toBe('2');
    expect(body.partialSuccess.errorMessage).toContain('input_tokens');
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ input_tokens_reported: number; priced: boolean; unpriced_reason: string; cost_usd: string | null }>(
      "SELECT input_tokens_reported, priced, unpriced_reason, cost_usd FROM pnl.llm_calls WHERE customer_id = 'cust_mixed' ORDER BY priced DESC",
    );
    expect(rows).toEqual([
      { input_tokens_reported: 100, priced: true, unpriced_reason: '', cost_usd: '0.000021' }, // 100 x $0.15 + 10 x $0.60 per Mtok
      { input_tokens_reported: 0, priced: false, unpriced_reason: 'no_usage', cost_usd: null },
    ]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_spans_rejected_total', { reason: 'invalid_usage' })).toBe(2);
  });

  it('refuses spans whose customer id is not UTF-8, instead of merging two customers into one decoded id', async () => {
    const { proto } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_XXa' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_YYa' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_utf8_ok' }) },
    ]);
    // Two different ids with bytes that are not UTF-8 (same lengths, so the protobuf stays well formed):
    // both would decode to "cust_\uFFFD\uFFFDa".
    const body = Buffer.from(proto);
    body.set([0xff, 0xfe], body.indexOf('cust_XXa') + 5);
    body.set([0xc0, 0xc1], body.indexOf('cust_YYa') + 5);
    const r = await postTraces(svc.url, body, PROTO_CT);
    expect(r.status).toBe(200);
    expect(r.text).toContain('customer id is not valid UTF-8');
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ customer_id: string }>("SELECT customer_id FROM pnl.llm_calls WHERE customer_id LIKE 'cust\\\\_%' AND (customer_id LIKE '%\uFFFD%' OR customer_id = 'cust_utf8_ok')");
    expect(rows).toEqual([{ customer_id: 'cust_utf8_ok' }]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_spans_rejected_total', { reason: 'invalid_utf8' })).toBe(2);
  });

  it('refuses spans whose customer or feature id is over 1024 characters, and keeps one of exactly 1024', async () => {
    const longest = `cust_long_${'x'.repeat(1014)}`;
    const { json } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': `${longest}y` }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_long_feature', 'pnl.feature.id': 'f'.repeat(5000) }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': longest }) },
    ]);
    const r = await postTraces(svc.url, json, JSON_CT);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).partialSuccess.rejectedSpans).toBe('2');
    expect(r.text).toContain('customer id is over 1024 characters');
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ n: number; len: number }>("SELECT count() AS n, max(length(customer_id)) AS len FROM pnl.llm_calls WHERE customer_id LIKE 'cust\\_long\\_%'");
    expect(rows).toEqual([{ n: 1, len: 1024 }]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_spans_rejected_total', { reason: 'id_too_long' })).toBe(2);
  });

  it('refuses a span starting more than a day after the service\'s clock (a wrong sender clock), and keeps one an hour ahead', async () => {
    const inHours = (h: number) => Date.now() + h * 3_600_000;
    const body = await otlpJsonStartingAt(
      [
        { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_clock_far' }) },
        { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_clock_near' }) },
      ],
      [inHours(48), inHours(1)],
    );
    const r = await postTraces(svc.url, body, JSON_CT);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).partialSuccess.rejectedSpans).toBe('1');
    expect(r.text).toMatch(/starts 48 h after this service's clock; check the sender's clock/);
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ customer_id: string }>("SELECT customer_id FROM pnl.llm_calls WHERE customer_id LIKE 'cust\\_clock\\_%'");
    expect(rows).toEqual([{ customer_id: 'cust_clock_near' }]);
  });

  it('refuses a span that started before the raw retention (its row would be deleted by the next merge), and keeps one inside it', async () => {
    const monthsAgo = (m: number) => {
      const d = new Date();
      d.setUTCMonth(d.getUTCMonth() - m);
      return d.getTime();
    };
    // The default raw retention is 24 months.
    const body = await otlpJsonStartingAt(
      [
        { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_old_out' }) },
        { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': 'cust_old_in' }) },
      ],
      [monthsAgo(25), monthsAgo(23)],
    );
    const r = await postTraces(svc.url, body, JSON_CT);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).partialSuccess.rejectedSpans).toBe('1');
    expect(r.text).toMatch(/before the raw retention of 24 months \(PNL_RETENTION_RAW_MONTHS\)/);
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<{ customer_id: string }>("SELECT customer_id FROM pnl.llm_calls WHERE customer_id LIKE 'cust\\_old\\_%'");
    expect(rows).toEqual([{ customer_id: 'cust_old_in' }]);
  });

  it('refuses the customer ids the service reserves (__all__, __other__) for calls and runs', async () => {
    const { proto } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': '__all__' }) },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': '__other__' }) },
      { name: 'invoke_agent support', attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'pnl.customer.id': '__all__', 'pnl.run.id': 'run_reserved' } },
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 100, output_tokens: 10 }, { 'pnl.customer.id': '__all__x' }) },
    ]);
    const r = await postTraces(svc.url, proto, PROTO_CT);
    expect(r.status).toBe(200);
    expect(r.text).toContain('customer id "__all__" is reserved');
    await svc.service.core.writer.flush();
    const calls = await svc.service.core.store.select<{ customer_id: string }>("SELECT customer_id FROM pnl.llm_calls WHERE customer_id LIKE '\\_\\_%'");
    expect(calls).toEqual([{ customer_id: '__all__x' }]);
    const runs = await svc.service.core.store.select<{ n: number }>("SELECT count() AS n FROM pnl.agent_runs WHERE run_id = 'run_reserved'");
    expect(runs).toEqual([{ n: 0 }]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_spans_rejected_total', { reason: 'reserved_id' })).toBe(3);
  });

  it('stores an unknown model unpriced (cost NULL, not 0) and counts it', async () => {
    const { proto } = await otlpBodies([
      { name: 'chat mystery-9000', attributes: chatAttributes('mystery-9000', { input_tokens: 100, output_tokens: 10 }, { 'gen_ai.provider.name': 'acme-ai', 'pnl.customer.id': 'cust_unknown' }) },
    ]);
    expect((await postTraces(svc.url, proto, PROTO_CT)).status).toBe(200);
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<Record<string, unknown>>(
      "SELECT cost_usd, priced, unpriced_reason, price_id FROM pnl.llm_calls WHERE customer_id = 'cust_unknown'",
    );
    expect(rows).toEqual([{ cost_usd: null, priced: false, unpriced_reason: 'unknown_model', price_id: '' }]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metricValue(metrics, 'pnl_llm_unpriced_calls_total', { provider: 'acme-ai', model: 'mystery-9000', reason: 'unknown_model' })).toBe(1);
    expect(metricValue(metrics, 'pnl_llm_cost_usd_total', { customer: 'cust_unknown', feature: 'chat', provider: 'acme-ai', model: 'mystery-9000' })).toBeUndefined();
  });

  it('still serves health and metrics after all of that', async () => {
    expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${svc.url}/readyz`)).status).toBe(200);
    const nf = await fetch(`${svc.url}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toEqual({ error: { code: 'not_found', message: 'no route for GET /nope' } });
  });
});
