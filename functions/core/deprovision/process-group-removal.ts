import { type GroupMapping, isMapped } from '#core/config/group-mapping.ts';
import { mapSubject } from '#core/deprovision/map-subject.ts';
import type { Attempt, ProcessDeps } from '#core/deprovision/process-deprovision.ts';
import { withRetries } from '#core/deprovision/retry.ts';
import type { DeprovisionRequest, GroupScope } from '#core/domain/deprovision-request.ts';
import { PermanentError, TransientError } from '#core/domain/errors.ts';

/** What the group-level use case needs beyond the user-level one. */
export interface GroupRemovalDeps extends ProcessDeps {
  /** The validated IdP group → Help Center group mapping (GROUP_MAPPING). */
  groupMapping?: GroupMapping;
}

/**
 * Removes the request's subject from exactly the Help Center group its scope names (seed Approach
 * A, group-centric call with one `userIds` entry per Help Center user id), and from nothing else.
 * The scope must be exactly an entry of the worker's own mapping and its help center configured;
 * anything else is a config failure (dead-lettered with a hint), never a wider removal.
 * @throws PermanentError (kind `config`: scope not mapped, help center not configured),
 * TransientError (verify-after found the membership), Help Center errors.
 */
export async function attemptGroupRemoval(
  deps: GroupRemovalDeps,
  request: DeprovisionRequest & { scope: GroupScope },
): Promise<Attempt> {
  const { scope } = request;
  if (!isMapped(deps.groupMapping ?? new Map(), scope)) {
    throw new PermanentError(
      `IdP group ${scope.idpGroupId} → help center ${scope.helpCenterId}, group ${scope.groupId} is not in the group mapping`,
      'config',
      {
        errorCode: 'GROUP_NOT_MAPPED',
        hint: 'add the IdP group to GROUP_MAPPING (or correct its target), then redrive',
      },
    );
  }
  const allowed =
    deps.helpCenterIds.includes(scope.helpCenterId) &&
    (request.helpCenterIds === undefined || request.helpCenterIds.includes(scope.helpCenterId));
  if (!allowed) {
    throw new PermanentError(
      `Help center ${scope.helpCenterId} of the mapped group is not configured`,
      'config',
      {
        errorCode: 'HELPCENTER_NOT_CONFIGURED',
        hint: 'add the help center id to HELPCENTER_IDS (or helpCenterIds in the Zoho OAuth secret)',
      },
    );
  }
  const mapping = await withRetries(deps.retry, () =>
    mapSubject(deps, request.subject, [scope.helpCenterId]),
  );
  const targets = mapping.targets.filter((t) => t.helpCenterId === scope.helpCenterId);
  if (targets.length === 0) {
    return {
      outcome: 'no-op',
      removals: [],
      via: mapping.via,
      ...(mapping.reason ? { reason: mapping.reason } : {}),
    };
  }
  const removals: Attempt['removals'] = [];
  for (const target of targets) {
    const result = await withRetries(deps.retry, () =>
      deps.helpCenter.removeUsersFromGroup(scope.helpCenterId, scope.groupId, [target.userId], {
        dryRun: deps.dryRun,
      }),
    );
    if (deps.verifyAfterRemove && !deps.dryRun) {
      const left = await withRetries(deps.retry, () =>
        deps.helpCenter.listUserGroups(target.userId, scope.helpCenterId),
      );
      if (left.some((g) => g.id === scope.groupId)) {
        throw new TransientError(
          `User ${target.userId} is still in group ${scope.groupId} of help center ${scope.helpCenterId} after removal`,
          { hint: 'the Help Center still lists the membership after the removal call' },
        );
      }
    }
    removals.push({
      helpCenterId: scope.helpCenterId,
      userId: target.userId,
      outcome: 'removed',
      httpStatus: result.httpStatus,
      calls: result.calls,
      dryRun: result.dryRun,
      groupIds: [scope.groupId],
    });
  }
  return { outcome: 'removed', removals, via: mapping.via };
}

/** True when the request is group-level (has a `group` scope). */
export function isGroupLevel(
  request: DeprovisionRequest,
): request is DeprovisionRequest & { scope: GroupScope } {
  return request.scope?.kind === 'group';
}
