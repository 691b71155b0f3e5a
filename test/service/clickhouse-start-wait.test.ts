import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../exporter/src/store/store-error.js';
import { ClickHouseHttpFacade } from '../helpers/clickhouse-http-facade.js';
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

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

describe('starting while the ClickHouse server does not answer yet', () => {
  it('waits, retrying, and starts once it answers: migrations applied, spans stored', async () => {
    const facade = await ClickHouseHttpFacade.start();
    facades.push(facade);
    facade.failing = true;
    let started = false;
    const starting = startTestService({ clickhouseUrl: facade.url, clickhouseWaitMs: 60_000, logLevel: 'error' }).then((s) => {
      started = true;
      services.push(s);
      return s;
    });
    const until = Date.now() + 20_000;
    while (facade.requests < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(facade.requests).toBeGreaterThanOrEqual(3); // pinged, refused, pinged again
    expect(started).toBe(false);
    facade.failing = false;
    const svc = await starting;
    const [request] = uniqueRequests(1, 8, 31);
    expect((await postTraces(svc.url, request!.body, PROTOBUF)).status).toBe(200);
    await svc.service.core.writer.flush();
    const rs = await facade.client.query({ query: 'SELECT count() AS n FROM pnl.llm_calls', format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: string }>())[0]!.n)).toBe(8);
  });

  it('gives up after PNL_CLICKHOUSE_WAIT_MS, saying which URL did not answer and what to change', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
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
