import type {
  HelpCenter,
  HelpCenterGroup,
  HelpCenterUser,
  PortalAccess,
  PortalRemovalResult,
  RemovalResult,
} from '#core/ports/help-center.ts';

interface MemberUser extends HelpCenterUser {
  groupIds: string[];
  /** Portal status (ACTIVE unless set); removePortalUser makes it DELETED. */
  status?: string;
}

/**
 * In-memory Help Center port for use-case tests (the real client is tested over sockets against the
 * sandbox). `failures` queues errors thrown by the next calls of a method.
 */
export class InMemoryHelpCenter implements HelpCenter, PortalAccess {
  readonly calls: string[] = [];
  readonly failures: Partial<Record<'find' | 'remove' | 'list' | 'portal', unknown[]>> = {};
  /** When set, removePortalUser answers but the user stays ACTIVE (to exercise verify-after). */
  portalRemovalIsIneffective = false;
  /** When set, removal leaves the groups in place (to exercise verify-after). */
  removalIsIneffective = false;

  constructor(
    readonly users: MemberUser[],
    readonly groups: HelpCenterGroup[],
  ) {}

  private failIfQueued(method: 'find' | 'remove' | 'list' | 'portal'): void {
    const queue = this.failures[method];
    if (queue && queue.length > 0) throw queue.shift();
  }

  async findUsersByEmail(email: string): Promise<HelpCenterUser[]> {
    this.calls.push(`find ${email}`);
    this.failIfQueued('find');
    return this.users
      .filter((u) => u.email.toLowerCase() === email.toLowerCase())
      .map(({ id, email: e, helpCenterId }) => ({ id, email: e, helpCenterId }));
  }

  async removeUserFromAllGroups(
    helpCenterId: string,
    userId: string,
    options: { dryRun?: boolean } = {},
  ): Promise<RemovalResult> {
    this.calls.push(`remove ${helpCenterId} ${userId}${options.dryRun ? ' (dry run)' : ''}`);
    this.failIfQueued('remove');
    const user = this.users.find((u) => u.id === userId && u.helpCenterId === helpCenterId);
    const groupIds = user ? [...user.groupIds] : [];
    if (user && !options.dryRun && !this.removalIsIneffective) user.groupIds = [];
    return {
      helpCenterId,
      userId,
      outcome: groupIds.length > 0 ? 'removed' : 'no-op',
      groupIds,
      httpStatus: 204,
      calls: 1,
      dryRun: options.dryRun ?? false,
    };
  }

  async removeUsersFromGroup(
    helpCenterId: string,
    groupId: string,
    userIds: readonly string[],
    options: { dryRun?: boolean } = {},
  ): Promise<{ httpStatus: number; calls: number; dryRun: boolean }> {
    this.calls.push(
      `remove-from-group ${helpCenterId} ${groupId} ${userIds.join(',')}${options.dryRun ? ' (dry run)' : ''}`,
    );
    this.failIfQueued('remove');
    if (userIds.length === 0) throw new Error('userIds must not be empty');
    for (const user of this.users) {
      if (user.helpCenterId !== helpCenterId || !userIds.includes(user.id)) continue;
      if (!options.dryRun && !this.removalIsIneffective) {
        user.groupIds = user.groupIds.filter((g) => g !== groupId);
      }
    }
    return { httpStatus: 204, calls: 1, dryRun: options.dryRun ?? false };
  }

  async listUserGroups(userId: string): Promise<HelpCenterGroup[]> {
    this.calls.push(`list ${userId}`);
    this.failIfQueued('list');
    const user = this.users.find((u) => u.id === userId);
    return this.groups.filter((g) => user?.groupIds.includes(g.id));
  }

  async removePortalUser(
    helpCenterId: string,
    userId: string,
    options: { dryRun?: boolean } = {},
  ): Promise<PortalRemovalResult> {
    this.calls.push(`portal ${helpCenterId} ${userId}${options.dryRun ? ' (dry run)' : ''}`);
    this.failIfQueued('portal');
    const user = this.users.find((u) => u.id === userId && u.helpCenterId === helpCenterId);
    const dryRun = options.dryRun ?? false;
    if (user === undefined) {
      return {
        helpCenterId,
        userId,
        outcome: 'already-removed',
        httpStatus: 404,
        calls: 1,
        dryRun,
      };
    }
    if (!dryRun && !this.portalRemovalIsIneffective) user.status = 'DELETED';
    return { helpCenterId, userId, outcome: 'removed', httpStatus: 204, calls: 1, dryRun };
  }

  async portalUserStatus(helpCenterId: string, userId: string): Promise<string | undefined> {
    this.calls.push(`status ${helpCenterId} ${userId}`);
    const user = this.users.find((u) => u.id === userId && u.helpCenterId === helpCenterId);
    return user?.status ?? (user ? 'ACTIVE' : undefined);
  }
}
