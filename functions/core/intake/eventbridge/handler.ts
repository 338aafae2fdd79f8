import type { GroupMapping } from '#core/config/group-mapping.ts';
import { csv } from '#core/config/parse-env.ts';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { ENV } from '#core/contract/env-names.ts';
import { METRIC } from '#core/contract/metrics.ts';
import * as z from '#core/contract/zod.ts';
import {
  DEFAULT_CUSTOM_EVENT_SOURCE,
  eventBridgeEventToRequests,
} from '#core/intake/eventbridge/normalise.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import { type CountMetric, noMetric } from '#core/ports/metrics.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export interface EventBridgeIngestDeps {
  queue: WorkQueue;
  clock?: Clock;
  logger: Logger;
  oktaDeprovisionEventTypes: readonly string[];
  /** `source` of the custom "User Deprovisioned" event (default `helpcenter.deprovisioner`). */
  customEventSource: string;
  /** IdP group → Help Center group (GROUP_MAPPING). */
  groupMapping?: GroupMapping;
  /** Counts `EventDropped` for every invalid event (a CloudWatch metric in Lambda). */
  metric?: CountMetric;
}

/** Metric counted once per event dropped as invalid. */
export const EVENT_DROPPED_METRIC = METRIC.EVENT_DROPPED;

export interface EventBridgeIngestResult {
  kind: 'okta' | 'custom' | 'ignored' | 'invalid';
  enqueued: number;
}

/**
 * Builds the EventBridge target handler (also called directly by tests and the replay harness).
 * Unknown events are ignored and an invalid `detail` is logged as an error, counted as
 * `EventDropped` and dropped: retrying cannot fix it, and EventBridge/Lambda async retries would
 * only repeat it. An enqueue failure
 * throws, so the async invocation is retried and finally lands in the function's DLQ.
 */
export function createEventBridgeIngestHandler(deps: EventBridgeIngestDeps) {
  const clock = deps.clock ?? systemClock;
  const metric = deps.metric ?? noMetric;
  const deprovisionEventTypes = new Set(deps.oktaDeprovisionEventTypes);
  return async (event: unknown, _context?: unknown): Promise<EventBridgeIngestResult> => {
    const result = eventBridgeEventToRequests(event, {
      deprovisionEventTypes,
      customEventSource: deps.customEventSource,
      receivedAt: clock.now(),
      ...(deps.groupMapping ? { groupMapping: deps.groupMapping } : {}),
    });
    const meta = describe(event);
    if (result.kind === 'invalid') {
      deps.logger.error('eventbridge event dropped: invalid', {
        source: 'eventbridge',
        ...meta,
        why: result.why,
      });
      metric(EVENT_DROPPED_METRIC);
      return { kind: result.kind, enqueued: 0 };
    }
    if (result.kind === 'ignored') {
      deps.logger.info('eventbridge event ignored', {
        source: 'eventbridge',
        ...meta,
        why: result.why,
      });
      return { kind: result.kind, enqueued: 0 };
    }
    if (result.requests.length > 0) await deps.queue.send(result.requests);
    deps.logger.info('eventbridge event accepted', {
      source: 'eventbridge',
      ...meta,
      kind: result.kind,
      enqueued: result.requests.length,
      requestIds: result.requests.map((r) => r.requestId),
    });
    return { kind: result.kind, enqueued: result.requests.length };
  };
}

/** Loggable identifiers of an event (never its detail). */
function describe(event: unknown): Record<string, unknown> {
  if (typeof event !== 'object' || event === null) return {};
  const e = event as Record<string, unknown>;
  const detail = (typeof e.detail === 'object' && e.detail !== null ? e.detail : {}) as Record<
    string,
    unknown
  >;
  const pick = (value: unknown) => (typeof value === 'string' ? value.slice(0, 200) : undefined);
  return {
    eventId: pick(e.id),
    eventSource: pick(e.source),
    detailType: pick(e['detail-type']),
    eventType: pick(detail.eventType),
  };
}

export const EventBridgeIngestConfigSchema = z.object({
  [ENV.WORK_QUEUE_URL]: z.url(),
  [ENV.OKTA_DEPROVISION_EVENT_TYPES]: z._default(
    z.pipe(csv, z.array(z.string()).check(z.minLength(1))),
    [...DEFAULTS.oktaDeprovisionEventTypes],
  ),
  [ENV.CUSTOM_EVENT_SOURCE]: z._default(
    z.string().check(z.minLength(1)),
    DEFAULT_CUSTOM_EVENT_SOURCE,
  ),
  [ENV.GROUP_MAPPING]: z.optional(z.string()),
});
