import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/**
 * Builds the packages before any test file runs. Tests import the TypeScript sources, but some
 * code runs compiled: the ingest worker thread loads exporter/dist, and the CLI and service
 * tests spawn exporter/dist/cli/main.js. Running one test file with `npx vitest run <file>`
 * after editing a source would otherwise test the old build. Incremental: ~0.3 s when nothing
 * changed.
 */
export default function buildPackages(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'exporter', 'instrumentation'], { stdio: 'inherit' });
}
