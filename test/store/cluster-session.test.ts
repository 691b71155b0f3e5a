import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrationPlan } from '../../exporter/src/store/migrate.js';
import { PnlStore } from '../../exporter/src/store/pnl-store.js';
import { cost, llmCall, priced } from '../helpers/records.js';

/*
 * What the exporter sends to a ClickHouse server of a cluster (CLICKHOUSE_URL + CLICKHOUSE_CLUSTER),
 * recorded by a stand-in HTTP server that accepts everything and knows no tables: the migration
 * statements in their cluster form, in order, and the session setting that makes inserts into
 * Distributed tables synchronous, with each insert's deduplication token. Whether a real cluster
 * executes them is outside what can run here (docs/scaling.md).
 */
interface Received {
  query: string;
  settings: Record<string, string>;
}

let server: http.Server;
let url = '';
const received: Received[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/ping') return void res.end('Ok.\n');
      const settings = Object.fromEntries([...u.searchParams].filter(([k]) => k !== 'query' && k !== 'query_id'));
      const body = Buffer.concat(chunks);
      // An INSERT's statement is in the URL and its rows in the body; other statements are the body.
      const query = u.searchParams.get('query') ?? body.toString('utf8');
      received.push({ query, settings });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('a store opened on a cluster server (CLICKHOUSE_CLUSTER)', () => {
  it('applies the cluster form of every migration, in order, and records each version', async () => {
    const store = await PnlStore.open({ kind: 'remote', url, cluster: 'pnl_cluster' });
    try {
      const plan = migrationPlan(await loadMigrations(), 'pnl_cluster');
      const ddl = received.map((r) => r.query.trim()).filter((q) => /^(CREATE|ALTER)\b/.test(q));
      expect(ddl).toEqual([...plan.bootstrap, ...plan.migrations.flatMap((m) => m.statements)].map((s) => s.trim()));
      expect(ddl.every((q) => q.includes("ON CLUSTER 'pnl_cluster'"))).toBe(true);
      const recorded = received.filter((r) => /^INSERT INTO pnl\.schema_migrations\b/.test(r.query));
      expect(recorded).toHaveLength(plan.migrations.length);

      received.length = 0;
      await store.insertBatch({ calls: [priced(llmCall(), cost({ input: 1n }))], runs: [], outcomes: [] }, 'batch-7');
      const inserts = received.filter((r) => r.query.startsWith('INSERT INTO pnl.'));
      expect(inserts.map((r) => [r.query.split(' ')[2], r.settings['insert_deduplication_token'], r.settings['distributed_foreground_insert']])).toEqual([
        ['pnl.llm_calls', 'batch-7:calls', '1'],
        ['pnl.llm_costs_daily', 'batch-7:daily', '1'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('leaves inserts in the default mode on a single server', async () => {
    received.length = 0;
    const store = await PnlStore.open({ kind: 'remote', url });
    try {
      expect(received.some((r) => r.query.includes('ON CLUSTER'))).toBe(false);
      await store.insertBatch({ calls: [priced(llmCall(), cost({ input: 1n }))], runs: [], outcomes: [] }, 'batch-8');
      const inserts = received.filter((r) => r.query.startsWith('INSERT INTO pnl.llm_calls'));
      expect(inserts).toHaveLength(1);
      expect(inserts[0]!.settings['distributed_foreground_insert']).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
