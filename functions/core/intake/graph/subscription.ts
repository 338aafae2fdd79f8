import type { GraphSubscription } from '#core/intake/graph/schemas.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { GraphSubscriptions } from '#core/ports/graph.ts';
import type { Logger } from '#core/ports/logger.ts';

/** Longest subscription Graph allows on `users` (29 days). */
export const USERS_MAX_SUBSCRIPTION_MINUTES = 41_760;
export const GRAPH_SUBSCRIPTION_RESOURCE = 'users';
export const GRAPH_SUBSCRIPTION_CHANGE_TYPE = 'updated,deleted';

export interface GraphSubscriptionDeps {
  graph: GraphSubscriptions;
  /** The `graphClientState` webhook secret. */
  clientState: () => Promise<string>;
  clock: Clock;
  logger: Logger;
  /** Public URL of POST /webhooks/graph; also the lifecycle notification URL. */
  notificationUrl: string;
  /** Renew when the subscription expires within this many ms (default 24 h). */
  renewWithinMs?: number;
  maxLifetimeMinutes?: number;
  /** Asked-for expiry is the maximum minus this margin, so clock skew never makes Graph refuse. */
  marginMinutes?: number;
}

export interface GraphSubscriptionOutcome {
  action: 'created' | 'renewed' | 'unchanged';
  subscriptionId: string;
  expirationDateTime: string;
  /** Duplicate subscriptions of ours that were deleted. */
  removedDuplicates?: number;
}

function isOurs(subscription: GraphSubscription, notificationUrl: string): boolean {
  return (
    subscription.resource.replace(/^\//, '').toLowerCase() === GRAPH_SUBSCRIPTION_RESOURCE &&
    subscription.notificationUrl === notificationUrl
  );
}

function nextExpiry(deps: GraphSubscriptionDeps): string {
  const minutes =
    (deps.maxLifetimeMinutes ?? USERS_MAX_SUBSCRIPTION_MINUTES) - (deps.marginMinutes ?? 60);
  return new Date(deps.clock.now().getTime() + minutes * 60_000).toISOString();
}

async function create(deps: GraphSubscriptionDeps): Promise<GraphSubscriptionOutcome> {
  const created = await deps.graph.createSubscription({
    changeType: GRAPH_SUBSCRIPTION_CHANGE_TYPE,
    notificationUrl: deps.notificationUrl,
    lifecycleNotificationUrl: deps.notificationUrl,
    resource: GRAPH_SUBSCRIPTION_RESOURCE,
    expirationDateTime: nextExpiry(deps),
    clientState: await deps.clientState(),
  });
  deps.logger.info('graph subscription created', {
    source: 'graph',
    subscriptionId: created.id,
    expirationDateTime: created.expirationDateTime,
  });
  return {
    action: 'created',
    subscriptionId: created.id,
    expirationDateTime: created.expirationDateTime,
  };
}

/**
 * Makes sure our `users` subscription exists and lives for more than `renewWithinMs`: creates it
 * when missing (changeType `updated,deleted`, clientState from the webhook secret, lifecycle URL =
 * notification URL, expiry = now + maximum − margin), renews it (PATCH expirationDateTime) when it
 * expires soon, and deletes duplicates pointing at the same URL.
 * @throws TransientError, PermanentError (Graph), SecretError/ConfigError (clientState).
 */
export async function ensureGraphSubscription(
  deps: GraphSubscriptionDeps,
): Promise<GraphSubscriptionOutcome> {
  const ours = (await deps.graph.listSubscriptions())
    .filter((s) => isOurs(s, deps.notificationUrl))
    .sort((a, b) => Date.parse(b.expirationDateTime) - Date.parse(a.expirationDateTime));
  const [current, ...duplicates] = ours;
  for (const duplicate of duplicates) {
    try {
      await deps.graph.deleteSubscription(duplicate.id);
    } catch (error) {
      deps.logger.warn('could not delete a duplicate graph subscription', {
        source: 'graph',
        subscriptionId: duplicate.id,
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
  }
  const removed = duplicates.length > 0 ? { removedDuplicates: duplicates.length } : {};
  if (!current) return { ...(await create(deps)), ...removed };

  const expiresAt = Date.parse(current.expirationDateTime);
  const renewWithin = deps.renewWithinMs ?? 24 * 60 * 60_000;
  if (Number.isFinite(expiresAt) && expiresAt - deps.clock.now().getTime() > renewWithin) {
    deps.logger.info('graph subscription is current', {
      source: 'graph',
      subscriptionId: current.id,
      expirationDateTime: current.expirationDateTime,
    });
    return {
      action: 'unchanged',
      subscriptionId: current.id,
      expirationDateTime: current.expirationDateTime,
      ...removed,
    };
  }
  return { ...(await renewGraphSubscription(deps, current.id)), ...removed };
}

/**
 * Extends one subscription to the maximum lifetime (which also reauthorizes it); creates a new one
 * when Graph no longer has it (a duplicate this may leave is deleted by the next scheduled run). @throws TransientError, PermanentError
 */
export async function renewGraphSubscription(
  deps: GraphSubscriptionDeps,
  subscriptionId: string,
): Promise<GraphSubscriptionOutcome> {
  const renewed = await deps.graph.renewSubscription(subscriptionId, nextExpiry(deps));
  if (!renewed) {
    deps.logger.warn('graph subscription to renew is gone; creating a new one', {
      source: 'graph',
      subscriptionId,
    });
    return create(deps);
  }
  deps.logger.info('graph subscription renewed', {
    source: 'graph',
    subscriptionId: renewed.id,
    expirationDateTime: renewed.expirationDateTime,
  });
  return {
    action: 'renewed',
    subscriptionId: renewed.id,
    expirationDateTime: renewed.expirationDateTime,
  };
}
