import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** The Debian package that ships each tool, for the install hint. */
const PACKAGE_OF: Record<string, string> = {
  promtool: 'prometheus',
  prometheus: 'prometheus',
  amtool: 'prometheus-alertmanager',
  alertmanager: 'prometheus-alertmanager',
  'prometheus-alertmanager': 'prometheus-alertmanager',
};

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * The absolute path of the first of `names` found on PATH. Throws (so the test fails, never
 * skips) with the package to install when none is: these tests exist to run the real tools.
 * Debian names the Alertmanager binary `prometheus-alertmanager`, upstream `alertmanager`.
 */
export function requireTool(...names: string[]): string {
  for (const name of names) {
    const path = onPath(name);
    if (path !== undefined) return path;
  }
  const pkg = PACKAGE_OF[names[0] ?? ''] ?? names[0];
  throw new Error(
    `${names.join(' or ')} not found on PATH. Install it: apt-get install -y ${pkg} ` +
      '(CI installs prometheus and prometheus-alertmanager in .ci/run). The alerting tests do not skip without it.',
  );
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertion messages. */
  output: string;
}

/** Runs a tool to completion (bounded by `timeoutMs`) and returns its exit code and output. */
export function runTool(path: string, args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): ToolResult {
  const r = spawnSync(path, args, { cwd: options.cwd, encoding: 'utf8', timeout: options.timeoutMs ?? 60_000 });
  if (r.error) throw new Error(`${path} ${args.join(' ')} did not run: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, output: `${r.stdout}\n${r.stderr}` };
}
