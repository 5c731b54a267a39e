/**
 * People and their place in a business: users (one per email, across businesses) and memberships with a
 * role. Changes are audited; a business always keeps at least one owner.
 */
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { type Actor, audit } from '../db/audit';
import { type Db, isUuid, withBusiness, withSystem } from '../db/client';
import { apiKeys, memberships, users, webSessions } from '../db/schema';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors';
import { ROLES, type Role } from './permissions';

export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  since: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function normalizeEmail(email: string): string {
  const e = email.trim().toLowerCase();
  if (!EMAIL.test(e) || e.length > 254) throw new InvalidInputError(`email: "${email}" is not an email address.`);
  return e;
}

function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role))
    throw new InvalidInputError(`role: "${role}" is not one of ${ROLES.join(', ')}.`);
  return role as Role;
}

/** The user with this email, created when new (users are not business-owned: system scope). */
async function userFor(db: Db, email: string, name: string | undefined): Promise<{ id: string; name: string | null }> {
  return withSystem(db, async (tx) => {
    const [created] = await tx
      .insert(users)
      .values({ email, name: name?.trim() || null })
      .onConflictDoNothing()
      .returning({ id: users.id, name: users.name });
    if (created) return created;
    // Known already (perhaps removed once: coming back undeletes them).
    const [found] = await tx
      .update(users)
      .set({ deletedAt: null, updatedAt: sql`now()` })
      .where(sql`lower(${users.email}) = ${email}`)
      .returning({ id: users.id, name: users.name });
    return found!;
  });
}

export async function listMembers(tx: Db, businessId: string): Promise<Member[]> {
  const rows = await tx
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      since: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.businessId, businessId), isNull(users.deletedAt)))
    .orderBy(asc(memberships.createdAt));
  return rows.map((r) => ({ ...r, role: r.role as Role, since: r.since.toISOString() }));
}

/** The member's role, or null when they are not (or no longer) a member. */
export async function roleOf(tx: Db, businessId: string, userId: string): Promise<Role | null> {
  if (!isUuid(userId)) return null;
  const [row] = await tx
    .select({ role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.businessId, businessId), eq(memberships.userId, userId), isNull(users.deletedAt)));
  return (row?.role as Role | undefined) ?? null;
}

/** A person's membership of the business: their role and since when (a re-added member starts anew). */
export async function membershipOf(
  tx: Db,
  businessId: string,
  userId: string,
): Promise<{ role: Role; since: Date } | null> {
  if (!isUuid(userId)) return null;
  const [row] = await tx
    .select({ role: memberships.role, since: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.businessId, businessId), eq(memberships.userId, userId), isNull(users.deletedAt)));
  return row ? { role: row.role as Role, since: row.since } : null;
}

export async function memberByEmail(tx: Db, businessId: string, email: string): Promise<Member | null> {
  const e = normalizeEmail(email);
  return (await listMembers(tx, businessId)).find((m) => m.email.toLowerCase() === e) ?? null;
}

export async function memberById(tx: Db, businessId: string, userId: string): Promise<Member | null> {
  if (!isUuid(userId)) return null;
  return (await listMembers(tx, businessId)).find((m) => m.userId === userId) ?? null;
}

/** Adds a person (by email) to the business with a role, or changes the role of one already in it. */
export async function addMember(
  db: Db,
  businessId: string,
  input: { email: string; name?: string | undefined; role: string },
  actor: Actor,
): Promise<Member> {
  const email = normalizeEmail(input.email);
  const role = checkRole(input.role);
  const user = await userFor(db, email, input.name);
  return withBusiness(db, businessId, async (tx) => {
    const before = await roleOf(tx, businessId, user.id);
    if (before === role) return (await memberById(tx, businessId, user.id))!;
    if (before === 'owner') await keepAnOwner(tx, businessId, user.id);
    await tx
      .insert(memberships)
      .values({ businessId, userId: user.id, role })
      .onConflictDoUpdate({ target: [memberships.businessId, memberships.userId], set: { role } });
    await audit(tx, businessId, actor, {
      action: before ? 'member.role_changed' : 'member.added',
      entityType: 'membership',
      entityId: user.id,
      oldValues: before ? { role: before } : undefined,
      newValues: { email, role },
    });
    return (await memberById(tx, businessId, user.id))!;
  });
}

export async function setMemberRole(tx: Db, businessId: string, userId: string, role: string, actor: Actor) {
  const next = checkRole(role);
  const member = await memberById(tx, businessId, userId);
  if (!member) throw new NotFoundError(`No member ${userId} in this business.`);
  if (member.role === next) return member;
  if (member.role === 'owner') await keepAnOwner(tx, businessId, userId);
  await tx
    .update(memberships)
    .set({ role: next })
    .where(and(eq(memberships.businessId, businessId), eq(memberships.userId, userId)));
  await audit(tx, businessId, actor, {
    action: 'member.role_changed',
    entityType: 'membership',
    entityId: userId,
    oldValues: { role: member.role },
    newValues: { role: next },
  });
  return { ...member, role: next };
}

export async function removeMember(tx: Db, businessId: string, userId: string, actor: Actor): Promise<void> {
  const member = await memberById(tx, businessId, userId);
  if (!member) throw new NotFoundError(`No member ${userId} in this business.`);
  if (member.role === 'owner') await keepAnOwner(tx, businessId, userId);
  await tx.delete(memberships).where(and(eq(memberships.businessId, businessId), eq(memberships.userId, userId)));
  // Their credentials for this business end with the membership: added again later, they start with none.
  // (Widget tokens are refused by their issue time: see verifyWidgetToken.)
  const keys = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.businessId, businessId), eq(apiKeys.createdByUserId, userId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  const sessions = await tx
    .update(webSessions)
    .set({ revokedAt: new Date() })
    .where(and(eq(webSessions.businessId, businessId), eq(webSessions.userId, userId), isNull(webSessions.revokedAt)))
    .returning({ id: webSessions.id });
  await audit(tx, businessId, actor, {
    action: 'member.removed',
    entityType: 'membership',
    entityId: userId,
    oldValues: { email: member.email, role: member.role },
    newValues: { revokedApiKeys: keys.map((k) => k.id), endedSessions: sessions.length },
  });
}

/**
 * Refuses to take away the last owner: nobody could manage the members afterwards. The owners' rows are locked
 * first, so two demotions at once cannot each see the other owner still there and both go through.
 */
async function keepAnOwner(tx: Db, businessId: string, leavingUserId: string): Promise<void> {
  await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.businessId, businessId), eq(memberships.role, 'owner')))
    .for('update');
  const owners = (await listMembers(tx, businessId)).filter((m) => m.role === 'owner' && m.userId !== leavingUserId);
  if (owners.length === 0)
    throw new ConflictError('That is the business’s last owner: make someone else an owner first.');
}
