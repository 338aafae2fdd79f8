import type { METRIC } from '#core/contract/metrics.ts';

/** Counters for the dashboard (Powertools metrics in Lambda). */
export interface MetricsSink {
  count(
    name: (typeof METRIC)[
      | 'REMOVED'
      | 'NO_OP'
      | 'DEAD_LETTERED'
      | 'HELD'
      | 'RETRIED'
      | 'DUPLICATE'
      | 'QUOTA_EXCEEDED'
      | 'GRAPH_LIFECYCLE_ACTION_FAILED'],
    value?: number,
  ): void;
  /** Writes what was counted (end of an invocation). */
  flush(): void;
}

export const noMetrics: MetricsSink = { count: () => {}, flush: () => {} };

/** Counts one operational event (e.g. a dropped or missed notification) as a metric. */
export type CountMetric = (name: string, value?: number) => void;

export const noMetric: CountMetric = () => {};
