import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const dir = tempDir('agentic-pnl-demo-');
afterAll(() => dir.remove());

/*
 * `npm run demo` is the README's first command: the service, a workload through the real
 * instrumentation, the report. A small run of the same binary, in its own data directory.
 */
describe('agentic-pnl demo', () => {
  it('runs the workload through the service and prints the P&L report, then says how to serve the same data', async () => {
    const main = join(import.meta.dirname, '../../exporter/dist/cli/main.js');
    const { stdout, stderr } = await run(process.execPath, [main, 'demo', '--data-dir', dir.path, '--customers', '3', '--runs', '4'], { timeout: 120_000 });
    const output = stdout + stderr;
    const sent = /sent (\d+) LLM calls in (\d+) agent runs for 3 customers/.exec(output);
    expect(sent, output).not.toBeNull();
    // The report reads ClickHouse: every call the workload sent was stored and priced.
    expect(output).toContain(`3 customers, ${sent![1]} LLM calls, ${sent![2]} agent runs`);
    for (const customer of ['acme-corp', 'globex', 'initech']) expect(output).toMatch(new RegExp(`^${customer}\\s+\\w+\\s+\\$`, 'm'));
    expect(output).toContain(`Next: "npm start -- --data-dir ${dir.path}"`);
  }, 150_000);
});
