/**
 * Who may do what. A caller is an API key (its scopes), a person (their role in the business), or a key or
 * session acting for a person (both apply: the smaller set wins). Tools, routes and MCP all ask `can`,
 * so the same rule holds on every channel; the UI only hides what the server would refuse anyway.
 *
 *   viewer      reads
 *   accountant  + categorizes (and pushes categories to Xero), handles recommendations
 *   admin       + imports, syncs and manages connections, API keys, webhooks and alerts, reads the audit log
 *   owner       + manages the business's members
 *
 * Key scopes (independent, combine them): `read` reads; `write` categorizes, handles recommendations,
 * imports and syncs; `admin` is everything. A key a person created is bound to them: it never does more than their role allows.
 */
import { ROLES } from '../db/schema';
import { ForbiddenError } from '../errors';

export { ROLES };

export const PERMISSIONS = [
  'read',
  'categorize',
  'recommendations',
  'import',
  'sync',
  'connections',
  'keys',
  'webhooks',
  'audit',
  'settings',
  'members',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type Role = (typeof ROLES)[number];

export type Scope = 'read' | 'write' | 'admin';

const VIEWER: Permission[] = ['read'];
const ACCOUNTANT: Permission[] = [...VIEWER, 'categorize', 'recommendations'];
const ADMIN: Permission[] = [...ACCOUNTANT, 'import', 'sync', 'connections', 'keys', 'webhooks', 'audit', 'settings'];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  viewer: VIEWER,
  accountant: ACCOUNTANT,
  admin: ADMIN,
  owner: [...ADMIN, 'members'],
};

export const SCOPE_PERMISSIONS: Record<Scope, readonly Permission[]> = {
  read: VIEWER,
  // Scopes are independent: a write-only key (an automation that only files categories) reads nothing.
  write: ['categorize', 'recommendations', 'import', 'sync'],
  admin: PERMISSIONS,
};

/** What a caller presents: key scopes, and when a person stands behind it, their role. */
export interface Grant {
  scopes: readonly Scope[];
  role?: Role | undefined;
  /** An upper bound carried by a session token (what the key that minted it could do). */
  cap?: readonly Permission[] | undefined;
}

export function permissionsOf(grant: Grant): Set<Permission> {
  const out = new Set<Permission>();
  for (const s of grant.scopes) for (const p of SCOPE_PERMISSIONS[s] ?? []) out.add(p);
  if (grant.role) {
    const role = new Set(ROLE_PERMISSIONS[grant.role]);
    for (const p of out) if (!role.has(p)) out.delete(p);
  }
  if (grant.cap) {
    const cap = new Set(grant.cap);
    for (const p of out) if (!cap.has(p)) out.delete(p);
  }
  return out;
}

export const can = (grant: Grant, p: Permission): boolean => permissionsOf(grant).has(p);

const NEEDS: Record<Permission, string> = {
  read: 'any member (or a key with the "read" scope)',
  categorize: 'an accountant, admin or owner (or a key with the "write" scope)',
  recommendations: 'an accountant, admin or owner (or a key with the "write" scope)',
  import: 'an admin or owner (or a key with the "write" scope)',
  sync: 'an admin or owner (or a key with the "write" scope)',
  connections: 'an admin or owner (or a key with the "admin" scope)',
  keys: 'an admin or owner (or a key with the "admin" scope)',
  webhooks: 'an admin or owner (or a key with the "admin" scope)',
  audit: 'an admin or owner (or a key with the "admin" scope)',
  settings: 'an admin or owner (or a key with the "admin" scope)',
  members: 'an owner (or a key with the "admin" scope)',
};

/** Throws 403 naming what is needed and what the caller is. */
export function requirePermission(grant: Grant, p: Permission, what: string): void {
  if (can(grant, p)) return;
  const who =
    grant.cap && !grant.cap.includes(p)
      ? `a chat widget session (${grant.cap.join(' and ')} only)`
      : grant.role
        ? `${grant.role === 'admin' || grant.role === 'accountant' || grant.role === 'owner' ? 'an' : 'a'} ${grant.role}`
        : `a key with ${grant.scopes.join(', ') || 'no'} scope`;
  throw new ForbiddenError(`${what} needs ${NEEDS[p]}; this caller is ${who}.`);
}
