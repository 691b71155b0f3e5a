import type { Role } from './roles.js';

/** What an endpoint needs: a role, or nothing (health probes). */
export type Access = Role | 'public';

interface Rule {
  method: string;
  path: RegExp;
  access: Access;
}

/*
 * One table for every endpoint. Reads that show only costs are `viewer`; anything that shows
 * revenue or margin (the P&L, snapshots, trends, revenue metrics, and /metrics, which carries
 * the P&L gauges) is `finance`; every write is `admin`. A test walks docs/openapi.yaml and
 * fails on any route this table does not name, so a new endpoint cannot slip through with
 * the default.
 */
const RULES: readonly Rule[] = [
  { method: 'POST', path: /^\/v1\/traces$/, access: 'ingest' },
  { method: 'GET', path: /^\/healthz$/, access: 'public' },
  { method: 'GET', path: /^\/readyz$/, access: 'public' },
  { method: 'GET', path: /^\/metrics$/, access: 'finance' },
  { method: 'GET', path: /^\/api\/v1\/budgets(\/[^/]+)?$/, access: 'viewer' },
  { method: 'GET', path: /^\/api\/v1\/anomalies$/, access: 'viewer' },
  { method: 'GET', path: /^\/api\/v1\/recommendations$/, access: 'viewer' },
  { method: 'GET', path: /^\/api\/v1\/export$/, access: 'viewer' },
  { method: 'GET', path: /^\/api\/v1\/token-checks$/, access: 'viewer' },
  { method: 'GET', path: /^\/api\/v1\/summary$/, access: 'finance' },
  // Each forecast holds the projected P&L and margin, from which the revenue follows.
  { method: 'GET', path: /^\/api\/v1\/forecast$/, access: 'finance' },
  { method: 'GET', path: /^\/api\/v1\/customers\/[^/]+\/(snapshot|trend)$/, access: 'finance' },
  { method: 'GET', path: /^\/api\/v1\/revenue\/metrics$/, access: 'finance' },
  { method: 'GET', path: /^\/api\/v1\/reconciliation$/, access: 'finance' },
  // Negotiated prices are commercial terms.
  { method: 'GET', path: /^\/api\/v1\/prices\/overrides$/, access: 'finance' },
];

/** The access an endpoint needs. Unlisted endpoints need `admin`: closed unless named above. */
export function accessFor(method: string, path: string): { access: Access; listed: boolean } {
  const m = method === 'HEAD' ? 'GET' : method;
  for (const rule of RULES) if (rule.method === m && rule.path.test(path)) return { access: rule.access, listed: true };
  return { access: 'admin', listed: false };
}
