import { looksLikeEmail, type Subject } from '#core/domain/deprovision-request.ts';
import { AmbiguousUserError } from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { HelpCenter, HelpCenterUser } from '#core/ports/help-center.ts';
import type { IdentityRecord, IdentityStore } from '#core/ports/identity-store.ts';

/** One Help Center user id to act on. */
export interface RemovalTarget {
  helpCenterId: string;
  userId: string;
}

export interface MappingResult {
  targets: RemovalTarget[];
  /** Where the ids came from. */
  via: 'identity-store' | 'directory' | 'none';
  /** Why nothing was found, when `targets` is empty. */
  reason?: string;
  identity?: IdentityRecord;
  /** The targets found by exact email in the directory (not from identity store links). */
  fromDirectory?: RemovalTarget[];
}

/**
 * Finds the identity record for a subject: by our record id or the IdP's id (also where SCIM stored
 * it as externalId), then externalId, email, login.
 */
export async function findIdentity(
  store: IdentityStore,
  subject: Subject,
): Promise<IdentityRecord | undefined> {
  const candidates: Array<() => Promise<IdentityRecord[]>> = [];
  if (subject.idpUserId) {
    const id = subject.idpUserId;
    candidates.push(async () => {
      const direct = await store.get(id);
      if (direct) return [direct];
      const byIdp = await store.findBy('idpUserId', id);
      // SCIM provisioning commonly maps the IdP's own id (Entra objectId, Okta user id) to externalId.
      return byIdp.length > 0 ? byIdp : store.findBy('externalId', id);
    });
  }
  if (subject.externalId) candidates.push(() => store.findBy('externalId', subject.externalId!));
  if (subject.email) candidates.push(() => store.findBy('email', subject.email!));
  if (subject.login) candidates.push(() => store.findBy('userName', subject.login!));
  for (const lookup of candidates) {
    const found = await lookup();
    // A key that matches several identity records says nothing reliable; try the next key.
    if (found.length === 1) return found[0];
  }
  return undefined;
}

/** Email to look the person up by: the request's, the identity record's, or an email-like login. */
export function lookupEmail(subject: Subject, identity?: IdentityRecord): string | undefined {
  const email =
    subject.email ??
    identity?.email ??
    (subject.login && looksLikeEmail(subject.login) ? subject.login : undefined) ??
    (identity?.userName && looksLikeEmail(identity.userName) ? identity.userName : undefined);
  return email?.trim().toLowerCase();
}

/** Short-lived per-container cache of directory lookups (email → users). */
export class DirectoryCache {
  private readonly entries = new Map<string, { users: HelpCenterUser[]; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  async lookup(helpCenter: HelpCenter, email: string): Promise<HelpCenterUser[]> {
    const now = this.clock.now().getTime();
    const hit = this.entries.get(email);
    if (hit && hit.expiresAt > now) return hit.users;
    const users = await helpCenter.findUsersByEmail(email);
    this.entries.set(email, { users, expiresAt: now + this.ttlMs });
    return users;
  }
}

/**
 * Maps a subject to Help Center user ids in the given help centers: identity store links first,
 * then the directory by exact, case-insensitive email. Zero matches → no targets (a no-op).
 * @throws AmbiguousUserError when one help center has more than one user with that email.
 */
export async function mapSubject(
  deps: { identityStore: IdentityStore; helpCenter: HelpCenter; directory: DirectoryCache },
  subject: Subject,
  helpCenterIds: readonly string[],
): Promise<MappingResult> {
  const identity = await findIdentity(deps.identityStore, subject);
  const linked = identity?.helpCenterUserIds ?? {};
  const linkedTargets = helpCenterIds
    .filter((hc) => linked[hc] !== undefined)
    .map((hc) => ({ helpCenterId: hc, userId: linked[hc]! }));
  if (linkedTargets.length === helpCenterIds.length) {
    return { targets: linkedTargets, via: 'identity-store', ...(identity ? { identity } : {}) };
  }
  const email = lookupEmail(subject, identity);
  if (email === undefined) {
    return {
      targets: linkedTargets,
      via: linkedTargets.length > 0 ? 'identity-store' : 'none',
      reason: 'no email to look the person up by',
      ...(identity ? { identity } : {}),
    };
  }
  const users = (await deps.directory.lookup(deps.helpCenter, email)).filter(
    (u) => u.email.trim().toLowerCase() === email,
  );
  const targets = [...linkedTargets];
  const fromDirectory: RemovalTarget[] = [];
  for (const hc of helpCenterIds) {
    if (linked[hc] !== undefined) continue;
    const matches = users.filter((u) => u.helpCenterId === hc);
    if (matches.length > 1) {
      throw new AmbiguousUserError(
        `${matches.length} Help Center users in help center ${hc} have this email`,
        hc,
        matches.map((m) => m.id),
      );
    }
    if (matches[0]) {
      targets.push({ helpCenterId: hc, userId: matches[0].id });
      fromDirectory.push({ helpCenterId: hc, userId: matches[0].id });
    }
  }
  return {
    targets,
    via: targets.length === 0 ? 'none' : 'directory',
    ...(targets.length === 0 ? { reason: 'no Help Center user has this email' } : {}),
    ...(identity ? { identity } : {}),
    ...(fromDirectory.length > 0 ? { fromDirectory } : {}),
  };
}
