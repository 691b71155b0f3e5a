import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_FIELDS, loadConfig } from '../../exporter/src/config/config.js';
import { ConfigError } from '../../exporter/src/config/config-error.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 4318, host: '127.0.0.1', dataDir: './data', clickhouseUrl: undefined, topCustomers: 50, logLevel: 'info' });
  });

  it('reads environment variables and lets flags win', () => {
    const c = loadConfig({ PNL_PORT: '9000', PNL_HOST: '0.0.0.0', CLICKHOUSE_URL: 'http://ch:8123' }, { port: '9100' });
    expect(c).toMatchObject({ port: 9100, host: '0.0.0.0', clickhouseUrl: 'http://ch:8123' });
  });

  it('lists every invalid value at once, naming the variable or flag', () => {
    let error: unknown;
    try {
      loadConfig({ PNL_PORT: 'eighty', CLICKHOUSE_URL: 'not a url', PNL_ATTRIBUTION_ALIASES: '{bad json' }, { logLevel: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(/^PNL_PORT="eighty"/);
    expect(problems.some((p) => p.startsWith('CLICKHOUSE_URL='))).toBe(true);
    expect(problems.some((p) => p.startsWith('--log-level="loud"'))).toBe(true);
    expect(problems.some((p) => p.startsWith('PNL_ATTRIBUTION_ALIASES: not valid JSON'))).toBe(true);
  });

  it('refuses a margin target of 0 or below, which the risk score divides by', () => {
    for (const value of ['0', '-20']) expect(() => loadConfig({ PNL_MARGIN_TARGET_PCT: value })).toThrow(/PNL_MARGIN_TARGET_PCT="-?\d+": must be above 0/);
    expect(loadConfig({ PNL_MARGIN_TARGET_PCT: '0.5' }).marginTargetPct).toBe(0.5);
  });

  it('refuses values that would break the service later: a TTL past 2106, timers Node cannot hold, an absurd dedup table', () => {
    const problem = (env: Record<string, string>): string => {
      try {
        loadConfig(env);
        return 'accepted';
      } catch (err) {
        return (err as ConfigError).problems.join('\n');
      }
    };
    expect(problem({ PNL_RETENTION_RAW_MONTHS: '1200' })).toMatch(/^PNL_RETENTION_RAW_MONTHS="1200": at most 600 months/);
    expect(problem({ PNL_RETENTION_AGGREGATE_MONTHS: '601' })).toMatch(/^PNL_RETENTION_AGGREGATE_MONTHS="601": at most 600 months/);
    expect(problem({ PNL_RETENTION_RAW_MONTHS: '600', PNL_RETENTION_AGGREGATE_MONTHS: '600' })).toBe('accepted');
    for (const key of ['PNL_BATCH_MAX_DELAY_MS', 'PNL_BATCH_IDLE_MS', 'PNL_METRICS_REFRESH_MS', 'PNL_PNL_REFRESH_MS']) {
      expect(problem({ [key]: '3000000000' })).toMatch(new RegExp(`^${key}="3000000000": at most 2147483647 ms`));
    }
    expect(problem({ PNL_DEDUP_MAX_KEYS: '1e10' })).toMatch(/^PNL_DEDUP_MAX_KEYS="1e10": at most 100,000,000 keys/);
  });

  it('checks the shape of the JSON settings at start, not on the first span', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig(env);
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ PNL_ATTRIBUTION_ALIASES: '{"pnl.customer":["tenant.id"]}' })).toEqual([expect.stringMatching(/^PNL_ATTRIBUTION_ALIASES: aliases: unknown attribution key "pnl.customer"/)]);
    expect(problems({ PNL_ATTRIBUTION_ALIASES: '{"pnl.customer.id":"tenant.id"}' })).toEqual([expect.stringMatching(/^PNL_ATTRIBUTION_ALIASES: must be a JSON object of pnl\.\* key to a list/)]);
    expect(problems({ PNL_CACHE_INCLUSION: '{}' })).toEqual([expect.stringMatching(/^PNL_CACHE_INCLUSION: must be a JSON array/)]);
    expect(problems({ PNL_CACHE_INCLUSION: '[{"scope":"x"}]' })).toEqual(['PNL_CACHE_INCLUSION: cacheInclusion[0] needs a boolean includesCache']);
    expect(problems({ PNL_UNIT_COST_TARGETS: '{"chat":"0.05"}' })).toEqual([expect.stringMatching(/^PNL_UNIT_COST_TARGETS: must be a JSON object of feature to a cost/)]);
    expect(problems({ PNL_ATTRIBUTION_ALIASES: '{"pnl.customer.id":["tenant.id"]}', PNL_CACHE_INCLUSION: '[{"scope":"x","includesCache":false}]', PNL_UNIT_COST_TARGETS: '{"chat":0.05}' })).toEqual([]);
  });

  it('is documented in the README table, variable by variable, with its flag and default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const f of Object.values(CONFIG_FIELDS)) {
      const flag = f.flag ? `\`--${f.flag}\`` : '—';
      const dflt = f.default === undefined ? 'unset' : `\`${String(f.default)}\``;
      expect(readme, `README row for ${f.env}`).toContain(`| \`${f.env}\` | ${flag} | ${dflt} | ${f.doc} |`);
    }
  });
});
