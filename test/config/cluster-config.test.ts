import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerMigrationsCommand } from '../../exporter/src/cli/migrations-command.js';
import { ConfigError } from '../../exporter/src/config/config-error.js';
import { loadConfig } from '../../exporter/src/config/config.js';

describe('CLICKHOUSE_CLUSTER', () => {
  it('is read from the environment or the flag, with CLICKHOUSE_URL', () => {
    expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'pnl_cluster' }).clickhouseCluster).toBe('pnl_cluster');
    expect(loadConfig({ CLICKHOUSE_URL: 'http://ch:8123' }, { clickhouseCluster: '{cluster}' }).clickhouseCluster).toBe('{cluster}');
    expect(loadConfig({}).clickhouseCluster).toBeUndefined();
  });

  it('is refused without CLICKHOUSE_URL, and when the name could not be quoted safely, with every problem listed', () => {
    let error: unknown;
    try {
      loadConfig({ CLICKHOUSE_CLUSTER: "pnl' OR 1" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^CLICKHOUSE_CLUSTER="pnl' OR 1": letters, digits/);
    expect(() => loadConfig({ CLICKHOUSE_CLUSTER: 'pnl_cluster' })).toThrow(/CLICKHOUSE_CLUSTER: needs CLICKHOUSE_URL/);
  });
});

/** Runs `agentic-pnl <args>` through a real commander program with the migrations command registered. */
async function cli(args: string[]): Promise<{ out: string; error?: Error }> {
  let out = '';
  const program = new Command().name('agentic-pnl').exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: () => undefined });
  registerMigrationsCommand(program, { out: (t) => (out += t) });
  try {
    await program.parseAsync(['node', 'agentic-pnl', ...args]);
    return { out };
  } catch (error) {
    return { out, error: error as Error };
  }
}

describe('agentic-pnl migrations print', () => {
  it('prints the single-server SQL by default', async () => {
    const r = await cli(['migrations', 'print']);
    expect(r.error).toBeUndefined();
    expect(r.out).toContain('CREATE TABLE IF NOT EXISTS pnl.llm_calls\n(');
    expect(r.out).not.toContain('ON CLUSTER');
  });

  it('prints the cluster form with --cluster', async () => {
    const r = await cli(['migrations', 'print', '--cluster', 'pnl_cluster']);
    expect(r.error).toBeUndefined();
    expect(r.out).toContain("CREATE DATABASE IF NOT EXISTS pnl ON CLUSTER 'pnl_cluster';");
    expect(r.out).toContain("CREATE TABLE IF NOT EXISTS pnl.llm_calls ON CLUSTER 'pnl_cluster' AS pnl.llm_calls_local\nENGINE = Distributed('pnl_cluster', pnl, llm_calls_local, cityHash64(customer_id));");
  });

  it('refuses a cluster name it could not quote', async () => {
    const r = await cli(['migrations', 'print', '--cluster', "x'; DROP"]);
    expect(r.error?.message).toMatch(/cluster name/);
    expect(r.out).toBe('');
  });
});
