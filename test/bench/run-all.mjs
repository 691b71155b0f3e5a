// Runs every benchmark one after another (never in parallel: these machines are noisy).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('.', import.meta.url).pathname;
const only = process.argv[2];
const benches = readdirSync(dir).filter((f) => f.endsWith('.mjs') && !['run-all.mjs', 'synthetic-spans.mjs'].includes(f) && (!only || f.includes(only)));
let failed = 0;
for (const b of benches) {
  console.log(`\n=== ${b}`);
  const r = spawnSync(process.execPath, ['--expose-gc', `${dir}${b}`], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
