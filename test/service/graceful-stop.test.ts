import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { chatAttributes, otlpBodies } from '../helpers/otlp-payloads.js';
import { startTestService } from '../helpers/test-service.js';

interface Answer {
  status: number;
  connection: string | undefined;
  retryAfter: string | undefined;
}

/** One POST /v1/traces on `agent` (one kept-alive socket); undefined when the connection was closed under it. */
function post(url: string, agent: Agent, body: Buffer): Promise<Answer | undefined> {
  return new Promise((resolve) => {
    const req = request(`${url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', () => resolve(undefined));
    req.end(body);
  });
}

describe('stopping the service', () => {
  it('finishes while a sender keeps its connection busy: later requests get 503, Retry-After and Connection: close', async () => {
    const svc = await startTestService();
    const { json } = await otlpBodies([{ name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 10, output_tokens: 1 }, { 'pnl.customer.id': 'cust_stop' }) }]);
    // A Collector-like sender: one kept-alive connection, a request as soon as the last is answered.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: Array<Answer | undefined> = [];
    let sending = true;
    const sender = (async () => {
      while (sending) answers.push(await post(svc.url, agent, json));
    })();
    while (answers.length < 5) await new Promise((r) => setTimeout(r, 10));
    const stopped = svc.stop().then(() => 'stopped');
    // Before the fix the stop waited for the sender to go idle for 65 s (keepAliveTimeout).
    const outcome = await Promise.race([stopped, new Promise((r) => setTimeout(() => r('still stopping after 15 s'), 15_000))]);
    sending = false;
    await sender;
    agent.destroy();
    expect(outcome).toBe('stopped');
    expect(answers.slice(0, 5).every((a) => a?.status === 200)).toBe(true);
    const refused = answers.filter((a) => a !== undefined && a.status !== 200);
    for (const a of refused) expect(a).toEqual({ status: 503, connection: 'close', retryAfter: '5' });
  }, 30_000);
});
