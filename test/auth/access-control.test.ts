import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AccessConfigError } from '../../exporter/src/auth/access-config-error.js';
import { AccessTokens, tokenDigest } from '../../exporter/src/auth/access-tokens.js';
import { resolveAccess } from '../../exporter/src/auth/resolve-access.js';
import { accessFor } from '../../exporter/src/auth/route-access.js';
import { ROLES, roleGrants, type Role } from '../../exporter/src/auth/roles.js';
import { tempDir } from '../helpers/temp-dir.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { PROTOBUF, uniqueRequests } from '../helpers/unique-requests.js';

const SECRET: Record<Role, string> = {
  ingest: 'ingest-0123456789abcdef',
  viewer: 'viewer-0123456789abcdef',
  finance: 'finance-0123456789abcdef',
  admin: 'admin-0123456789abcdef01',
};

/** Every endpoint: the OpenAPI document's routes plus the non-API ones. */
function endpoints(): Array<{ method: string; path: string }> {
  const doc = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const out = [
    { method: 'POST', path: '/v1/traces' },
    { method: 'GET', path: '/metrics' },
    { method: 'GET', path: '/healthz' },
    { method: 'GET', path: '/readyz' },
  ];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops).filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))) {
      out.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, 'cust_acme') });
    }
  }
  return out;
}

describe('route access table', () => {
  it('names every endpoint (none falls to the admin-only default by omission)', () => {
    const unlisted = endpoints().filter((e) => e.method === 'GET' && !accessFor(e.method, e.path).listed);
    expect(unlisted).toEqual([]);
  });

  it('orders roles: admin everything, finance over viewer, ingest only ingest', () => {
    expect(ROLES.map((r) => ROLES.filter((n) => roleGrants(r, n)))).toEqual([['ingest'], ['viewer'], ['viewer', 'finance'], ['ingest', 'viewer', 'finance', 'admin']]);
  });
});

describe('access tokens', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('reads a tokens file with digests and plain tokens, and PNL_TOKENS', () => {
    const file = join(dir.path, 'tokens.yaml');
    writeFileSync(file, `tokens:\n  - { name: collector, role: ingest, sha256: ${tokenDigest(SECRET.ingest)} }\n  - { name: cfo, role: finance, token: ${SECRET.finance} }\n`);
    const tokens = AccessTokens.load({ file, env: `admin:ops:${SECRET.admin}` });
    expect(tokens.identify(SECRET.ingest)).toEqual({ name: 'collector', role: 'ingest' });
    expect(tokens.identify(SECRET.finance)).toEqual({ name: 'cfo', role: 'finance' });
    expect(tokens.identify(SECRET.admin)).toEqual({ name: 'ops', role: 'admin' });
    expect(tokens.identify(`${SECRET.admin}x`)).toBeUndefined();
    expect(tokens.identify('')).toBeUndefined();
  });

  it('lists every problem of a bad tokens file without echoing a token', () => {
    const file = join(dir.path, 'bad.yaml');
    writeFileSync(file, 'tokens:\n  - { name: a, role: root, token: short-secret }\n  - { name: a, role: viewer, sha256: abc }\n');
    let error: unknown;
    try {
      AccessTokens.load({ file });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AccessConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/tokens\.0\.role must be one of ingest, viewer, finance, admin/);
    expect(message).toMatch(/tokens\.0\.token must be at least 16 characters/);
    expect(message).toMatch(/tokens\.1\.sha256 must be the 64 hex digits/);
    expect(message).not.toContain('short-secret');
  });

  it('is off on loopback without tokens, required beyond it, and can be turned off explicitly', () => {
    expect(resolveAccess({ mode: 'auto', host: '127.0.0.1' })).toBeUndefined();
    expect(() => resolveAccess({ mode: 'auto', host: '0.0.0.0' })).toThrow(/PNL_HOST=0.0.0.0 is reachable beyond this machine.*no tokens are configured/);
    expect(() => resolveAccess({ mode: 'on', host: '127.0.0.1' })).toThrow(AccessConfigError);
    expect(resolveAccess({ mode: 'off', host: '0.0.0.0' })).toBeUndefined();
    expect(resolveAccess({ mode: 'auto', host: '127.0.0.1', tokens: `viewer:v:${SECRET.viewer}` })?.size).toBe(1);
  });
});

describe('access control on the running service', () => {
  let svc: TestService;
  beforeAll(async () => {
    const tokens = ROLES.map((r) => `${r}:${r}-token-holder:${SECRET[r]}`).join(',');
    svc = await startTestService({ tokens, logLevel: 'debug' });
  });
  afterAll(() => svc.stop());

  const call = (method: string, path: string, token?: string) =>
    fetch(`${svc.url}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'POST' && path === '/v1/traces' ? PROTOBUF : { 'content-type': 'application/json' }) },
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: path === '/v1/traces' ? uniqueRequests(1, 1)[0]!.body : '{}' }),
    });

  it('answers every endpoint for every role as the table says: 401 without a token, 403 below the role', async () => {
    const seen: string[] = [];
    for (const { method, path } of endpoints()) {
      const { access } = accessFor(method, path);
      const anonymous = await call(method, path);
      await anonymous.arrayBuffer();
      expect(anonymous.status, `${method} ${path} without a token`).toBe(access === 'public' ? (path === '/readyz' ? anonymous.status : 200) : 401);
      if (access !== 'public') expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      for (const role of ROLES) {
        const res = await call(method, path, SECRET[role]);
        const text = await res.text();
        const allowed = access === 'public' || roleGrants(role, access);
        if (allowed) expect([401, 403], `${role} ${method} ${path}: ${res.status} ${text}`).not.toContain(res.status);
        else {
          expect(res.status, `${role} ${method} ${path}`).toBe(403);
          if (path !== '/v1/traces') expect(JSON.parse(text)).toEqual({ error: { code: 'forbidden', message: expect.stringContaining(`needs role ${access}`) } });
        }
        seen.push(`${role} ${method} ${path} ${res.status}`);
      }
    }
    // The matrix really covered writes, revenue reads and ingest.
    expect(seen).toContain('viewer PUT /api/v1/revenue 403');
    expect(seen).toContain('viewer GET /api/v1/summary 403');
    expect(seen).toContain('viewer GET /api/v1/forecast 403'); // projected P&L and margin give the revenue away
    expect(seen).toContain('finance GET /api/v1/summary 200');
    expect(seen).toContain('ingest POST /v1/traces 200');
    expect(seen).toContain('admin POST /v1/traces 200');
    expect(seen).toContain('finance POST /v1/traces 403');
  });

  it('refuses a wrong token and a malformed header with 401', async () => {
    expect((await call('GET', '/api/v1/budgets', 'not-a-real-token-at-all')).status).toBe(401);
    const basic = await fetch(`${svc.url}/api/v1/budgets`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { error: { message: string } }).error.message).toMatch(/not "Bearer <token>"/);
  });

  it('records admin writes in audit_log under the token name, never the token', async () => {
    const put = await fetch(`${svc.url}/api/v1/budgets/cust_audit`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${SECRET.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ limit_usd: 5 }),
    });
    expect(put.status).toBe(200);
    const rows = await svc.service.core.store.select<{ actor: string; action: string; target: string; details: string }>(
      "SELECT actor, action, target, details FROM pnl.audit_log WHERE target = 'cust_audit'",
    );
    expect(rows.map((r) => [r.actor, r.action, r.target])).toEqual([['token:admin-token-holder', 'budget.put', 'cust_audit']]);
    const all = await svc.service.core.store.select<{ text: string }>('SELECT concat(actor, details, target) AS text FROM pnl.audit_log');
    for (const r of all) for (const secret of Object.values(SECRET)) expect(r.text).not.toContain(secret);
  });
});

describe('agentic-pnl tokens new', () => {
  it('prints a token and a file entry that holds only its digest, which the service accepts', async () => {
    const { Command } = await import('commander');
    const { registerTokensCommand } = await import('../../exporter/src/cli/tokens-command.js');
    let text = '';
    await registerTokensCommand(new Command(), (t) => (text += t)).parseAsync(['node', 'x', 'tokens', 'new', '--role', 'viewer', '--name', 'grafana']);
    const token = /^#\s+(pnl_\S+)$/m.exec(text)![1]!;
    const entry = /^\s+- (\{.*\})$/m.exec(text)![1]!;
    expect(entry).not.toContain(token);
    const d = tempDir();
    try {
      writeFileSync(join(d.path, 't.yaml'), `tokens:\n  - ${entry}\n`);
      expect(AccessTokens.load({ file: join(d.path, 't.yaml') }).identify(token)).toEqual({ name: 'grafana', role: 'viewer' });
    } finally {
      d.remove();
    }
  });
});
