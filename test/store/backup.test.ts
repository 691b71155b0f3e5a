import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBackupCommands } from '../../exporter/src/cli/backup-command.js';
import type { BackupManifest } from '../../exporter/src/store/backup.js';
import { chatAttributes, otlpBodies, postTraces } from '../helpers/otlp-payloads.js';
import { tempDir } from '../helpers/temp-dir.js';
import { metricValue, startTestService, type TestService } from '../helpers/test-service.js';

const PROTO = { 'content-type': 'application/x-protobuf' };
const json = (body: unknown) => ({ method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Runs `agentic-pnl restore` in process, returning what it printed, or the error it threw. */
async function restore(args: string[]): Promise<{ out: string; err: string; error?: Error }> {
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerBackupCommands(program, { out: (t) => (out += t), err: (t) => (err += t) });
  try {
    await program.parseAsync(['node', 'agentic-pnl', 'restore', ...args]);
    return { out, err };
  } catch (error) {
    return { out, err, error: error as Error };
  }
}

/** What the tables hold, table by table, in a stable order: equal before the backup and after the restore. */
async function contents(svc: TestService): Promise<Record<string, unknown>> {
  const store = svc.service.core.store;
  return {
    calls: await store.select("SELECT trace_id, span_id, customer_id, toString(cost_usd) AS cost, attributes, ingested_at FROM pnl.llm_calls ORDER BY span_id"),
    daily: await store.select('SELECT day, customer_id, model, sum(calls) AS calls, toString(sum(cost_usd)) AS cost FROM pnl.llm_costs_daily GROUP BY ALL ORDER BY ALL'),
    revenue: await store.select('SELECT * FROM pnl.revenue FINAL ORDER BY customer_id'),
    budgets: await store.select('SELECT * FROM pnl.budgets FINAL ORDER BY customer_id'),
    audit: await store.select('SELECT actor, action, target FROM pnl.audit_log ORDER BY at, action'),
  };
}

describe('backup and restore', () => {
  const dirs = [tempDir('pnl-backup-a-'), tempDir('pnl-backup-b-')];
  const [a, b] = dirs.map((d) => d.path) as [string, string];
  let svc: TestService;
  let body: Buffer;
  let before: Record<string, unknown>;
  let backup: { dir: string; manifest: BackupManifest };

  beforeAll(async () => {
    svc = await startTestService({}, a);
    ({ proto: body } = await otlpBodies([
      { name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 10 }, { 'pnl.customer.id': 'cust_backup_1', 'user.id': 'someone@example.com' }) },
      { name: 'chat gpt-4o', attributes: chatAttributes('gpt-4o', { input_tokens: 2_000, output_tokens: 300 }, { 'pnl.customer.id': 'cust_backup_2' }) },
    ]));
    expect((await postTraces(svc.url, body, PROTO)).status).toBe(200);
    await svc.service.core.writer.flush();
    const month = new Date().toISOString().slice(0, 7);
    expect((await fetch(`${svc.url}/api/v1/revenue`, json([{ customer: 'cust_backup_1', period_start: `${month}-01`, period_end: `${month}-02`, amount: '12.5', source: 'test' }]))).status).toBe(200);
    // Set twice: two rows of one key until a merge (ReplacingMergeTree), which the backup must not count as two.
    expect((await fetch(`${svc.url}/api/v1/budgets/cust_backup_1`, json({ limit_usd: 50 }))).status).toBe(200);
    expect((await fetch(`${svc.url}/api/v1/budgets/cust_backup_1`, json({ limit_usd: 100 }))).status).toBe(200);
    expect(await svc.service.core.store.select("SELECT count() AS n FROM pnl.budgets WHERE customer_id = 'cust_backup_1'")).toEqual([{ n: 2 }]);
  });
  afterAll(async () => {
    await svc?.stop({ keepData: true });
    for (const d of dirs) d.remove();
  });

  it('POST /api/v1/backup writes every table with its row count, and the salt', async () => {
    before = await contents(svc);
    const res = await fetch(`${svc.url}/api/v1/backup`, { method: 'POST' });
    expect(res.status).toBe(200);
    backup = (await res.json()) as typeof backup;
    expect(backup.dir.startsWith(join(a, 'backups'))).toBe(true);
    const rows = Object.fromEntries(backup.manifest.tables.map((t) => [t.table, t.rows]));
    expect(rows).toMatchObject({ llm_calls: 2, revenue: 1, budgets: 1 });
    expect(rows['llm_costs_daily']).toBeGreaterThanOrEqual(2);
    expect(Object.keys(rows)).not.toContain('schema_migrations');
    expect(backup.manifest.hash_salt).toBe(true);
    expect(readFileSync(join(backup.dir, 'hash-salt'), 'utf8')).toBe(readFileSync(join(a, 'hash-salt'), 'utf8'));
    expect(existsSync(join(backup.dir, 'manifest.json'))).toBe(true);
    const audit = await svc.service.core.store.select<{ target: string }>("SELECT target FROM pnl.audit_log WHERE action = 'backup'");
    expect(audit).toEqual([{ target: backup.dir }]);
    const taken = Date.parse(backup.manifest.created_at) / 1000;
    expect(metricValue(await (await fetch(`${svc.url}/metrics`)).text(), 'pnl_backup_last_success_timestamp_seconds')).toBe(taken);
    // Read back after a restart, so the freshness alert does not reset: from the manifests, and
    // from the audit log (written just after) even once the backups were moved off the machine.
    const readBack = async (): Promise<number | undefined> => {
      for (let i = 0; i < 100; i++) {
        const v = metricValue(await (await fetch(`${svc.url}/metrics`)).text(), 'pnl_backup_last_success_timestamp_seconds');
        if (v !== undefined && v > 0) return v;
        await new Promise((r) => setTimeout(r, 20));
      }
      return undefined;
    };
    await svc.stop({ keepData: true });
    svc = await startTestService({}, a);
    const afterRestart = await readBack();
    expect(afterRestart).toBeGreaterThanOrEqual(taken);
    expect(afterRestart).toBeLessThan(taken + 60);
    await svc.stop({ keepData: true });
    const moved = join(a, 'moved-off-the-backups-dir');
    renameSync(backup.dir, moved);
    svc = await startTestService({}, a);
    expect(await readBack()).toBe(afterRestart);
    renameSync(moved, backup.dir);
  });

  it('restores into an empty data directory exactly, and the restored service knows its spans and hashes users the same', async () => {
    await svc.stop({ keepData: true });
    const restored = await restore([backup.dir, '--data-dir', b]);
    expect(restored.error).toBeUndefined();
    expect(restored.out).toMatch(/^restored .* \(taken /);
    expect(restored.err).toMatch(/restore: llm_calls: 2 rows/);
    expect(readFileSync(join(b, 'hash-salt'), 'utf8')).toBe(readFileSync(join(a, 'hash-salt'), 'utf8'));
    svc = await startTestService({}, b);
    const after = await contents(svc);
    // The backup's own audit row was written after the backup was taken.
    expect(after).toEqual(before);
    // The spans are known (their keys are reloaded from the restored rows): sent again, they are duplicates.
    const again = await postTraces(svc.url, body, PROTO);
    expect(again.status).toBe(200);
    await svc.service.core.writer.flush();
    expect(await svc.service.core.store.select('SELECT count() AS n FROM pnl.llm_calls')).toEqual([{ n: 2 }]);
  });

  it('refuses to restore into tables that hold rows, or over another salt, or from a directory that is not a finished backup', async () => {
    await svc.stop({ keepData: true });
    const twice = await restore([backup.dir, '--data-dir', b]);
    expect(twice.error?.message).toMatch(/already hold rows, and a restore adds rows: restore into an empty data directory/);
    const other = tempDir('pnl-backup-c-');
    try {
      writeFileSync(join(other.path, 'hash-salt'), 'another-salt');
      const salted = await restore([backup.dir, '--data-dir', other.path]);
      expect(salted.error?.message).toMatch(/holds another salt than the backup's/);
      const none = await restore([other.path, '--data-dir', other.path]);
      expect(none.error?.message).toMatch(/has no manifest\.json: it is not a backup, or one that did not finish/);
    } finally {
      other.remove();
    }
    svc = await startTestService({}, b);
  });
});

describe('a backup directory the service cannot write', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ backupDir: '/dev/null/backups' });
  });
  afterAll(() => svc?.stop());

  it('answers 500 backup_unwritable naming the directory and what to do, and inserts resume', async () => {
    const res = await fetch(`${svc.url}/api/v1/backup`, { method: 'POST' });
    expect(res.status).toBe(500);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('backup_unwritable');
    expect(error.message).toMatch(/^cannot write the backup in \/dev\/null\/backups\/.*make PNL_BACKUP_DIR writable/);
    const { proto } = await otlpBodies([{ name: 'chat gpt-4o-mini', attributes: chatAttributes('gpt-4o-mini', { input_tokens: 10, output_tokens: 1 }, { 'pnl.customer.id': 'cust_after_failed_backup' }) }]);
    expect((await postTraces(svc.url, proto, PROTO)).status).toBe(200);
    await svc.service.core.writer.flush();
    expect(await svc.service.core.store.select("SELECT count() AS n FROM pnl.llm_calls WHERE customer_id = 'cust_after_failed_backup'")).toEqual([{ n: 1 }]);
  });
});
