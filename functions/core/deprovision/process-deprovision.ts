import type { GroupMapping } from '#core/config/group-mapping.ts';
import { PORTAL_ACCESS_REVOKED_STATUSES } from '#core/contract/zoho-desk.ts';
import { attemptGraphCheck, type GraphWorkerDeps } from '#core/deprovision/graph-check.ts';
import { writeBackLinks } from '#core/deprovision/link-write-back.ts';
import { type DirectoryCache, mapSubject } from '#core/deprovision/map-subject.ts';
import { attemptGroupRemoval, isGroupLevel } from '#core/deprovision/process-group-removal.ts';
import { type OnRetry, type RetryPolicy, withRetries } from '#core/deprovision/retry.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import {
  type DeprovisionRequest,
  isGraphMaintenance,
  subjectLogId,
} from '#core/domain/deprovision-request.ts';
import {
  classifyFailure,
  type FailureKind,
  HeldError,
  isAppError,
  TransientError,
} from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';
import type {
  HelpCenter,
  PortalAccess,
  PortalRemovalResult,
  RemovalResult,
} from '#core/ports/help-center.ts';
import type { IdentityLinkWriter, IdentityStore } from '#core/ports/identity-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { RateGuard } from '#core/ports/rate-guard.ts';

export interface ProcessDeps {
  helpCenter: HelpCenter;
  identityStore: IdentityStore;
  /**
   * Link write-back: when set, the Help Center ids an exact-email match found are recorded on the
   * identity record keyed by the request's IdP id (see writeBackLinks).
   */
  identityLinks?: IdentityLinkWriter;
  directory: DirectoryCache;
  deadLetters: DeadLetterQueue;
  guard: RateGuard;
  clock: Clock;
  logger: Logger;
  retry: RetryPolicy;
  /** Help centers to act on (a request may narrow them, never widen them). */
  helpCenterIds: readonly string[];
  maxReceiveCount: number;
  /**
   * How long a message waits on the queue after THRESHOLD_EXCEEDED (daily API credits spent).
   * Default: 24 h spread over the receives left (`quotaWaitSeconds`), at most SQS's 12 h.
   */
  quotaWaitSeconds?: number;
  dryRun: boolean;
  verifyAfterRemove: boolean;
  /**
   * Set when portal access removal is on (REMOVE_PORTAL_ACCESS): after a full deprovision removed
   * the person from every group of a help center, their portal access there is removed too.
   * Group-level requests never use it.
   */
  portalAccess?: PortalAccess;
  /** IdP group → Help Center group; a group-level request acts only on an exact entry. */
  groupMapping?: GroupMapping;
  /** Graph lookups and delta resyncs for requests with a `check`; none: they dead-letter (config). */
  graph?: GraphWorkerDeps;
  /**
   * Wraps the removal so a completed requestId is not removed twice (Powertools idempotency in
   * Lambda). Only removed/no-op outcomes complete; a throw leaves the request runnable again.
   */
  idempotent?: <T extends Attempt>(
    fn: (request: DeprovisionRequest) => Promise<T>,
  ) => (request: DeprovisionRequest) => Promise<T>;
}

/** What the idempotent part returns (stored as the completed result). */
export interface Attempt {
  outcome: 'removed' | 'no-op';
  removals: Array<
    Pick<
      RemovalResult,
      'helpCenterId' | 'userId' | 'outcome' | 'httpStatus' | 'calls' | 'dryRun'
    > & {
      groupIds?: string[];
      /** Portal access removal in that help center, when REMOVE_PORTAL_ACCESS is on. */
      portalAccess?: PortalRemovalResult['outcome'];
    }
  >;
  via: string;
  reason?: string;
}

export interface Delivery {
  /** SQS message id (the correlation id in logs and dead-letter records). */
  messageId: string;
  /** ApproximateReceiveCount of this delivery (1 on the first). */
  receiveCount: number;
  firstReceivedAt?: Date;
  /** Set by a redrive that released a held request. */
  guardReleased?: boolean;
}

export type Outcome =
  | ({ kind: 'removed' | 'no-op'; duplicate: boolean } & Attempt)
  | { kind: 'dead-lettered' | 'held'; failure: DeadLetterRecord['failure'] };

/** A failure that should go back to the queue for a later receive. */
export class RetryLaterError extends TransientError {}

/**
 * The org's daily API credits are spent: the message goes back to the queue and should stay
 * invisible for `delaySeconds` (the batch handler extends its visibility) instead of burning
 * receives within minutes.
 */
export class QuotaWaitError extends RetryLaterError {
  constructor(
    message: string,
    readonly delaySeconds: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** Longest visibility timeout SQS accepts (12 hours). */
export const MAX_VISIBILITY_SECONDS = 43_200;
/** Zoho Desk API credits are a daily allotment. */
const CREDIT_PERIOD_SECONDS = 86_400;

/**
 * Wait per receive after THRESHOLD_EXCEEDED: one credit period spread over the receives before the
 * last, so that by the last receive the credits have had a full day to renew (5 receives → 6 h).
 */
export function quotaWaitSeconds(maxReceiveCount: number): number {
  const waits = Math.max(1, maxReceiveCount - 1);
  return Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(CREDIT_PERIOD_SECONDS / waits));
}

/**
 * The worker's use case for one request: guard, map, remove from every group of every configured
 * help center (with in-call retries), verify, and classify. Resolves when the request reached a
 * durable end (removed, no-op, dead-lettered, held); throws RetryLaterError when SQS should
 * deliver it again.
 */
export async function processDeprovision(
  deps: ProcessDeps,
  request: DeprovisionRequest,
  delivery: Delivery,
): Promise<Outcome> {
  const log = {
    requestId: request.requestId,
    messageId: delivery.messageId,
    source: request.source,
    reason: request.reason,
    subject: subjectLogId(request.subject),
    attempt: delivery.receiveCount,
  };
  const onRetry: OnRetry = (attempt, error, delayMs) => {
    const failure = describeFailure(error);
    deps.logger.warn('retrying in-call', {
      ...log,
      retry: attempt,
      delayMs,
      failure: failure.kind,
      status: failure.httpStatus,
      errorCode: failure.errorCode,
    });
  };
  try {
    // Checked on every receive (admission is per requestId, so a retry is not counted twice and a
    // guard that failed on the first receive is not skipped on the next).
    // A delta resync or a reauthorization removes nobody itself (a resync's requests each pass it).
    if (!delivery.guardReleased && !isGraphMaintenance(request)) {
      if (!(await withRetries(deps.retry, () => deps.guard.admit(request.requestId), onRetry))) {
        throw new HeldError('Guard tripped: too many deprovisions in the window', {
          hint: 'a mass deactivation may be under way: check the IdP, then redrive with failureKind=held to release',
        });
      }
    }
    let executed = false;
    const run = (r: DeprovisionRequest) => {
      executed = true;
      if (r.check) {
        return attemptGraphCheck(deps, r, (subject) =>
          attemptRemoval(deps, { ...r, subject }, onRetry),
        );
      }
      return isGroupLevel(r) ? attemptGroupRemoval(deps, r) : attemptRemoval(deps, r, onRetry);
    };
    // A dry run must not mark the request complete, or the real run after it would be skipped.
    const attempt = deps.idempotent && !deps.dryRun ? deps.idempotent(run) : run;
    const result = await attempt(request);
    const duplicate = !executed;
    if (deps.dryRun && result.outcome === 'removed') {
      // Nothing was removed: keep the request (held) so that it can run once dry run is off.
      throw new HeldError('Dry run: the removal was logged, not sent', {
        hint: 'turn DRY_RUN off, then redrive with failureKind=held to perform the removal',
      });
    }
    deps.logger.info('deprovision finished', {
      ...log,
      ...(duplicate ? { duplicate: true } : {}),
      outcome: result.outcome,
      via: result.via,
      ...(result.reason ? { why: result.reason } : {}),
      removals: result.removals.map((r) => ({
        helpCenterId: r.helpCenterId,
        userId: r.userId,
        outcome: r.outcome,
        status: r.httpStatus,
        ...(r.groupIds ? { groupsRemoved: r.groupIds.length } : {}),
        ...(r.portalAccess ? { portalAccess: r.portalAccess } : {}),
      })),
      dryRun: deps.dryRun,
    });
    return { kind: result.outcome, duplicate, ...result };
  } catch (error) {
    const failure = describeFailure(error);
    const { retryable } = classifyFailure(error);
    const lastReceive = delivery.receiveCount >= deps.maxReceiveCount;
    if (failure.kind === 'quota' && !lastReceive) {
      // No in-call retries: wait on the queue until the daily credits can have renewed.
      const delaySeconds = deps.quotaWaitSeconds ?? quotaWaitSeconds(deps.maxReceiveCount);
      deps.logger.warn('deprovision waits for the Help Center API credits to renew', {
        ...log,
        failure: failure.kind,
        errorCode: failure.errorCode,
        waitSeconds: delaySeconds,
      });
      throw new QuotaWaitError(failure.message, delaySeconds, { cause: error });
    }
    if (retryable && !lastReceive) {
      deps.logger.warn('deprovision will be retried', {
        ...log,
        failure: failure.kind,
        status: failure.httpStatus,
        errorCode: failure.errorCode,
      });
      throw new RetryLaterError(failure.message, { cause: error });
    }
    const now = deps.clock.now().toISOString();
    await deps.deadLetters.send({
      schemaVersion: 1,
      request,
      failure,
      attempts: delivery.receiveCount,
      firstAttemptAt: (delivery.firstReceivedAt ?? deps.clock.now()).toISOString(),
      lastAttemptAt: now,
      correlationId: delivery.messageId,
    });
    // A dry run's held request is the expected outcome of a dry run, not an error to page on.
    const level = failure.kind === 'held' && deps.dryRun ? 'warn' : 'error';
    deps.logger[level](failure.kind === 'held' ? 'deprovision held' : 'deprovision dead-lettered', {
      ...log,
      failure: failure.kind,
      status: failure.httpStatus,
      errorCode: failure.errorCode,
      hint: failure.hint,
    });
    return { kind: failure.kind === 'held' ? 'held' : 'dead-lettered', failure };
  }
}

/**
 * What a failure record says about an error: kind, message, upstream status and code, hint, and
 * the help center it happened in. Used for dead letters and by the CLI's `deprovision`.
 */
export function describeFailure(error: unknown): DeadLetterRecord['failure'] {
  const failedIn =
    typeof error === 'object' && error !== null ? failedInHelpCenter.get(error) : undefined;
  if (isAppError(error)) {
    const kind: FailureKind = error.kind;
    return {
      kind,
      message: error.message,
      ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
      ...(error.errorCode !== undefined ? { errorCode: error.errorCode } : {}),
      ...(error.hint !== undefined ? { hint: error.hint } : {}),
      ...('helpCenterId' in error && typeof error.helpCenterId === 'string'
        ? { helpCenterId: error.helpCenterId }
        : failedIn
          ? { helpCenterId: failedIn }
          : {}),
    };
  }
  return {
    kind: classifyFailure(error).kind,
    message: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error',
    ...(failedIn ? { helpCenterId: failedIn } : {}),
  };
}

async function attemptRemoval(
  deps: ProcessDeps,
  request: DeprovisionRequest,
  onRetry: OnRetry,
): Promise<Attempt> {
  const helpCenterIds = request.helpCenterIds
    ? deps.helpCenterIds.filter((id) => request.helpCenterIds?.includes(id))
    : deps.helpCenterIds;
  const mapping = await withRetries(
    deps.retry,
    () => mapSubject(deps, request.subject, helpCenterIds),
    onRetry,
  );
  if (deps.identityLinks && mapping.fromDirectory && !deps.dryRun) {
    // Exact-email matches only (an ambiguous match threw above; a no-match found nothing).
    await writeBackLinks(
      { ...deps, identityLinks: deps.identityLinks },
      request.subject,
      mapping.fromDirectory,
      { requestId: request.requestId, subject: subjectLogId(request.subject) },
      // A SCIM request names our own record: gone means SCIM deleted it, so never recreate it.
      { allowCreate: request.source !== 'scim' },
    );
  }
  if (mapping.targets.length === 0) {
    return {
      outcome: 'no-op',
      removals: [],
      via: mapping.via,
      ...(mapping.reason ? { reason: mapping.reason } : {}),
    };
  }
  // A person's help centers are removed in parallel: every call still waits for a slot of the
  // Help Center client's one semaphore, shared with the other records of the batch, so the budget
  // stays full. All settle before the outcome is decided (nothing keeps running after a throw);
  // the first failure in help-center order is the one reported.
  const settled = await Promise.allSettled(
    mapping.targets.map((target) => removeFromHelpCenter(deps, target, onRetry)),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const removals = settled.map((s) => (s as PromiseFulfilledResult<Removal>).value);
  const removed = removals.some((r) => r.outcome === 'removed');
  return { outcome: removed ? 'removed' : 'no-op', removals, via: mapping.via };
}

type Removal = Attempt['removals'][number];

/** The help center a removal failed in, for the dead-letter record (errors are not ours to extend). */
const failedInHelpCenter = new WeakMap<object, string>();

async function removeFromHelpCenter(
  deps: ProcessDeps,
  target: { helpCenterId: string; userId: string },
  onRetry: OnRetry,
): Promise<Removal> {
  try {
    return await removeFromOneHelpCenter(deps, target, onRetry);
  } catch (error) {
    if (typeof error === 'object' && error !== null && !failedInHelpCenter.has(error)) {
      failedInHelpCenter.set(error, target.helpCenterId);
    }
    throw error;
  }
}

async function removeFromOneHelpCenter(
  deps: ProcessDeps,
  target: { helpCenterId: string; userId: string },
  onRetry: OnRetry,
): Promise<Removal> {
  const result = await withRetries(
    deps.retry,
    () =>
      deps.helpCenter.removeUserFromAllGroups(target.helpCenterId, target.userId, {
        dryRun: deps.dryRun,
      }),
    onRetry,
  );
  if (deps.verifyAfterRemove && !deps.dryRun) {
    const left = (
      await withRetries(
        deps.retry,
        () => deps.helpCenter.listUserGroups(target.userId, target.helpCenterId),
        onRetry,
      )
    ).filter((g) => g.helpCenterId === target.helpCenterId);
    if (left.length > 0) {
      throw new VerifyFailedError(
        `User ${target.userId} is still in ${left.length} group(s) of help center ${target.helpCenterId} after removal`,
        target.helpCenterId,
      );
    }
  }
  const removal: Removal = {
    helpCenterId: result.helpCenterId,
    userId: result.userId,
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    calls: result.calls,
    dryRun: result.dryRun,
    ...(result.groupIds ? { groupIds: result.groupIds } : {}),
  };
  if (deps.portalAccess === undefined) return removal;
  // After the groups, never before: a redrive after a portal failure finds the groups gone (a
  // no-op or an idempotent 204) and goes on to the portal removal.
  const portal = await removePortalAccess(deps, deps.portalAccess, target, onRetry);
  return {
    ...removal,
    // Removing the portal access is a change even when the person was in no group any more.
    outcome: portal.outcome === 'removed' ? 'removed' : removal.outcome,
    calls: removal.calls + portal.calls,
    portalAccess: portal.outcome,
  };
}

async function removePortalAccess(
  deps: ProcessDeps,
  portalAccess: PortalAccess,
  target: { helpCenterId: string; userId: string },
  onRetry: OnRetry,
): Promise<PortalRemovalResult> {
  const result = await withRetries(
    deps.retry,
    () =>
      portalAccess.removePortalUser(target.helpCenterId, target.userId, { dryRun: deps.dryRun }),
    onRetry,
  );
  if (deps.verifyAfterRemove && !deps.dryRun) {
    const status = await withRetries(
      deps.retry,
      () => portalAccess.portalUserStatus(target.helpCenterId, target.userId),
      onRetry,
    );
    if (!PORTAL_ACCESS_REVOKED_STATUSES.some((revoked) => revoked === status)) {
      throw new VerifyFailedError(
        `User ${target.userId} is ${status ?? 'of unknown status'} in help center ${target.helpCenterId} after the portal access removal`,
        target.helpCenterId,
        'the Help Center does not report the user DISABLED or DELETED after removePortalUser',
      );
    }
  }
  return result;
}

/** Verify-after found groups left: retrying may help (eventual consistency), so it is transient. */
export class VerifyFailedError extends TransientError {
  constructor(
    message: string,
    readonly helpCenterId: string,
    hint = 'the Help Center still lists group memberships after the removal call',
  ) {
    super(message, { hint });
  }
}
