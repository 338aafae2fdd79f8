import { ENV } from '#core/contract/env-names.ts';
import { METRIC } from '#core/contract/metrics.ts';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  isCleanText,
  looksLikeEmail,
  SUBJECT_ID_MAX_LENGTH,
  SubjectFieldSchemas,
} from '#core/domain/deprovision-request.ts';
import { ConfigError, UnauthorizedError, ValidationError } from '#core/domain/errors.ts';
import { secretsEqual } from '#core/http/http.ts';
import {
  type ChangeNotification,
  ChangeNotificationCollectionSchema,
  ChangeNotificationSchema,
  type GraphUser,
} from '#core/intake/graph/schemas.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { GraphSubscriptionMaintenance, GraphUsers } from '#core/ports/graph.ts';
import type { Logger } from '#core/ports/logger.ts';
import { type CountMetric, noMetric } from '#core/ports/metrics.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export const GRAPH_REASON_DELETED = 'graph.users.deleted';
export const GRAPH_REASON_DISABLED = 'graph.users.updated.accountEnabled=false';
export const GRAPH_REASON_NOT_FOUND = 'graph.users.updated.notFound';
export const GRAPH_MISSED_METRIC = METRIC.GRAPH_MISSED_NOTIFICATIONS;
export const GRAPH_LIFECYCLE_FAILED_METRIC = METRIC.GRAPH_LIFECYCLE_ACTION_FAILED;
export const GRAPH_FORGED_METRIC = METRIC.GRAPH_FORGED_NOTIFICATIONS;

export interface GraphNotificationDeps {
  queue: WorkQueue;
  secrets: WebhookSecretsReader;
  clock: Clock;
  logger: Logger;
  /** Needed for `updated` notifications; without it they fail with a ConfigError (500). */
  users?: GraphUsers;
  /** Renews or recreates the subscription on lifecycle notifications; without it they are logged. */
  subscriptions?: GraphSubscriptionMaintenance;
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
 * the forged ones, maps authentic `deleted` to a deprovision, looks authentic `updated` users up in
 * Graph (deprovision when `accountEnabled` is false or Graph answers 404), runs lifecycle actions,
 * and resolves only after every request is on the work queue.
 * @throws ValidationError (not a collection), UnauthorizedError (no notification of the collection
 * is authentic), TransientError/PermanentError (Graph lookup), QueueError.
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

  const lookups = await lookUpUsers(deps, changes);
  const requests: DeprovisionRequest[] = [];
  for (const change of changes) {
    const request = toRequest(change, lookups.get(change.userId), receivedAt);
    if (request) requests.push(request);
    else ignored += 1;
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

  for (const notification of lifecycle) await handleLifecycle(deps, notification);
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

/**
 * Looks up every `updated` user once, in parallel. `null` marks a 404 (gone or soft-deleted).
 * @throws the first lookup failure: nothing of the collection is enqueued, Graph redelivers.
 */
async function lookUpUsers(
  deps: GraphNotificationDeps,
  changes: readonly UserChange[],
): Promise<Map<string, GraphUser | null>> {
  const ids = [...new Set(changes.filter((c) => c.changeType === 'updated').map((c) => c.userId))];
  const found = new Map<string, GraphUser | null>();
  if (ids.length === 0) return found;
  const users = deps.users;
  if (!users) {
    throw new ConfigError('Graph credentials are not configured; cannot look up updated users', [
      ENV.GRAPH_SECRET_ARN,
    ]);
  }
  await Promise.all(
    ids.map(async (id) => {
      found.set(id, (await users.getUser(id)) ?? null);
    }),
  );
  return found;
}

function toRequest(
  change: UserChange,
  user: GraphUser | null | undefined,
  receivedAt: Date,
): DeprovisionRequest | undefined {
  const { notification, userId, changeType } = change;
  let reason: string;
  let subject: DeprovisionRequest['subject'] = { idpUserId: userId };
  if (changeType === 'deleted') {
    reason = GRAPH_REASON_DELETED;
  } else if (user === null) {
    // 404 on an `updated` user: hard-deleted since, or soft-deleted (Graph hides deleted users).
    reason = GRAPH_REASON_NOT_FOUND;
  } else if (user?.accountEnabled === false) {
    reason = GRAPH_REASON_DISABLED;
    const upn = fits(SubjectFieldSchemas.login, user.userPrincipalName);
    const mail = user.mail?.trim() || undefined;
    const email = fits(
      SubjectFieldSchemas.email,
      mail && looksLikeEmail(mail) ? mail : upn && looksLikeEmail(upn) ? upn : undefined,
    );
    subject = {
      idpUserId: userId,
      ...(upn ? { login: upn } : {}),
      ...(email ? { email } : {}),
    };
  } else {
    return undefined;
  }
  const data = notification.resourceData;
  const sequence = data?.sequenceNumber ?? notification.sequenceNumber;
  const eventTime = validTime(data?.eventTime ?? notification.eventTime ?? undefined);
  // Without a sequence number or event time, the delivery itself is the marker: a redelivery then
  // removes again (harmless), whereas an hour bucket would silently skip a second disable.
  const marker =
    sequence !== undefined && sequence !== null
      ? String(sequence)
      : (eventTime ?? `r${receivedAt.getTime()}`);
  const parsed = DeprovisionRequestSchema.safeParse({
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    requestId: `graph:${notification.subscriptionId}:${userId}:${changeType}:${marker}`,
    source: 'graph',
    subject,
    reason,
    occurredAt: eventTime ?? receivedAt.toISOString(),
    receivedAt: receivedAt.toISOString(),
  });
  return parsed.success ? parsed.data : undefined;
}

function fits(
  schema: { safeParse(value: unknown): { success: boolean; data?: string } },
  value: string | null | undefined,
): string | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

function validTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Lifecycle notifications are accepted whatever the action's outcome: the scheduled renewal is the
 * backstop, and a 5xx would only make Graph resend a notification we already acted on.
 */
async function handleLifecycle(
  deps: GraphNotificationDeps,
  notification: ChangeNotification,
): Promise<void> {
  const metric = deps.metric ?? noMetric;
  const event = notification.lifecycleEvent ?? '';
  const context = {
    source: 'graph',
    lifecycleEvent: event,
    subscriptionId: notification.subscriptionId,
  };
  if (event === 'missed') {
    deps.logger.warn('graph reports missed change notifications; removals may be pending', context);
    metric(GRAPH_MISSED_METRIC);
    return;
  }
  if (event !== 'reauthorizationRequired' && event !== 'subscriptionRemoved') {
    deps.logger.info('graph lifecycle notification ignored', context);
    return;
  }
  if (!deps.subscriptions) {
    deps.logger.warn(
      'graph lifecycle notification: no subscription maintenance configured; the scheduled renewal will act',
      context,
    );
    return;
  }
  try {
    const outcome =
      event === 'reauthorizationRequired'
        ? await deps.subscriptions.renew(notification.subscriptionId)
        : await deps.subscriptions.ensure();
    deps.logger.info('graph lifecycle notification handled', { ...context, outcome });
  } catch (error) {
    metric(GRAPH_LIFECYCLE_FAILED_METRIC);
    deps.logger.error('graph lifecycle action failed; the scheduled renewal will retry', {
      ...context,
      error: error instanceof Error ? error.name : 'unknown',
      errorMessage: error instanceof Error ? error.message : String(error),
    });
  }
}
