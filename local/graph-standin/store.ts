/** What the Graph stand-in holds: users, subscriptions, issued tokens and the call log. */

export interface StandinUser {
  id: string;
  accountEnabled: boolean;
  userPrincipalName: string;
  mail?: string | null;
  displayName?: string;
}

export interface StandinSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  clientState: string | null;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
}

export interface StandinCall {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
}

export interface GraphStandinState {
  calls: StandinCall[];
  subscriptions: StandinSubscription[];
  users: StandinUser[];
  tokensIssued: number;
  /** Change log the users delta query replays (`seq` increases by one per change). */
  changes: StandinChange[];
}

/** One recorded change to a user: added or updated (still present) or removed. */
export interface StandinChange {
  seq: number;
  userId: string;
  /** Set when the user was deleted: `changed` (soft delete, restorable) or `deleted` (permanent). */
  removed?: 'changed' | 'deleted';
}

export const STANDIN_TENANT_ID = '84bd8158-6d4d-4958-8b9f-9d6445542f95';
export const STANDIN_CLIENT_ID = '4f3a9c1e-7b2d-4e8a-9c5f-1a2b3c4d5e6f';
export const STANDIN_CLIENT_SECRET = 'standin-client-secret';

/** Default users; the first matches the vendor fixture `users-updated-account-disabled`. */
export const DEFAULT_STANDIN_USERS: readonly StandinUser[] = [
  {
    id: 'c37b074d-fe9d-4e68-83ad-b4401d3be174',
    accountEnabled: false,
    userPrincipalName: 'BonnieK@contoso.com',
    mail: null,
    displayName: 'Bonnie Kearney',
  },
  {
    id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
    accountEnabled: true,
    userPrincipalName: 'AdeleV@contoso.com',
    mail: 'AdeleV@contoso.com',
    displayName: 'Adele Vance',
  },
];

/** The stand-in's state; `now` is the stand-in's clock (tokens and subscriptions expire by it). */
export class GraphStandinStore {
  users: Map<string, StandinUser>;
  readonly subscriptions = new Map<string, StandinSubscription>();
  readonly tokens = new Map<string, number>();
  readonly calls: StandinCall[] = [];
  readonly changes: StandinChange[] = [];
  tokensIssued = 0;

  constructor(
    users: readonly StandinUser[],
    readonly now: () => number,
  ) {
    this.users = new Map(users.map((u) => [u.id, { ...u }]));
  }

  /** Replaces every user, recording a change for each one added, updated or removed. */
  setUsers(list: readonly StandinUser[]): void {
    const next = new Map(list.map((u) => [u.id, { ...u }]));
    for (const [id, user] of next) {
      if (JSON.stringify(this.users.get(id)) !== JSON.stringify(user)) this.recordChange(id);
    }
    for (const id of this.users.keys()) {
      if (!next.has(id)) this.recordChange(id, 'changed');
    }
    this.users = next;
  }

  /** Updates one user's properties (e.g. `accountEnabled: false`); false when there is none. */
  updateUser(id: string, patch: Partial<Omit<StandinUser, 'id'>>): boolean {
    const user = this.users.get(id);
    if (!user) return false;
    this.users.set(id, { ...user, ...patch, id });
    this.recordChange(id);
    return true;
  }

  /** Deletes a user: soft (`changed`, Graph's default) or permanent (`deleted`). */
  deleteUser(id: string, reason: 'changed' | 'deleted' = 'changed'): boolean {
    if (!this.users.delete(id)) return false;
    this.recordChange(id, reason);
    return true;
  }

  /** The last change's sequence number (0 before any). */
  get lastSeq(): number {
    return this.changes.at(-1)?.seq ?? 0;
  }

  private recordChange(userId: string, removed?: 'changed' | 'deleted'): void {
    this.changes.push({ seq: this.lastSeq + 1, userId, ...(removed ? { removed } : {}) });
  }

  /** Records a token valid for `lifetimeSeconds`. */
  issueToken(accessToken: string, lifetimeSeconds: number): void {
    this.tokens.set(accessToken, this.now() + lifetimeSeconds * 1000);
    this.tokensIssued += 1;
  }

  /** A user by object id, or by user principal name (case-insensitive). */
  findUser(idOrUpn: string): StandinUser | undefined {
    return (
      this.users.get(idOrUpn) ??
      [...this.users.values()].find(
        (u) => u.userPrincipalName.toLowerCase() === idOrUpn.toLowerCase(),
      )
    );
  }

  /** Removes subscriptions whose expiry has passed (Graph deletes them). */
  dropExpired(): void {
    for (const [id, s] of this.subscriptions) {
      if (Date.parse(s.expirationDateTime) <= this.now()) this.subscriptions.delete(id);
    }
  }

  state(): GraphStandinState {
    return {
      calls: this.calls.map((c) => ({ ...c })),
      subscriptions: [...this.subscriptions.values()].map((s) => ({ ...s })),
      users: [...this.users.values()].map((u) => ({ ...u })),
      tokensIssued: this.tokensIssued,
      changes: this.changes.map((c) => ({ ...c })),
    };
  }
}
