import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createClient, type ClickHouseClient, type DataFormat } from '@clickhouse/client';
import { tempDir } from './temp-dir.js';

/**
 * ClickHouse's HTTP interface, served on loopback by the embedded engine: what the service's
 * remote mode (`CLICKHOUSE_URL`, @clickhouse/client over HTTP) talks to in tests, since no
 * ClickHouse server can run on this machine. Every statement is executed by the real engine
 * (chdb), so DDL, parameters, settings and insert deduplication behave as ClickHouse's own;
 * only the HTTP framing is ours. `failing = true` answers every request with 503, like a
 * server that is down or overloaded.
 */
export class ClickHouseHttpFacade {
  failing = false;
  /** Requests received, failed or not. */
  requests = 0;
  private readonly structures = new Map<string, Map<string, string>>();
  private fileSeq = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly engine: ClickHouseClient,
    private readonly dir: { path: string; remove: () => void },
  ) {}

  static async start(): Promise<ClickHouseHttpFacade> {
    const dir = tempDir('pnl-facade-');
    const { createChdbConnection } = (await import('chdb/connection')) as { createChdbConnection: (o: { path: string }) => unknown };
    const engine = createClient({ connection: createChdbConnection({ path: join(dir.path, 'engine') }) as never });
    let facade: ClickHouseHttpFacade | undefined;
    const server = http.createServer((req, res) => void facade!.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    facade = new ClickHouseHttpFacade(server, engine, dir);
    return facade;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The engine behind the facade, for the test's own checks. */
  get client(): ClickHouseClient {
    return this.engine;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
    await this.engine.close();
    this.dir.remove();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    this.requests++;
    if (this.failing) return void res.writeHead(503).end('Code: 242. DB::Exception: Table is in readonly mode (facade: simulated outage). (TABLE_IS_READ_ONLY)\n');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/ping') return void res.end('Ok.\n');
    try {
      res.end(await this.execute(url.searchParams, body));
    } catch (err) {
      res.writeHead(500, { 'X-ClickHouse-Exception-Code': '0' }).end(`Code: 0. DB::Exception: ${(err as Error).message}\n`);
    }
  }

  private async execute(search: URLSearchParams, body: Buffer): Promise<string> {
    const settings: Record<string, string> = {};
    const params: Record<string, string> = {};
    for (const [k, v] of search) {
      if (k.startsWith('param_')) params[k.slice(6)] = v;
      else if (!['query', 'query_id', 'database', 'session_id', 'default_format'].includes(k)) settings[k] = v;
    }
    const text = search.get('query') ?? body.toString('utf8');
    const insert = /^\s*INSERT\s+INTO\s+(\S+)\s*(?:\(([^)]*)\))?\s*FORMAT\s+(\w+)\s*$/i.exec(text);
    if (search.has('query') && insert) {
      const [, table, columnList, format] = insert;
      if (format === 'JSONEachRow') {
        const values = body.toString('utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
        await this.engine.insert({ table: table!, values, format: 'JSONEachRow', clickhouse_settings: settings });
        return '';
      }
      const file = join(this.dir.path, `insert-${this.fileSeq++}.bin`);
      writeFileSync(file, body);
      const structure = await this.structureOf(table!, columnList);
      await this.engine.command({
        query: `INSERT INTO ${table} (${columnList ?? '*'}) SELECT * FROM file('${file}', '${format}', '${structure.replace(/'/g, "\\'")}')`,
        clickhouse_settings: settings,
      });
      return '';
    }
    const withFormat = /^([\s\S]*?)\s*FORMAT\s+(\w+)\s*$/i.exec(text);
    if (withFormat) {
      const rs = await this.engine.query({ query: withFormat[1]!, format: withFormat[2] as DataFormat, query_params: params, clickhouse_settings: settings });
      return rs.text();
    }
    await this.engine.command({ query: text, query_params: params, clickhouse_settings: settings });
    return '';
  }

  /** `name Type, ...` of the listed columns (all when none), from the engine's own schema. */
  private async structureOf(table: string, columnList: string | undefined): Promise<string> {
    let types = this.structures.get(table);
    if (types === undefined) {
      const rs = await this.engine.query({ query: `DESCRIBE TABLE ${table}`, format: 'JSONEachRow' });
      types = new Map((await rs.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
      this.structures.set(table, types);
    }
    const names = columnList ? columnList.split(',').map((c) => c.trim()) : [...types.keys()];
    return names.map((n) => `${n} ${types.get(n)}`).join(', ');
  }
}
