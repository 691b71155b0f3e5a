import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

interface ComposeFile {
  services: Record<
    string,
    { image?: string; build?: { context: string; dockerfile: string }; environment?: Record<string, string>; volumes?: Array<string | { source?: string; target?: string; type?: string }> }
  >;
  volumes?: Record<string, unknown>;
}

/*
 * No Docker engine runs on the build machines, so the stack cannot be started here. What can
 * be checked is checked: docker-compose (v1, Debian) validates and resolves the file, every
 * image is pinned, and every file or folder it mounts or builds from exists in the repository.
 */
describe('docker-compose.yml', () => {
  it('is valid, pins every image, and mounts only files that exist', async () => {
    let stdout: string;
    try {
      ({ stdout } = await run('docker-compose', ['-f', join(root, 'docker-compose.yml'), 'config'], { cwd: root }));
    } catch (err) {
      const e = err as { code?: string; stderr?: string };
      if (e.code === 'ENOENT') throw new Error('docker-compose is not installed: apt-get install -y docker-compose (.ci/run does this)');
      throw new Error(`docker-compose config failed: ${e.stderr ?? String(err)}`);
    }
    const compose = parse(stdout) as ComposeFile;
    expect(Object.keys(compose.services).sort()).toEqual(['agentic-pnl', 'alertmanager', 'clickhouse', 'demo', 'grafana', 'otel-collector', 'prometheus']);
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.image !== undefined && name !== 'agentic-pnl' && name !== 'demo') expect(svc.image, `${name} image`).toMatch(/:v?[0-9][\w.-]*$/);
      if (svc.build) expect(existsSync(join(svc.build.context, svc.build.dockerfile)), `${name} Dockerfile`).toBe(true);
      for (const v of svc.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : v.source ?? '';
        if (isAbsolute(source)) expect(existsSync(source), `${name} mounts ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name} named volume ${source}`).toContain(source);
      }
    }
    // The service binds 0.0.0.0 in its container: it refuses to start unless access control is decided.
    const pnl = compose.services['agentic-pnl']!;
    expect(pnl.environment?.['PNL_AUTH'] === 'off' || pnl.environment?.['PNL_TOKENS_FILE'] !== undefined).toBe(true);
    // The image's PNL_DATA_DIR holds the spool: on a named volume, so acknowledged spans survive a restart.
    const dockerfile = readFileSync(join(root, 'exporter/Dockerfile'), 'utf8');
    const dataDir = /PNL_DATA_DIR=(\S+)/.exec(dockerfile)?.[1];
    expect(dataDir).toBe('/var/lib/agentic-pnl');
    expect(dockerfile).toContain(`chown node:node ${dataDir}`);
    const mount = (pnl.volumes ?? []).find((v) => (typeof v === 'string' ? v.split(':')[1] : v.target) === dataDir);
    expect(typeof mount === 'string' ? mount.split(':')[0] : mount?.source).toBe('agentic-pnl-data');
  });
});
