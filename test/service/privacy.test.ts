import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPersonalValue } from '../../instrumentation/src/hash-personal-value.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

const SALT = 'test-salt-0123456789abcdef';
const PROMPT = 'My card number is 4111 1111 1111 1111, please help';
const JSON_CT = { 'content-type': 'application/json' };
const dirs: Array<{ remove: () => void }> = [];
afterAll(() => dirs.forEach((d) => d.remove()));

async function send(svc: TestService, userId: string, extra: Record<string, string> = {}): Promise<void> {
  const { json } = await otlpBodies([
    {
      name: 'chat gpt-4o-mini',
      attributes: chatAttributes('gpt-4o-mini', { input_tokens: 10, output_tokens: 5 }, {
        'user.id': userId,
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: PROMPT }] }]),
        'gen_ai.prompt.0.content': PROMPT,
        'app.region': 'eu-west-1',
        ...extra,
      }),
    },
  ]);
  expect((await postTraces(svc.url, json, JSON_CT)).status).toBe(200);
  await svc.service.core.writer.flush();
}

async function rows(svc: TestService): Promise<Array<Record<string, unknown>>> {
  return svc.service.core.store.select<Record<string, unknown>>('SELECT * FROM pnl.llm_calls ORDER BY start_time');
}

describe('privacy at ingest', () => {
  it('stores no prompt text even when allowlisted, hashes end-user ids with the salt, keeps allowlisted attributes', async () => {
    const d = tempDir();
    dirs.push(d);
    const svc = await startTestService({ hashSalt: SALT, storedAttributes: 'app.region, gen_ai.prompt.0.content' }, d.path);
    try {
      await send(svc, ' Ann@Example.com');
      await send(svc, hashPersonalValue('ann@example.com', SALT)); // already hashed by the instrumentation
      const stored = await rows(svc);
      expect(stored).toHaveLength(2);
      // The same HMAC as the instrumentation's, so both sides' ids join.
      expect(stored.map((r) => r['user_id'])).toEqual([hashPersonalValue('ann@example.com', SALT), hashPersonalValue('ann@example.com', SALT)]);
      expect(stored[0]!['attributes']).toMatchObject({ 'app.region': 'eu-west-1' });
      const text = JSON.stringify(stored);
      expect(text).not.toContain('4111');
      expect(text).not.toContain('Ann@Example.com');
      expect(text).not.toContain('gen_ai.prompt');
    } finally {
      await svc.stop({ keepData: true });
    }
  });

  it('generates a salt once when none is set and keeps using it after a restart', async () => {
    const d = tempDir();
    dirs.push(d);
    const first = await startTestService({}, d.path);
    await send(first, 'user-42');
    await first.stop({ keepData: true });
    const saltFile = join(d.path, 'hash-salt');
    expect(existsSync(saltFile)).toBe(true);
    const salt = readFileSync(saltFile, 'utf8');
    expect(salt).toMatch(/^[0-9a-f]{64}$/);

    const second = await startTestService({}, d.path);
    try {
      await send(second, 'user-42');
      expect((await rows(second)).map((r) => r['user_id'])).toEqual([hashPersonalValue('user-42', salt), hashPersonalValue('user-42', salt)]);
    } finally {
      await second.stop({ keepData: true });
    }
  });

  it('applies the configured retention as ClickHouse TTLs', async () => {
    const d = tempDir();
    dirs.push(d);
    const svc = await startTestService({ retentionRawMonths: 6, retentionAggregateMonths: 3 }, d.path);
    try {
      const tables = await svc.service.core.store.select<{ name: string; engine_full: string }>(
        "SELECT name, engine_full FROM system.tables WHERE database = 'pnl' AND name IN ('llm_calls', 'agent_runs', 'outcomes', 'audit_log', 'llm_costs_daily') ORDER BY name",
      );
      const ttl = Object.fromEntries(tables.map((t) => [t.name, / TTL (.*?)(?: SETTINGS|$)/.exec(t.engine_full)?.[1]]));
      expect(ttl).toEqual({
        agent_runs: 'toDateTime(start_time) + toIntervalMonth(6)',
        audit_log: 'toDateTime(at) + toIntervalMonth(6)',
        llm_calls: 'toDateTime(start_time) + toIntervalMonth(6)',
        llm_costs_daily: 'day + toIntervalMonth(3)',
        outcomes: 'toDateTime(at) + toIntervalMonth(6)',
      });
    } finally {
      await svc.stop();
    }
  });
});
