/** One Help Center user found by the directory lookup. */
export interface HelpCenterUser {
  id: string;
  email: string;
  helpCenterId: string;
}

export interface HelpCenterGroup {
  id: string;
  helpCenterId: string;
  name?: string;
}

/** What one removal did in one help center. */
export interface RemovalResult {
  helpCenterId: string;
  userId: string;
  /** `removed`: the call succeeded (or would have, in dry run); `no-op`: nothing to remove. */
  outcome: 'removed' | 'no-op';
  /** Group ids removed when the dialect tells us (zoho-desk-v1); undefined when it does not. */
  groupIds?: string[];
  /** Help Center HTTP status of the final call. */
  httpStatus: number;
  /** Help Center calls this removal made. */
  calls: number;
  dryRun: boolean;
}

/**
 * The Help Center, as the worker sees it. Implementations translate Zoho errors into AppErrors
 * (TransientError / PermanentError with kind and hint) so use cases never look at HTTP statuses.
 */
export interface HelpCenter {
  /** Users whose email equals `email` exactly (case-insensitive), in any help center. */
  findUsersByEmail(email: string): Promise<HelpCenterUser[]>;
  /** Removes the user from every group of `helpCenterId`. @throws TransientError, PermanentError */
  removeUserFromAllGroups(
    helpCenterId: string,
    userId: string,
    options?: { dryRun?: boolean },
  ): Promise<RemovalResult>;
  /**
   * Group-centric removal (seed Approach A): removes `userIds` (1–100, never empty) from one group
   * of a configured help center, and from nothing else. @throws TransientError, PermanentError
   */
  removeUsersFromGroup(
    helpCenterId: string,
    groupId: string,
    userIds: readonly string[],
    options?: { dryRun?: boolean },
  ): Promise<{ httpStatus: number; calls: number; dryRun: boolean }>;
  /** Groups the user is still in (verify-after), optionally of one help center only. */
  listUserGroups(userId: string, helpCenterId?: string): Promise<HelpCenterGroup[]>;
}

/** What removing one Help Center user's portal access did. */
export interface PortalRemovalResult {
  helpCenterId: string;
  userId: string;
  /** `removed`: the call succeeded (or would have, in dry run); `already-removed`: Zoho knows no such portal user. */
  outcome: 'removed' | 'already-removed';
  httpStatus: number;
  calls: number;
  dryRun: boolean;
}

/**
 * Portal access of Help Center users (opt-in, REMOVE_PORTAL_ACCESS): used after a full
 * deprovision removed the person from every group, never for group-level requests.
 */
export interface PortalAccess {
  /** Removes the user's portal access (Zoho removePortalUser). @throws TransientError, PermanentError */
  removePortalUser(
    helpCenterId: string,
    userId: string,
    options?: { dryRun?: boolean },
  ): Promise<PortalRemovalResult>;
  /** The user's status in the help center (verify-after): ACTIVE, DISABLED or DELETED. */
  portalUserStatus(helpCenterId: string, userId: string): Promise<string | undefined>;
}
