/**
 * Builds every dashboard and writes grafana/dashboards/<uid>.json (committed, provisioned by
 * grafana/provisioning/dashboards/dashboards.yaml). Run from the repo root:
 *   node --import tsx grafana/dashboards-src/generate.ts          # write
 *   node --import tsx grafana/dashboards-src/generate.ts --check  # exit 1 if a file is stale
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { budgetsAlerts } from './budgets-alerts.js';
import { customerPnl } from './customer-pnl.js';
import { execOverview } from './exec-overview.js';
import { featureEconomics } from './feature-economics.js';
import { ingestionHealth } from './ingestion-health.js';
import type { Dashboard } from './model.js';
import { modelSpend } from './model-spend.js';

/** Where the generated JSON goes, relative to this file. */
export const DASHBOARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dashboards');

/** Every dashboard, keyed by its output file name. */
export function buildDashboards(): Map<string, Dashboard> {
  const all = [execOverview(), customerPnl(), modelSpend(), featureEconomics(), budgetsAlerts(), ingestionHealth()];
  return new Map(all.map((d) => [`${d.uid}.json`, d]));
}

/** The exact text written for a dashboard: 2-space JSON and a final newline. */
export function renderDashboard(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

function main(argv: string[]): number {
  const check = argv.includes('--check');
  let stale = 0;
  for (const [file, d] of buildDashboards()) {
    const path = join(DASHBOARDS_DIR, file);
    const text = renderDashboard(d);
    if (check) {
      let current = '';
      try {
        current = readFileSync(path, 'utf8');
      } catch {
        // missing counts as stale
      }
      if (current !== text) {
        stale++;
        process.stderr.write(`stale: ${path} (run node --import tsx grafana/dashboards-src/generate.ts)\n`);
      }
    } else {
      writeFileSync(path, text);
      process.stdout.write(`wrote ${path} (${d.panels.length} panels)\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
