import { loadConfig, type PnlConfig } from '../../exporter/src/config/config.js';
import { createLogger } from '../../exporter/src/log/logger.js';
import { PnlService } from '../../exporter/src/service/pnl-service.js';
import { tempDir } from './temp-dir.js';

export interface TestService {
  service: PnlService;
  url: string;
  dataDir: string;
  /** Stops the service (flushing rows) and removes its data unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts the real service on an ephemeral loopback port with embedded ClickHouse in a temp dir. */
export async function startTestService(overrides: Partial<PnlConfig> = {}, dataDir?: string): Promise<TestService> {
  const dir = dataDir === undefined ? tempDir() : { path: dataDir, remove: () => undefined };
  const config: PnlConfig = { ...loadConfig({}), port: 0, host: '127.0.0.1', dataDir: dir.path, logLevel: 'warn', batchMaxDelayMs: 50, ...overrides };
  let service: PnlService;
  try {
    service = await PnlService.start(config, createLogger(config.logLevel));
  } catch (err) {
    dir.remove();
    throw err;
  }
  return {
    service,
    url: service.url,
    dataDir: dir.path,
    async stop(options = {}) {
      await service.stop();
      if (!options.keepData) dir.remove();
    },
  };
}

/** Reads one sample of a metric from a Prometheus exposition text; undefined if absent. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[p[1]!] = p[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v) && Object.keys(have).length === Object.keys(labels).length) return Number(m[3]);
  }
  return undefined;
}

/** Sums every sample of a metric whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) have[p[1]!] = p[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}
