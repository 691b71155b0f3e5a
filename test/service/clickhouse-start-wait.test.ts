import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../exporter/src/store/store-error.js';
import { ClickHouseHttpFacade } from '../helpers/clickhouse-http-facade.js';
import { freePort } from '../helpers/free-port.js';
import { postTraces } from '../helpers/otlp-payloads.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';

/*
 * Remote mode (CLICKHOUSE_URL) started before its ClickHouse server answers, as happens when
 * both start together (compose, a pod). The server is the embedded engine behind ClickHouse's
 * HTTP interface (test/helpers/clickhouse-http-facade.ts); "not answering yet" is its outage
 * mode (503 to everything, /ping included) or a port nothing listens on.
 */

const services: TestService[] = [];
const facades: ClickHouseHttpFacade[] = [];
afterAll(async () => {
  for (const s of services) await s.stop();
  for (const f of facades) await f.stop();
});

describe('starting while the ClickHouse server does not answer yet', () => {
  it('waits, retrying, and starts once it answers: migrations applied, spans stored; health checks answered meanwhile', async () => {
    const facade = await ClickHouseHttpFacade.start();
    facades.push(facade);
    facade.failing = true;
    let started = false;
    const port = await freePort();
    const starting = startTestService({ port, clickhouseUrl: facade.url, clickhouseWaitMs: 60_000, logLevel: 'error' }).then((s) => {
      started = true;
      services.push(s);
      return s;
    });
    const until = Date.now() + 20_000;
    while (facade.requests < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(facade.requests).toBeGreaterThanOrEqual(3); // pinged, refused, pinged again
    expect(started).toBe(false);

    // Meanwhile the port answers: alive, not ready, and OTLP senders are told to come back.
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'starting' }]);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { problems: string[] }).problems[0]).toMatch(/^the service is starting: waiting for ClickHouse at http:\/\/127\.0\.0\.1:\d+\/ \(attempt \d+ failed: /);
    const [early, request] = uniqueRequests(2, 8, 31);
    const refused = await postTraces(base, early!.body, PROTOBUF);
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([503, '5']);
    // Before access control exists, other answers do not name the ClickHouse host.
    expect(refused.text).toContain('the service is starting; retry in 5 s');
    expect(refused.text).not.toContain('127.0.0.1');
    const metrics = await fetch(`${base}/metrics`);
    expect([metrics.status, await metrics.json()]).toEqual([503, { error: { code: 'starting', message: 'the service is starting; retry in 5 s' } }]);

    facade.failing = false;
    const svc = await starting;
    expect(svc.url).toBe(base);
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
    // The refused request, sent again as its sender would, is stored with the next one.
    expect((await postTraces(svc.url, early!.body, PROTOBUF)).status).toBe(200);
    expect((await postTraces(svc.url, request!.body, PROTOBUF)).status).toBe(200);
    await svc.service.core.writer.flush();
    const rs = await facade.client.query({ query: 'SELECT count() AS n FROM pnl.llm_calls', format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBe(16);
  });

  it('fails at once, before waiting for ClickHouse, when the port is taken', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    // Were the port bound after the wait, this would take the 120 s wait and time out.
    const err = await startTestService({ port, clickhouseUrl: `http://127.0.0.1:${await freePort()}`, clickhouseWaitMs: 120_000, logLevel: 'error' }).catch((e: unknown) => e);
    await new Promise((resolve) => taken.close(resolve));
    expect((err as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });

  it('gives up after PNL_CLICKHOUSE_WAIT_MS, saying which URL did not answer and what to change', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const err = await startTestService({ clickhouseUrl: url, clickhouseWaitMs: 1200, logLevel: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    const message = (err as Error).message;
    expect(message).toContain(`${url}/ did not answer within 1 s`);
    expect(Number(/\((\d+) attempts\)/.exec(message)?.[1])).toBeGreaterThanOrEqual(3);
    expect(message).toMatch(/ECONNREFUSED.*Check CLICKHOUSE_URL.*PNL_CLICKHOUSE_WAIT_MS/);
  });

  it('tries once with PNL_CLICKHOUSE_WAIT_MS=0', async () => {
    // A proxy in front of a server that is down (the engine can back one facade per process).
    let requests = 0;
    const proxy = http.createServer((req, res) => {
      requests++;
      req.resume();
      res.writeHead(503).end('no healthy upstream');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const err = await startTestService({ clickhouseUrl: url, clickhouseWaitMs: 0, logLevel: 'error' }).catch((e: unknown) => e);
    await new Promise((resolve) => proxy.close(resolve));
    expect((err as Error).message).toContain(`${url}/ did not answer: no healthy upstream. Check CLICKHOUSE_URL`);
    expect(requests).toBe(1);
  });
});
