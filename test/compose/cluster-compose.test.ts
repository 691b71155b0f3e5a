import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { requireTool, runTool } from '../alerting/support/tools.js';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const COMPOSE_FILE = join(root, 'docker-compose.cluster.yml');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  hostname?: string;
  environment?: Record<string, string>;
  volumes?: Array<string | { source?: string; target?: string; type?: string }>;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/*
 * No Docker engine runs on the build machines, so the cluster stack cannot be started here.
 * What can be checked is checked: docker-compose (v1) validates and resolves the file; every
 * mounted file exists; the Collector routes by trace id to one relay per exporter replica, each
 * relay forwarding to a different replica, and every replica is reached; every replica applies
 * the cluster schema; Prometheus (promtool) scrapes every replica; and ClickHouse itself (the
 * embedded engine) loads each server's shipped config files and agrees with the compose file
 * on the cluster's shards, replicas and macros.
 */

/** `source` of the mount at `target` (docker-compose config writes mounts in long form). */
function mountSource(svc: Service, target: string): string | undefined {
  for (const v of svc.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, t] = v.split(':');
      if (t === target) return source;
    } else if (v.target === target) return v.source;
  }
  return undefined;
}

let compose: ComposeFile;
const byImage = (prefix: string): Array<[string, Service]> => Object.entries(compose.services).filter(([, s]) => (s.image ?? '').startsWith(prefix));

beforeAll(async () => {
  let stdout: string;
  try {
    ({ stdout } = await run('docker-compose', ['-f', COMPOSE_FILE, 'config'], { cwd: root }));
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('docker-compose is not installed: apt-get install -y docker-compose (.ci/run does this)');
    throw new Error(`docker-compose config failed: ${e.stderr ?? String(err)}`);
  }
  compose = parse(stdout) as ComposeFile;
});

describe('docker-compose.cluster.yml', () => {
  it('is valid, pins every image, and mounts only files that exist', () => {
    const names = Object.keys(compose.services);
    expect(names).toEqual(expect.arrayContaining(['clickhouse-keeper', 'otel-collector', 'prometheus', 'alertmanager', 'grafana']));
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.image !== undefined && !svc.image.startsWith('agentic-pnl:')) expect(svc.image, `${name} image`).toMatch(/:v?[0-9][\w.-]*$/);
      if (svc.build) expect(existsSync(join(svc.build.context, svc.build.dockerfile)), `${name} Dockerfile`).toBe(true);
      for (const v of svc.volumes ?? []) {
        const source = typeof v === 'string' ? v.split(':')[0]! : v.source ?? '';
        if (isAbsolute(source)) expect(existsSync(source), `${name} mounts ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name} named volume ${source}`).toContain(source);
      }
    }
  });

  it('routes each trace to one exporter replica: loadbalancing by traceID over one relay per replica, every replica reached once', () => {
    const collector = compose.services['otel-collector']!;
    const configFile = mountSource(collector, '/etc/otelcol-contrib/config.yaml');
    expect(configFile).toBe(join(root, 'exporter/deploy/otel-collector-cluster.yaml'));
    const config = parse(readFileSync(configFile!, 'utf8')) as {
      exporters: Record<string, { routing_key?: string; protocol?: { otlp?: Record<string, unknown> }; resolver?: { static?: { hostnames?: string[] } } }>;
      service: { pipelines: Record<string, { exporters: string[] }> };
    };
    const lb = config.exporters['loadbalancing'];
    expect(lb?.routing_key).toBe('traceID');
    expect(lb?.protocol?.otlp).toBeDefined();
    expect(lb?.protocol?.otlp?.['endpoint']).toBeUndefined(); // the resolver supplies it
    expect(config.service.pipelines['traces']?.exporters).toEqual(['loadbalancing']);

    const replicas = byImage('agentic-pnl:').map(([name]) => name).sort();
    expect(replicas.length).toBeGreaterThanOrEqual(2);
    const reached = (lb?.resolver?.static?.hostnames ?? []).map((hostPort) => {
      const [host, port] = hostPort.split(':');
      expect(port, hostPort).toBe('4317');
      const relay = compose.services[host!];
      expect(relay, `${host} is a service of the compose file`).toBeDefined();
      const relayConfigFile = mountSource(relay!, '/etc/otelcol-contrib/config.yaml');
      expect(relayConfigFile, `${host} config`).toBe(join(root, 'exporter/deploy/otel-relay.yaml'));
      const endpoint = /^http:\/\/([\w-]+):4318$/.exec(relay!.environment?.['AGENTIC_PNL_ENDPOINT'] ?? '');
      expect(endpoint, `${host} AGENTIC_PNL_ENDPOINT`).not.toBeNull();
      return endpoint![1]!;
    });
    expect(reached.sort()).toEqual(replicas);

    const relay = parse(readFileSync(join(root, 'exporter/deploy/otel-relay.yaml'), 'utf8')) as {
      receivers: { otlp: { protocols: { grpc?: { endpoint: string } } } };
      exporters: Record<string, { endpoint?: string }>;
      service: { pipelines: { traces: { receivers: string[]; exporters: string[] } } };
    };
    expect(relay.receivers.otlp.protocols.grpc?.endpoint).toBe('0.0.0.0:4317');
    expect(relay.service.pipelines.traces.exporters.map((e) => relay.exporters[e]?.endpoint)).toEqual(['${env:AGENTIC_PNL_ENDPOINT}']);
  });

  it('runs every exporter replica on the ClickHouse cluster: CLICKHOUSE_CLUSTER set, CLICKHOUSE_URL a server of the cluster', () => {
    const clusterXml = readFileSync(join(root, 'clickhouse/cluster/cluster.xml'), 'utf8');
    const clusterName = /<remote_servers[^>]*>\s*(?:<!--[\s\S]*?-->\s*)*<([\w-]+)>/.exec(clusterXml)?.[1];
    expect(clusterName).toBe('pnl_cluster');
    const servers = byImage('clickhouse/clickhouse-server:').map(([name]) => name);
    const used = new Set<string>();
    const salts = new Set<string>();
    for (const [name, svc] of byImage('agentic-pnl:')) {
      expect(svc.environment?.['CLICKHOUSE_CLUSTER'], name).toBe(clusterName);
      const host = /^http:\/\/([\w-]+):8123$/.exec(svc.environment?.['CLICKHOUSE_URL'] ?? '')?.[1];
      expect(servers, `${name} CLICKHOUSE_URL`).toContain(host);
      used.add(host!);
      expect(svc.environment?.['PNL_SPOOL_DIR'], `${name} keeps its spool on a volume`).toBe('/home/node/spool');
      // On 0.0.0.0 the service refuses to start unless access control is configured or explicitly off.
      expect(svc.environment?.['PNL_AUTH'] === 'off' || svc.environment?.['PNL_TOKENS_FILE'] !== undefined, `${name} access control decided`).toBe(true);
      salts.add(svc.environment?.['PNL_HASH_SALT'] ?? '');
      expect(mountSource(svc, '/home/node'), `${name} home volume`).toMatch(/^agentic-pnl-\d+-data$/);
    }
    expect(used.size, 'each replica goes through a different ClickHouse server').toBe(byImage('agentic-pnl:').length);
    expect([...salts].map((s) => s.length >= 16), 'one shared PNL_HASH_SALT of 16+ characters').toEqual([true]);
  });

  it('has Prometheus scrape every exporter replica under job agentic-pnl, with a config promtool accepts', () => {
    const promtool = requireTool('promtool');
    const configFile = mountSource(compose.services['prometheus']!, '/etc/prometheus/prometheus.yml');
    expect(configFile).toBe(join(root, 'grafana/prometheus/prometheus-cluster.yml'));
    const dir = tempDir('agentic-pnl-prom-cluster-');
    try {
      // promtool resolves rule_files relative to the config, as Prometheus does in the container.
      mkdirSync(join(dir.path, 'rules'));
      copyFileSync(configFile!, join(dir.path, 'prometheus.yml'));
      for (const f of ['pnl-alerts.rules.yml', 'pnl-recording.rules.yml']) copyFileSync(join(root, 'grafana/prometheus/rules', f), join(dir.path, 'rules', f));
      const r = runTool(promtool, ['check', 'config', join(dir.path, 'prometheus.yml')]);
      expect(r.code, r.output).toBe(0);
    } finally {
      dir.remove();
    }
    const config = parse(readFileSync(configFile!, 'utf8')) as { scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }> };
    const job = config.scrape_configs.find((j) => j.job_name === 'agentic-pnl');
    const targets = job?.static_configs.flatMap((s) => s.targets).sort();
    expect(targets).toEqual(byImage('agentic-pnl:').map(([name]) => `${name}:4318`).sort());
  });
});

describe('the ClickHouse servers of docker-compose.cluster.yml, as ClickHouse reads their config files', () => {
  const dir = tempDir('agentic-pnl-ch-cluster-');
  afterAll(() => dir.remove());

  it('form pnl_cluster of 2 shards x 2 replicas, each server with its own shard and replica macros', () => {
    process.env['CLICKHOUSE_CLUSTER_SECRET'] = 'test-secret'; // the config reads it with from_env
    const servers = byImage('clickhouse/clickhouse-server:');
    expect(servers.length).toBe(4);
    const keeperXml = readFileSync(join(root, 'clickhouse/cluster/keeper.xml'), 'utf8');
    expect(keeperXml).toContain('<hostname>clickhouse-keeper</hostname>');
    expect(mountSource(compose.services['clickhouse-keeper']!, '/etc/clickhouse-keeper/keeper_config.xml')).toBe(join(root, 'clickhouse/cluster/keeper.xml'));
    for (const [name, svc] of servers) {
      expect(svc.hostname, `${name} hostname`).toBe(name);
      const cluster = mountSource(svc, '/etc/clickhouse-server/config.d/cluster.xml');
      const node = mountSource(svc, '/etc/clickhouse-server/config.d/node.xml');
      expect(cluster, `${name} cluster.xml`).toBe(join(root, 'clickhouse/cluster/cluster.xml'));
      expect(node, `${name} node.xml`).toBeDefined();
      // The server's config.d as mounted, under an empty main config; the embedded engine merges it.
      const etc = join(dir.path, name);
      mkdirSync(join(etc, 'config.d'), { recursive: true });
      writeFileSync(join(etc, 'config.xml'), '<clickhouse></clickhouse>\n');
      copyFileSync(cluster!, join(etc, 'config.d/cluster.xml'));
      copyFileSync(node!, join(etc, 'config.d/node.xml'));
      const session = new Session(join(dir.path, `${name}-data`), { connectionArgs: [`--config-file=${join(etc, 'config.xml')}`] });
      try {
        const rows = (q: string): unknown[] => session.query(q, 'JSONEachRow').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
        const macros = Object.fromEntries((rows('SELECT macro, substitution FROM system.macros') as Array<{ macro: string; substitution: string }>).map((m) => [m.macro, m.substitution]));
        const hosts = rows(`SELECT shard_num, replica_num, host_name, port FROM system.clusters WHERE cluster = 'pnl_cluster' ORDER BY shard_num, replica_num`) as Array<{ shard_num: number; replica_num: number; host_name: string; port: number }>;
        expect(hosts.map((h) => `${h.shard_num}/${h.replica_num} ${h.host_name}:${h.port}`)).toEqual([
          '1/1 clickhouse-s1r1:9000', '1/2 clickhouse-s1r2:9000', '2/1 clickhouse-s2r1:9000', '2/2 clickhouse-s2r2:9000',
        ]);
        const own = hosts.find((h) => h.host_name === name);
        expect(own, `${name} is a member of pnl_cluster`).toBeDefined();
        expect(macros).toEqual({ cluster: 'pnl_cluster', shard: String(own!.shard_num).padStart(2, '0'), replica: name });
        expect(rows(`SELECT getServerSetting('interserver_http_host') AS h`)).toEqual([{ h: name }]);
      } finally {
        session.close();
      }
    }
  });
});
