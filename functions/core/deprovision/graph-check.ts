import { ENV } from '#core/contract/env-names.ts';
import type { Attempt } from '#core/deprovision/process-deprovision.ts';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  fits,
  graphDeletedRequestId,
  looksLikeEmail,
  type Subject,
  SubjectFieldSchemas,
} from '#core/domain/deprovision-request.ts';
import { ConfigError, DeltaLinkExpiredError, PermanentError } from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';
import type {
  GraphSubscriptionReauthorizer,
  GraphUserDelta,
  GraphUsers,
} from '#core/ports/graph.ts';
import type { GraphStateStore } from '#core/ports/graph-state-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export const GRAPH_REASON_DISABLED = 'graph.users.updated.accountEnabled=false';
export const GRAPH_REASON_NOT_FOUND = 'graph.users.updated.notFound';
export const GRAPH_DELTA_REASON_DISABLED = 'graph.users.delta.accountEnabled=false';
export const GRAPH_DELTA_REASON_REMOVED = 'graph.users.delta.removed';
/** Safety stop for one delta round (Graph pages users by about 100–200). */
export const DEFAULT_DELTA_MAX_PAGES = 5000;

/** What the worker needs for requests with a Graph `check` (see GraphCheckSchema). */
export interface GraphWorkerDeps {
  users: GraphUsers & GraphUserDelta & GraphSubscriptionReauthorizer;
  state: GraphStateStore;
  /** Where a resync puts one request per disabled or deleted account (the work queue). */
  queue: WorkQueue;
  maxPages?: number;
}

interface GraphCheckDeps {
  graph?: GraphWorkerDeps;
  clock: Clock;
  logger: Logger;
}

type GraphUserLike = {
  accountEnabled?: boolean | null;
  userPrincipalName?: string | null;
  mail?: string | null;
};

/**
 * The subject of a disabled Entra account: the object id, the userPrincipalName as login, and an
 * email (`mail`, else the UPN when it looks like one) so the worker can map by email when the
 * identity store does not know the object id.
 */
export function subjectFromGraphUser(userId: string, user: GraphUserLike): Subject {
  const upn = fits(SubjectFieldSchemas.login, user.userPrincipalName);
  const mail = user.mail?.trim() || undefined;
  const email = fits(
    SubjectFieldSchemas.email,
    mail && looksLikeEmail(mail) ? mail : upn && looksLikeEmail(upn) ? upn : undefined,
  );
  return { idpUserId: userId, ...(upn ? { login: upn } : {}), ...(email ? { email } : {}) };
}

function requireGraph(deps: GraphCheckDeps): GraphWorkerDeps {
  if (!deps.graph) {
    throw new ConfigError('Microsoft Graph is not configured in the worker', [
      ENV.GRAPH_SECRET_ARN,
    ]);
  }
  return deps.graph;
}

/**
 * Runs a request carrying a Graph `check`: `graph-user` looks the user up (no in-call retries:
 * Graph throttling and 5xx are TransientErrors the queue retries) and hands an enriched subject to
 * `remove` when the account is disabled or gone; `graph-delta` runs a resync round;
 * `graph-reauthorize` reauthorizes the subscription (no removal).
 * @throws ConfigError (Graph not configured), TransientError, PermanentError
 */
export async function attemptGraphCheck(
  deps: GraphCheckDeps,
  request: DeprovisionRequest,
  remove: (subject: Subject) => Promise<Attempt>,
): Promise<Attempt> {
  const graph = requireGraph(deps);
  if (request.check?.kind === 'graph-delta') return runDeltaResync(deps, graph, request);
  if (request.check?.kind === 'graph-reauthorize') {
    const { subscriptionId } = request.check;
    const found = await graph.users.reauthorizeSubscription(subscriptionId);
    if (!found) {
      deps.logger.warn(
        'graph subscription to reauthorize is gone; the scheduled run recreates it',
        {
          source: 'graph',
          subscriptionId,
        },
      );
    }
    return {
      outcome: 'no-op',
      removals: [],
      via: 'graph-subscription',
      reason: found ? 'subscription reauthorized' : 'subscription not found',
    };
  }
  const userId = request.subject.idpUserId;
  if (!userId) {
    throw new PermanentError('A graph-user check needs subject.idpUserId', 'permanent');
  }
  const user = await graph.users.getUser(userId);
  if (user === undefined) {
    // 404: hard-deleted, or soft-deleted (Graph's /users hides deleted users).
    const result = await remove({ ...request.subject });
    return { ...result, reason: GRAPH_REASON_NOT_FOUND };
  }
  if (user.accountEnabled === false) {
    const result = await remove({ ...request.subject, ...subjectFromGraphUser(userId, user) });
    return { ...result, reason: GRAPH_REASON_DISABLED };
  }
  return { outcome: 'no-op', removals: [], via: 'graph', reason: 'account enabled in Entra ID' };
}

/**
 * One users delta round (learn.microsoft.com/graph/delta-query-overview): from the stored
 * `@odata.deltaLink`, follow every `@odata.nextLink`, enqueue one request per account that is now
 * disabled or was removed, then store the new delta link with a conditional write (a concurrent
 * round that started from the same link loses the write and changes nothing). Requests go on the
 * queue before the link moves, so a crash in between replays the changes (at least once).
 *
 * Initial sync (no stored link): the round reads every user and only records the link unless the
 * request asks `initialSync: 'deprovision-disabled'`. A tenant holds accounts disabled for years
 * (leavers, service and shared accounts, pre-hires): an identity team expects this service to act
 * on deprovisions from now on, not to sweep the tenant on first start; the sweep is a deliberate,
 * explicit request. A 410 Gone on the stored link (expired) starts an initial round the same way.
 *
 * Request ids: an account removed in Entra gets `graph:<id>:deleted` with subject `{idpUserId}`,
 * exactly what a `deleted` notification produces, so whichever comes second is a duplicate. A
 * notification's `updated` carries neither the account state nor anything a delta row has, so a
 * disabled account gets `graph:<id>:disabled:delta-v<version>` (same for two rounds from the same
 * link); a late `updated` notification then finds the person in no group (a no-op).
 */
async function runDeltaResync(
  deps: GraphCheckDeps,
  graph: GraphWorkerDeps,
  request: DeprovisionRequest,
): Promise<Attempt> {
  const check = request.check?.kind === 'graph-delta' ? request.check : undefined;
  const start = await graph.state.readDelta();
  let initial = start.deltaLink === undefined;
  let page: Awaited<ReturnType<GraphUserDelta['usersDelta']>>;
  try {
    page = await graph.users.usersDelta(start.deltaLink);
  } catch (error) {
    if (!(error instanceof DeltaLinkExpiredError)) throw error;
    deps.logger.warn('graph delta link expired (410); starting a new initial round', {
      source: 'graph',
      requestId: request.requestId,
    });
    initial = true;
    page = await graph.users.usersDelta();
  }
  const act = !initial || check?.initialSync === 'deprovision-disabled';
  const receivedAt = deps.clock.now().toISOString();
  const maxPages = graph.maxPages ?? DEFAULT_DELTA_MAX_PAGES;
  let changes = 0;
  let enqueued = 0;
  for (let pages = 1; ; pages += 1) {
    changes += page.value.length;
    if (act) {
      const requests = page.value.flatMap((row) => {
        const r = requestForRow(row, start.version, receivedAt);
        return r ? [r] : [];
      });
      if (requests.length > 0) await graph.queue.send(requests);
      enqueued += requests.length;
    }
    const next = page['@odata.nextLink'];
    if (!next) break;
    if (pages >= maxPages) {
      throw new PermanentError(
        `The Graph delta round has more than ${maxPages} pages`,
        'permanent',
      );
    }
    page = await graph.users.usersDelta(next);
  }
  const deltaLink = page['@odata.deltaLink'];
  if (!deltaLink) {
    throw new PermanentError(
      'The Graph delta round ended without an @odata.deltaLink',
      'permanent',
    );
  }
  const advanced = await graph.state.advanceDelta(start.version, {
    deltaLink,
    resyncedAt: receivedAt,
  });
  const summary = {
    source: 'graph',
    requestId: request.requestId,
    trigger: check?.trigger,
    initial,
    changes,
    enqueued,
    advanced,
  };
  if (advanced) deps.logger.info('graph delta resync finished', summary);
  else deps.logger.warn('graph delta resync: another round advanced the link first', summary);
  return {
    outcome: 'no-op',
    removals: [],
    via: 'graph-delta',
    reason: `${initial ? 'initial sync: ' : ''}${enqueued} request(s) enqueued from ${changes} change(s)`,
  };
}

function requestForRow(
  row: Awaited<ReturnType<GraphUserDelta['usersDelta']>>['value'][number],
  version: number,
  receivedAt: string,
): DeprovisionRequest | undefined {
  const removed = row['@removed'] !== undefined && row['@removed'] !== null;
  if (!removed && row.accountEnabled !== false) return undefined;
  const parsed = DeprovisionRequestSchema.safeParse({
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    requestId: removed
      ? graphDeletedRequestId(row.id)
      : `graph:${row.id}:disabled:delta-v${version}`,
    source: 'graph',
    subject: removed ? { idpUserId: row.id } : subjectFromGraphUser(row.id, row),
    reason: removed
      ? `${GRAPH_DELTA_REASON_REMOVED}(${row['@removed']?.reason ?? 'unknown'})`
      : GRAPH_DELTA_REASON_DISABLED,
    occurredAt: receivedAt,
    receivedAt,
  });
  // A row whose id cannot be a subject (not clean text, too long) is skipped, never guessed at.
  return parsed.success ? parsed.data : undefined;
}
