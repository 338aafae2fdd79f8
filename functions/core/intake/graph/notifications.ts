import { METRIC } from '#core/contract/metrics.ts';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  GRAPH_DELTA_SUBJECT,
  graphDeletedRequestId,
  graphSubscriptionSubject,
  isCleanText,
  SUBJECT_ID_MAX_LENGTH,
} from '#core/domain/deprovision-request.ts';
import { UnauthorizedError, ValidationError } from '#core/domain/errors.ts';
import { secretsEqual } from '#core/http/http.ts';
import {
  type ChangeNotification,
  ChangeNotificationCollectionSchema,
  ChangeNotificationSchema,
} from '#core/intake/graph/schemas.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import { type CountMetric, noMetric } from '#core/ports/metrics.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export const GRAPH_REASON_DELETED = 'graph.users.deleted';
/** An `updated` notification: the worker looks the user up and acts when the account is off. */
export const GRAPH_REASON_UPDATED = 'graph.users.updated';
export const GRAPH_MISSED_METRIC = METRIC.GRAPH_MISSED_NOTIFICATIONS;
/** Counted by the worker when a delta resync is dead-lettered (see METRIC). */
export const GRAPH_LIFECYCLE_FAILED_METRIC = METRIC.GRAPH_LIFECYCLE_ACTION_FAILED;
export const GRAPH_FORGED_METRIC = METRIC.GRAPH_FORGED_NOTIFICATIONS;

export interface GraphNotificationDeps {
  queue: WorkQueue;
  secrets: WebhookSecretsReader;
  clock: Clock;
  logger: Logger;
  metric?: CountMetric;
}

export interface GraphDeliveryResult {
  enqueued: number;
  ignored: number;
  lifecycle: number;
  /** Notifications dropped because their clientState differs (counted as a metric). */
  forged: number;
}

interface UserChange {
  notification: ChangeNotification;
  userId: string;
  changeType: 'deleted' | 'updated';
}

const USERS_RESOURCE = /^\/?users\/([^/?#]+)$/i;

/**
 * Handles one changeNotificationCollection for `users`: authenticates every notification by its
 * own `clientState` (one POST may carry notifications of several subscriptions), drops and counts
 * the forged ones, maps authentic `deleted` to a deprovision and authentic `updated` to a
 * `graph-user` check the worker runs (ingest calls nothing but the queue, so it answers within
 * Graph's 3 s whatever Graph's own latency), turns `missed` and `subscriptionRemoved` lifecycle
 * notifications into a `graph-delta` resync request, and resolves only after every request is on
 * the work queue.
 * @throws ValidationError (not a collection), UnauthorizedError (no notification of the collection
 * is authentic), QueueError.
 */
export async function receiveGraphNotifications(
  deps: GraphNotificationDeps,
  input: { readBody: () => unknown },
): Promise<GraphDeliveryResult> {
  const collection = ChangeNotificationCollectionSchema.safeParse(input.readBody());
  if (!collection.success) {
    throw new ValidationError('Body is not a change notification collection ({"value":[…]})');
  }
  const expected = await deps.secrets.get('graphClientState');
  const notifications: ChangeNotification[] = [];
  let forged = 0;
  let malformed = 0;
  for (const item of collection.data.value) {
    // Each item is authenticated on its own (constant-time compare): a forged one is dropped and
    // counted, never acted on, and does not cost the authentic ones of the same POST.
    if (!secretsEqual(clientStateOf(item), expected)) {
      forged += 1;
      continue;
    }
    const parsed = ChangeNotificationSchema.safeParse(item);
    if (parsed.success) notifications.push(parsed.data);
    else malformed += 1;
  }
  if (notifications.length === 0 && malformed === 0) throw new UnauthorizedError();
  if (forged > 0) {
    (deps.metric ?? noMetric)(GRAPH_FORGED_METRIC, forged);
    deps.logger.warn('graph notifications dropped: clientState does not match', {
      source: 'graph',
      forged,
      authentic: notifications.length,
    });
  }

  const receivedAt = deps.clock.now();
  const changes: UserChange[] = [];
  const lifecycle: ChangeNotification[] = [];
  let ignored = malformed;
  for (const notification of notifications) {
    if (notification.lifecycleEvent) {
      lifecycle.push(notification);
      continue;
    }
    const change = userChange(notification);
    if (change) changes.push(change);
    else ignored += 1;
  }

  const requests: DeprovisionRequest[] = [];
  for (const change of changes) {
    const request = toRequest(change, receivedAt);
    if (request) requests.push(request);
    else ignored += 1;
  }
  for (const notification of lifecycle) {
    const resync = lifecycleRequest(deps, notification, receivedAt);
    if (resync) requests.push(resync);
  }
  if (requests.length > 0) await deps.queue.send(requests);
  deps.logger.info('graph notifications accepted', {
    source: 'graph',
    notifications: collection.data.value.length,
    forged,
    enqueued: requests.length,
    ignored,
    lifecycle: lifecycle.length,
    requestIds: requests.map((r) => r.requestId),
  });

  return { enqueued: requests.length, ignored, lifecycle: lifecycle.length, forged };
}

function clientStateOf(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const value = (item as { clientState?: unknown }).clientState;
  return typeof value === 'string' ? value : undefined;
}

/** The users change a notification describes, or undefined for anything we do not act on. */
function userChange(notification: ChangeNotification): UserChange | undefined {
  const changeType = notification.changeType?.trim().toLowerCase();
  if (changeType !== 'deleted' && changeType !== 'updated') return undefined;
  const match = USERS_RESOURCE.exec(notification.resource?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const userId = (notification.resourceData?.id ?? decodeSegment(match[1]))?.trim();
  // Entra object ids are GUIDs; anything that could not be a user id (a lone surrogate, a control
  // character, an over-long value) is dropped and counted, never looked up or enqueued.
  if (!userId || userId.length > SUBJECT_ID_MAX_LENGTH || !isCleanText(userId)) return undefined;
  if (!isCleanText(notification.subscriptionId)) return undefined;
  return { notification, userId, changeType };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function toRequest(change: UserChange, receivedAt: Date): DeprovisionRequest | undefined {
  const { notification, userId, changeType } = change;
  const deleted = changeType === 'deleted';
  const data = notification.resourceData;
  const sequence = data?.sequenceNumber ?? notification.sequenceNumber;
  const eventTime = validTime(data?.eventTime ?? notification.eventTime ?? undefined);
  // `deleted` is final: one id per account, shared with the delta resync's `@removed` rows, so a
  // redelivery or a resync that saw the same deletion is a duplicate. An `updated` check is keyed
  // by delivery: without a sequence number or event time the delivery itself is the marker (a
  // redelivery checks again, harmless), whereas an hour bucket would skip a second disable.
  const marker =
    sequence !== undefined && sequence !== null
      ? String(sequence)
      : (eventTime ?? `r${receivedAt.getTime()}`);
  const parsed = DeprovisionRequestSchema.safeParse({
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    requestId: deleted
      ? graphDeletedRequestId(userId)
      : `graph:${notification.subscriptionId}:${userId}:updated:${marker}`,
    source: 'graph',
    subject: { idpUserId: userId },
    reason: deleted ? GRAPH_REASON_DELETED : GRAPH_REASON_UPDATED,
    occurredAt: eventTime ?? receivedAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    ...(deleted ? {} : { check: { kind: 'graph-user' } }),
  });
  return parsed.success ? parsed.data : undefined;
}

function validTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Lifecycle notifications (learn.microsoft.com/graph/change-notifications-lifecycle-events):
 * `missed` (Graph could not deliver some notifications; it does not say which) and
 * `subscriptionRemoved` (notifications stopped until the subscription is recreated) each enqueue a
 * `graph-delta` resync, so deprovisions in the gap are found from the users delta query (the
 * scheduled graph-subscription function recreates a removed subscription);
 * `reauthorizationRequired` enqueues a `graph-reauthorize` request the worker answers with
 * `POST /subscriptions/{id}/reauthorize`. Ingest itself calls nothing.
 */
function lifecycleRequest(
  deps: GraphNotificationDeps,
  notification: ChangeNotification,
  receivedAt: Date,
): DeprovisionRequest | undefined {
  const event = notification.lifecycleEvent ?? '';
  const context = {
    source: 'graph',
    lifecycleEvent: event,
    subscriptionId: notification.subscriptionId,
  };
  const time = validTime(notification.eventTime ?? undefined);
  const marker = time ?? `r${receivedAt.getTime()}`;
  if (event === 'reauthorizationRequired') {
    deps.logger.info('graph asks for reauthorization; queued for the worker', context);
    const parsed = DeprovisionRequestSchema.safeParse({
      schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
      requestId: `graph-reauthorize:${notification.subscriptionId}:${marker}`,
      source: 'graph',
      subject: graphSubscriptionSubject(notification.subscriptionId),
      reason: 'graph.lifecycle.reauthorizationRequired',
      occurredAt: time ?? receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      check: { kind: 'graph-reauthorize', subscriptionId: notification.subscriptionId },
    });
    return parsed.success ? parsed.data : undefined;
  }
  if (event !== 'missed' && event !== 'subscriptionRemoved') {
    deps.logger.info('graph lifecycle notification ignored', context);
    return undefined;
  }
  if (event === 'missed') {
    deps.logger.warn(
      'graph reports missed change notifications; a delta resync is queued',
      context,
    );
    (deps.metric ?? noMetric)(GRAPH_MISSED_METRIC);
  } else {
    deps.logger.warn('graph removed the subscription; a delta resync is queued', context);
  }
  const parsed = DeprovisionRequestSchema.safeParse({
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    // One resync per lifecycle notification (a redelivery of it is a duplicate).
    requestId: `graph-delta:${event}:${notification.subscriptionId}:${marker}`,
    source: 'graph',
    subject: GRAPH_DELTA_SUBJECT,
    reason: `graph.lifecycle.${event}`,
    occurredAt: time ?? receivedAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
    check: { kind: 'graph-delta', trigger: event },
  });
  return parsed.success ? parsed.data : undefined;
}
