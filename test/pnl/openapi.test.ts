import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestService, type TestService } from '../helpers/test-service.js';

const spec = parse(readFileSync(new URL('../../docs/openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };

/** Every route the app serves under /api, from express's router. */
function apiRoutes(app: unknown): string[] {
  const out: string[] = [];
  const walk = (stack: Array<{ route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: unknown[] } }>): void => {
    for (const layer of stack) {
      if (layer.route) for (const m of Object.keys(layer.route.methods)) if (layer.route.path.startsWith('/api/')) out.push(`${m} ${layer.route.path}`);
      if (layer.handle?.stack) walk(layer.handle.stack as typeof stack);
    }
  };
  walk((app as { router: { stack: Parameters<typeof walk>[0] } }).router.stack);
  return out.sort();
}

describe('docs/openapi.yaml', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.stop());

  it('documents exactly the API routes the service has', () => {
    const app = (svc.service as unknown as { app: unknown }).app;
    const served = apiRoutes(app).map((r) => r.replace(/:(\w+)/g, '{$1}'));
    const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
    expect(served).toEqual(documented);
  });

  it('every documented GET answers (not 404) for a known customer', async () => {
    for (const path of Object.keys(spec.paths)) {
      if (!('get' in spec.paths[path]!)) continue;
      const res = await fetch(`${svc.url}${path.replace('{customer}', 'someone')}`);
      // A snapshot of a customer without calls is a documented 404 with a JSON error body.
      if (path.endsWith('/snapshot')) expect(res.status).toBe(404);
      // This service runs without PNL_PRICES_FILE: a documented 409 with a JSON error body.
      else if (path === '/api/v1/prices/overrides') expect(res.status).toBe(409);
      else expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });
});
