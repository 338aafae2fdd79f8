import { isAppError } from '#core/domain/errors.ts';
import type { HelpCenter } from '#core/ports/help-center.ts';

type GroupRemovalResult = Awaited<ReturnType<HelpCenter['removeUsersFromGroup']>>;

interface Waiter {
  userIds: readonly string[];
  resolve: (result: GroupRemovalResult) => void;
  reject: (error: unknown) => void;
}

interface Pending {
  helpCenterId: string;
  groupId: string;
  dryRun: boolean;
  waiters: Waiter[];
  userIds: Set<string>;
  timer?: ReturnType<typeof setTimeout>;
  /** When the first removal of this call arrived (Date.now()). */
  firstAt: number;
}

export interface GroupRemovalCoalescingOptions {
  /** How long the first removal for a group waits for others to join it. */
  windowMs: number;
  /**
   * With a value above `windowMs`, the window slides: each removal that joins restarts the
   * `windowMs` wait, up to `maxWaitMs` after the first (people whose lookups finish a little apart
   * still share one call, and a lone removal still waits only `windowMs`). Default: `windowMs`.
   */
  maxWaitMs?: number;
  /** Most `userIds` in one call (the request builders' bound, MAX_IDS_PER_REQUEST). */
  maxUsers: number;
}

/**
 * Wraps a Help Center so that group-centric removals for the same group arriving within
 * `windowMs` (e.g. the parallel records of one SQS batch) go out as one call with up to 100
 * `userIds` (the reason seed Approach A exists). Each caller still gets its own outcome: a
 * transient failure fails every caller (each retries and coalesces again); a permanent failure of
 * a shared call is retried person by person, so only the people it fails for fail.
 */
export function coalesceGroupRemovals(
  inner: HelpCenter,
  options: GroupRemovalCoalescingOptions,
): HelpCenter {
  const { maxUsers } = options;
  const pending = new Map<string, Pending>();

  const flush = (key: string, batch: Pending): void => {
    if (pending.get(key) === batch) pending.delete(key);
    if (batch.timer !== undefined) clearTimeout(batch.timer);
    void send(batch);
  };

  const send = async (batch: Pending): Promise<void> => {
    const { helpCenterId, groupId, dryRun, waiters } = batch;
    try {
      const result = await inner.removeUsersFromGroup(helpCenterId, groupId, [...batch.userIds], {
        dryRun,
      });
      for (const w of waiters) w.resolve(result);
    } catch (error) {
      const retryable = isAppError(error) ? error.retryable : true;
      if (waiters.length === 1 || retryable) {
        for (const w of waiters) w.reject(error);
        return;
      }
      // One person's id may be what the Help Center refused: settle each person on their own.
      await Promise.all(
        waiters.map((w) =>
          inner
            .removeUsersFromGroup(helpCenterId, groupId, w.userIds, { dryRun })
            .then(w.resolve, w.reject),
        ),
      );
    }
  };

  return {
    findUsersByEmail: (email) => inner.findUsersByEmail(email),
    removeUserFromAllGroups: (helpCenterId, userId, opts) =>
      inner.removeUserFromAllGroups(helpCenterId, userId, opts),
    listUserGroups: (userId, helpCenterId) => inner.listUserGroups(userId, helpCenterId),
    removeUsersFromGroup: (helpCenterId, groupId, userIds, opts = {}) => {
      // Never empty, never more than one call can carry: the inner client refuses those as is.
      if (userIds.length === 0 || userIds.length > maxUsers) {
        return inner.removeUsersFromGroup(helpCenterId, groupId, userIds, opts);
      }
      const dryRun = opts.dryRun ?? false;
      const key = JSON.stringify([helpCenterId, groupId, dryRun]);
      let batch = pending.get(key);
      const added = batch ? userIds.filter((id) => !batch?.userIds.has(id)).length : 0;
      if (batch && batch.userIds.size + added > maxUsers) {
        flush(key, batch);
        batch = undefined;
      }
      if (!batch) {
        const created: Pending = {
          helpCenterId,
          groupId,
          dryRun,
          waiters: [],
          userIds: new Set(),
          firstAt: Date.now(),
        };
        created.timer = setTimeout(() => flush(key, created), options.windowMs);
        pending.set(key, created);
        batch = created;
      } else if ((options.maxWaitMs ?? 0) > options.windowMs) {
        const joined = batch;
        const left = joined.firstAt + (options.maxWaitMs ?? 0) - Date.now();
        clearTimeout(joined.timer);
        joined.timer = setTimeout(
          () => flush(key, joined),
          Math.max(0, Math.min(options.windowMs, left)),
        );
      }
      const target = batch;
      return new Promise<GroupRemovalResult>((resolve, reject) => {
        target.waiters.push({ userIds, resolve, reject });
        for (const id of userIds) target.userIds.add(id);
        if (target.userIds.size >= maxUsers) flush(key, target);
      });
    },
  };
}
