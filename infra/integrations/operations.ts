import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { type IAlarm, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ATTENTION_METRICS, OUTCOME_METRICS } from '../../functions/core/contract/metrics.ts';
import {
  type AlarmTopic,
  outcomeMetric,
  ServiceDashboard,
  thresholdAlarm,
} from '../constructs/monitoring.ts';
import type { ServiceFunction } from '../constructs/service-function.ts';
import type { WorkQueue } from '../constructs/work-queue.ts';
import type { FunctionId } from '../function-env.ts';

/** Alarm thresholds (counts per 5 minutes). Each defaults as noted. */
export interface OperationsThresholds {
  /** @default 5 */
  workerErrors?: number;
  /** @default 1 */
  throttles?: number;
  /** @default 5 */
  api5xx?: number;
  /** @default 1 */
  tokenRefresherErrors?: number;
  /** @default 1 */
  eventBridgeIngestErrors?: number;
  /** @default 1 */
  eventFailures?: number;
  /** @default 1 */
  graphSubscriptionErrors?: number;
  /** Held, dropped or missed events. @default 1 */
  needsAttention?: number;
}

export interface OperationsProps {
  topic: AlarmTopic;
  functions: Record<FunctionId, ServiceFunction>;
  workQueue: WorkQueue;
  eventFailureQueue: IQueue;
  api: HttpApi;
  thresholds?: OperationsThresholds;
}

/**
 * What an operator watches: one alarm per way the service can fail quietly (all notify the topic)
 * and one dashboard of outcomes, queues, worker, API, throttles and scheduled functions.
 */
export class Operations extends Construct {
  readonly alarms: Record<string, IAlarm>;

  constructor(scope: Construct, id: string, props: OperationsProps) {
    super(scope, id);
    this.alarms = this.createAlarms(props);
    this.createDashboard(props);
  }

  private createAlarms(props: OperationsProps): Record<string, IAlarm> {
    const { topic, functions: f } = props;
    const t = props.thresholds ?? {};
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    return {
      dlqHasMessages: props.workQueue.dlqMessagesAlarm,
      oldestMessageAge: props.workQueue.oldestMessageAlarm,
      workerErrors: thresholdAlarm(this, 'WorkerErrors', topic, {
        metric: f.worker.fn.metricErrors(fiveMinutes),
        threshold: t.workerErrors ?? 5,
        description:
          'The worker function is failing invocations (not single records): see its logs.',
      }),
      workerThrottles: thresholdAlarm(this, 'WorkerThrottles', topic, {
        metric: f.worker.fn.metricThrottles(fiveMinutes),
        threshold: t.throttles ?? 1,
        description:
          'The worker is throttled: check account concurrency and the SQS maxConcurrency.',
      }),
      ingestThrottles: thresholdAlarm(this, 'IngestThrottles', topic, {
        metric: f.ingest.fn.metricThrottles(fiveMinutes),
        threshold: t.throttles ?? 1,
        description: 'The ingest function is throttled: IdP deliveries get 5xx and are retried.',
      }),
      api5xx: thresholdAlarm(this, 'Api5xx', topic, {
        metric: props.api.metricServerError(fiveMinutes),
        threshold: t.api5xx ?? 5,
        description:
          'The intake API answers 5xx (enqueue failed or ingest crashed): IdPs retry only briefly.',
      }),
      tokenRefresherErrors: thresholdAlarm(this, 'TokenRefresherErrors', topic, {
        metric: f['token-refresher'].fn.metricErrors(fiveMinutes),
        threshold: t.tokenRefresherErrors ?? 1,
        description:
          'The Zoho token refresh failed: check the OAuth secret (refresh token, accounts URL) ' +
          'and Zoho rate limits; workers fail once the current token expires.',
      }),
      eventFailures: thresholdAlarm(this, 'EventFailureQueueHasMessages', topic, {
        metric: props.eventFailureQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: t.eventFailures ?? 1,
        description:
          'An EventBridge deprovisioning event could not be enqueued: inspect the event failure ' +
          'queue and replay the original event with aws events put-events.',
      }),
      eventBridgeIngestErrors: thresholdAlarm(this, 'EventBridgeIngestErrors', topic, {
        metric: f['eventbridge-ingest'].fn.metricErrors(fiveMinutes),
        threshold: t.eventBridgeIngestErrors ?? 1,
        description: 'EventBridge deprovisioning events fail to enqueue (EventBridge retries).',
      }),
      needsAttention: thresholdAlarm(this, 'EventsNeedAttention', topic, {
        metric: new MathExpression({
          expression: ATTENTION_METRICS.map((_, i) => `FILL(m${i}, 0)`).join(' + '),
          usingMetrics: Object.fromEntries(
            ATTENTION_METRICS.map((name, i) => [`m${i}`, outcomeMetric(name)]),
          ),
          label: 'held, dropped or missed events',
          period: Duration.minutes(5),
        }),
        threshold: t.needsAttention ?? 1,
        description:
          'A request was held (guard or dry run), an EventBridge event was dropped as invalid, or a ' +
          'Graph notification was missed or its lifecycle action failed: see the worker and ingest logs.',
      }),
      graphSubscriptionErrors: thresholdAlarm(this, 'GraphSubscriptionErrors', topic, {
        metric: f['graph-subscription'].fn.metricErrors(fiveMinutes),
        threshold: t.graphSubscriptionErrors ?? 1,
        description: 'The Graph subscription renewal failed: Entra notifications stop at expiry.',
      }),
    };
  }

  private createDashboard(props: OperationsProps): void {
    const f = props.functions;
    const { queue, deadLetterQueue } = props.workQueue;
    const api = props.api;
    new ServiceDashboard(this, 'Dashboard', {
      alarms: Object.values(this.alarms),
      rows: [
        {
          title: 'Deprovisioning outcomes',
          left: OUTCOME_METRICS.map(outcomeMetric),
          right: ATTENTION_METRICS.map(outcomeMetric),
        },
        {
          title: 'Work queue',
          left: [
            queue.metricApproximateNumberOfMessagesVisible(),
            deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
            props.eventFailureQueue.metricApproximateNumberOfMessagesVisible(),
          ],
          right: [queue.metricApproximateAgeOfOldestMessage()],
        },
        {
          title: 'Worker',
          left: [f.worker.fn.metricInvocations(), f.worker.fn.metricErrors()],
          right: [f.worker.fn.metricDuration({ statistic: 'p99' })],
        },
        {
          title: 'Intake API',
          left: [api.metricCount(), api.metricClientError(), api.metricServerError()],
          right: [api.metricLatency({ statistic: 'p99' })],
        },
        {
          title: 'Throttles',
          left: Object.values(f).map((s) =>
            s.fn.metricThrottles({ label: `${s.functionId} throttles` }),
          ),
        },
        {
          title: 'Token refresher and scheduled functions',
          left: [
            f['token-refresher'].fn.metricErrors({ label: 'token-refresher errors' }),
            f['eventbridge-ingest'].fn.metricErrors({ label: 'eventbridge-ingest errors' }),
            f['graph-subscription'].fn.metricErrors({ label: 'graph-subscription errors' }),
          ],
        },
      ],
    });
  }
}
