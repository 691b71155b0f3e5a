// Runs every benchmark one after another (never in parallel: these machines are noisy).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url).pathname;
const only = process.argv[2];
// load-test.mjs runs for minutes: on its own, with npm run load-test.
const helpers = ['run-all.mjs', 'synthetic-spans.mjs', 'load-test.mjs'];
const benches = readdirSync(dir).filter((f) => /\.(mjs|ts)$/.test(f) && !helpers.includes(f) && (!only || f.includes(only)));
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  // TypeScript benchmarks run on the sources through tsx; .mjs ones on the built packages.
  const args = b.endsWith('.ts') ? ['--import', 'tsx', `${dir}${b}`] : ['--expose-gc', `${dir}${b}`];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
