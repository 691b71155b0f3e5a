import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { picoText } from '../helpers/genai-spans.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { FAKE_COMPLETION_PICO_USD, startFakeOpenAI, type FakeOpenAI } from './support/fake-openai-server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

// The package is ES modules only. A CommonJS app require()s it on Node >= 20.19 (and 22.12),
// which load an ES module graph without top-level await through require(); this holds it so,
// warning-free, with the real OpenAI instrumentation patching openai through require.
describe('the instrumentation from a CommonJS app', () => {
  let svc: TestService;
  let fake: FakeOpenAI;
  beforeAll(async () => {
    svc = await startTestService();
    fake = await startFakeOpenAI();
  });
  afterAll(async () => {
    await fake?.close();
    await svc?.stop();
  });

  it('require()s the package by name, patches openai through require, and its calls arrive attributed and priced', async () => {
    const run = await promisify(execFile)(process.execPath, [fileURLToPath(new URL('./fixtures/commonjs-agent.cjs', import.meta.url))], {
      cwd: root,
      env: { ...process.env, OTLP_URL: `${svc.url}/v1/traces`, OPENAI_BASE_URL: fake.baseURL, OPENAI_FROM: `${root}instrumentation/package.json` },
    });
    expect(run.stderr).toBe('');
    await svc.service.core.writer.flush();
    const rows = await svc.service.core.store.select<Record<string, unknown>>(
      "SELECT customer_id, feature_id, run_id, service_name, request_model, cache_read_tokens, cost_usd FROM pnl.llm_calls WHERE customer_id = 'cust_commonjs'",
    );
    expect(rows).toEqual([
      { customer_id: 'cust_commonjs', feature_id: 'triage', run_id: 'run-commonjs', service_name: 'commonjs-bot', request_model: 'gpt-4o-mini', cache_read_tokens: 1024, cost_usd: picoText(FAKE_COMPLETION_PICO_USD['gpt-4o-mini']) },
    ]);
  });
});
