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

  it('is documented in the README table, variable by variable, with its flag and default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const f of Object.values(CONFIG_FIELDS)) {
      const flag = f.flag ? `\`--${f.flag}\`` : '—';
      const dflt = f.default === undefined ? 'unset' : `\`${String(f.default)}\``;
      expect(readme, `README row for ${f.env}`).toContain(`| \`${f.env}\` | ${flag} | ${dflt} | ${f.doc} |`);
    }
  });
});
