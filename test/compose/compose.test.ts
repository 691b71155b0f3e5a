import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');

interface ComposeFile {
  services: Record<string, { image?: string; build?: { context: string; dockerfile: string }; volumes?: Array<string | { source?: string; type?: string }> }>;
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
  });
});
