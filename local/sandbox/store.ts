import { randomBytes } from 'node:crypto';
import type { SandboxSeed } from './seed.ts';

export type SandboxUser = SandboxSeed['users'][number];
export type SandboxGroup = SandboxSeed['groups'][number];

export interface MintLimit {
  max: number;
  windowMs: number;
}

export interface IssuedToken {
  scopes: readonly string[];
  expiresAt: number;
}

export type MintResult =
  | { ok: true; accessToken: string; expiresInSeconds: number }
  | { ok: false; error: 'invalid_client' | 'invalid_code' | 'unsupported_grant_type' }
  | { ok: false; error: 'Access Denied' };

export interface MintParams {
  grantType: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  refreshToken: string | undefined;
}

/** The sandbox org's mutable state: directory, issued tokens and the token-mint log. */
export class SandboxStore {
  users: SandboxUser[] = [];
  groups: SandboxGroup[] = [];
  tokensMinted = 0;
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #mints = new Map<string, number[]>();

  constructor(
    readonly seed: SandboxSeed,
    private readonly options: { tokenTtlSeconds: number; mintLimit: MintLimit; now: () => number },
  ) {
    this.reset();
  }

  get orgId(): string {
    return this.seed.orgId;
  }

  /** Restores the seed and forgets every token and mint (unless `keepTokens`). */
  reset(options: { keepTokens?: boolean } = {}): void {
    this.users = structuredClone(this.seed.users);
    this.groups = structuredClone(this.seed.groups);
    if (options.keepTokens) return;
    this.#tokens.clear();
    this.#mints.clear();
    this.tokensMinted = 0;
  }

  /** Invalidates every access token issued so far; returns how many there were. */
  revokeTokens(): number {
    const count = this.#tokens.size;
    this.#tokens.clear();
    return count;
  }

  /** Zoho's refresh-token grant, including its per-refresh-token mint limit. */
  mint(params: MintParams): MintResult {
    const { oauth } = this.seed;
    if (params.grantType !== 'refresh_token') return { ok: false, error: 'unsupported_grant_type' };
    if (params.clientId !== oauth.clientId || params.clientSecret !== oauth.clientSecret) {
      return { ok: false, error: 'invalid_client' };
    }
    if (params.refreshToken !== oauth.refreshToken) return { ok: false, error: 'invalid_code' };
    const now = this.options.now();
    const { max, windowMs } = this.options.mintLimit;
    const recent = (this.#mints.get(params.refreshToken) ?? []).filter((t) => t > now - windowMs);
    this.#mints.set(params.refreshToken, recent);
    if (recent.length >= max) return { ok: false, error: 'Access Denied' };
    recent.push(now);
    const accessToken = `1000.${randomBytes(16).toString('hex')}.${randomBytes(16).toString('hex')}`;
    const ttl = this.options.tokenTtlSeconds;
    this.#tokens.set(accessToken, { scopes: [...oauth.scopes], expiresAt: now + ttl * 1000 });
    this.tokensMinted += 1;
    return { ok: true, accessToken, expiresInSeconds: ttl };
  }

  /** The live token with this value, or undefined when unknown or expired. */
  token(value: string): IssuedToken | undefined {
    const token = this.#tokens.get(value);
    if (token === undefined) return undefined;
    if (this.options.now() >= token.expiresAt) {
      this.#tokens.delete(value);
      return undefined;
    }
    return token;
  }

  user(id: string): SandboxUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  group(id: string): SandboxGroup | undefined {
    return this.groups.find((g) => g.id === id);
  }

  /** The help center Zoho uses when a request names none (the seed's first). */
  get defaultHelpCenterId(): string {
    return this.seed.helpCenters[0]?.id ?? '';
  }

  helpCenterExists(id: string): boolean {
    return this.seed.helpCenters.some((hc) => hc.id === id);
  }

  /** Users of every help center whose email contains `text`, case-insensitively. */
  searchUsers(text: string): SandboxUser[] {
    const needle = text.toLowerCase();
    return this.users.filter((u) => u.email.toLowerCase().includes(needle));
  }

  groupsOf(user: SandboxUser): SandboxGroup[] {
    return user.groupIds.flatMap((id) => this.group(id) ?? []);
  }

  /** Removes the listed users from one group; ids that are not members are ignored. */
  removeMembers(groupId: string, userIds: readonly string[]): void {
    const ids = new Set(userIds);
    for (const user of this.users) {
      if (ids.has(user.id)) user.groupIds = user.groupIds.filter((id) => id !== groupId);
    }
  }

  /** Removes a user from every group of one help center. */
  removeFromHelpCenterGroups(user: SandboxUser, helpCenterId: string): void {
    user.groupIds = user.groupIds.filter((id) => this.group(id)?.helpCenterId !== helpCenterId);
  }

  /** removePortalUser: the user leaves the help center (status DELETED, no groups). */
  removePortalUser(user: SandboxUser): void {
    user.groupIds = [];
    user.status = 'DELETED';
  }

  deleteGroup(groupId: string): void {
    this.groups = this.groups.filter((g) => g.id !== groupId);
    for (const user of this.users) user.groupIds = user.groupIds.filter((id) => id !== groupId);
  }

  snapshot(): { users: SandboxUser[]; groups: SandboxGroup[] } {
    return {
      users: this.users.map(({ id, email, helpCenterId, groupIds }) => ({
        id,
        email,
        helpCenterId,
        groupIds: [...groupIds],
      })),
      groups: this.groups.map(({ id, helpCenterId, name }) => ({ id, helpCenterId, name })),
    };
  }
}
