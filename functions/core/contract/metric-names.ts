/**
 * Metric names the worker emits (Powertools metrics in Lambda) and infra alarms on. `QuotaExceeded`
 * counts every THRESHOLD_EXCEEDED answer (the Zoho Desk org's daily API credits are spent).
 */
export const WORKER_METRICS = {
  removed: 'Removed',
  noOp: 'NoOp',
  deadLettered: 'DeadLettered',
  held: 'Held',
  retried: 'Retried',
  duplicate: 'Duplicate',
  quotaExceeded: 'QuotaExceeded',
} as const;

export type WorkerMetricName = (typeof WORKER_METRICS)[keyof typeof WORKER_METRICS];

/**
 * Metric names the ingest function emits. `GraphForgedNotifications` counts Graph notifications
 * dropped because their `clientState` differs from the configured one (the authentic ones of the
 * same POST are still acted on).
 */
export const INGEST_METRICS = {
  graphForgedNotifications: 'GraphForgedNotifications',
} as const;
