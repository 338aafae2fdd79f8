/** CloudWatch namespace of the custom metrics (Powertools `POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'HelpCenterDeprovisioner';

/**
 * Every custom metric a function emits (count metrics, dimension `service`). Infra graphs and
 * alarms on these names; the functions emit them.
 */
export const METRIC = {
  /** The worker removed a person from their groups. */
  REMOVED: 'Removed',
  /** The person was in no Help Center or in no group. */
  NO_OP: 'NoOp',
  DEAD_LETTERED: 'DeadLettered',
  /** The guard (or dry run) held the request in the DLQ. */
  HELD: 'Held',
  /** A record failed back to SQS for another receive. */
  RETRIED: 'Retried',
  /** Idempotency skipped a request already completed. */
  DUPLICATE: 'Duplicate',
  /** eventbridge-ingest dropped an invalid event. */
  EVENT_DROPPED: 'EventDropped',
  GRAPH_MISSED_NOTIFICATIONS: 'GraphMissedNotifications',
  /**
   * A Graph delta resync (queued after a lifecycle notification or by the schedule) or a
   * subscription reauthorization was dead-lettered: deprovisions may be pending, or notifications
   * may stop.
   */
  GRAPH_LIFECYCLE_ACTION_FAILED: 'GraphLifecycleActionFailed',
  /** Graph notifications dropped because their `clientState` is not ours (the rest of the POST is kept). */
  GRAPH_FORGED_NOTIFICATIONS: 'GraphForgedNotifications',
  /** The Help Center answered THRESHOLD_EXCEEDED: the org's daily API credits are spent. */
  QUOTA_EXCEEDED: 'QuotaExceeded',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** What happened to requests: the dashboard's outcome graph. */
export const OUTCOME_METRICS = [METRIC.REMOVED, METRIC.NO_OP, METRIC.DEAD_LETTERED] as const;

/**
 * Events that ended without a deprovision for a reason an operator must look at: held by the guard
 * (or dry run), EventBridge events dropped as invalid, Graph notifications missed, lifecycle actions
 * that failed. One alarm sums them.
 */
export const ATTENTION_METRICS = [
  METRIC.HELD,
  METRIC.EVENT_DROPPED,
  METRIC.GRAPH_MISSED_NOTIFICATIONS,
  METRIC.GRAPH_LIFECYCLE_ACTION_FAILED,
  METRIC.GRAPH_FORGED_NOTIFICATIONS,
  METRIC.QUOTA_EXCEEDED,
] as const;
