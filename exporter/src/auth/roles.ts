/**
 * Who may do what. `ingest` only sends spans; `viewer` reads costs (no revenue); `finance`
 * reads everything including revenue, margin and the P&L; `admin` also writes (revenue,
 * budgets, invoices, prices). Each of viewer, finance, admin includes the one before it.
 */
export const ROLES = ['ingest', 'viewer', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const READ_LEVEL: Record<Role, number> = { ingest: 0, viewer: 1, finance: 2, admin: 3 };

/** True if a principal with `role` may use an endpoint that needs `needed`. */
export function roleGrants(role: Role, needed: Role): boolean {
  if (role === 'admin') return true;
  if (needed === 'ingest') return role === 'ingest';
  return READ_LEVEL[role] >= READ_LEVEL[needed];
}
