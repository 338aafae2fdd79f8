import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WorkQueueProps {
  /** Timeout of the consuming function: the visibility timeout is 6 × this plus the batching window. */
  consumerTimeout: Duration;
  consumerBatchingWindow?: Duration;
  /** Receives before a message moves to the DLQ (at least 5, so throttled polls do not dead-letter). */
  maxReceiveCount: number;
  retentionPeriod: Duration;
  /** Alarm when the oldest message waits longer than this. */
  oldestMessageAgeAlarm: Duration;
  alarmAction: IAlarmAction;
}

/**
 * The work queue and its dead-letter queue: SQS-managed encryption at rest, TLS-only policies,
 * redrive after `maxReceiveCount` receives, a 14-day DLQ, and the two alarms an operator needs.
 */
export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly dlqMessagesAlarm: Alarm;
  readonly oldestMessageAlarm: Alarm;
  readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    if (!Number.isInteger(props.maxReceiveCount) || props.maxReceiveCount < 5) {
      throw new Error(`maxReceiveCount must be an integer ≥ 5 (got ${props.maxReceiveCount})`);
    }
    this.maxReceiveCount = props.maxReceiveCount;

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    const windowSeconds = props.consumerBatchingWindow?.toSeconds() ?? 0;
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.retentionPeriod,
      // AWS guidance for Lambda event sources: at least 6 × the function timeout (+ batching window).
      visibilityTimeout: Duration.seconds(6 * props.consumerTimeout.toSeconds() + windowSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    });

    this.dlqMessagesAlarm = new Alarm(this, 'DeadLetterQueueHasMessages', {
      alarmDescription:
        'A deprovisioning request was dead-lettered (permanent failure, exhausted retries or the ' +
        'guard held it). Read the DLQ record failure.kind and hint, fix, then run the redrive function.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.oldestMessageAlarm = new Alarm(this, 'OldestMessageAge', {
      alarmDescription:
        'Deprovisioning requests are waiting in the work queue: the worker is failing, throttled ' +
        'or the Help Center is slow. Check worker errors and the Help Center status.',
      metric: this.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: props.oldestMessageAgeAlarm.toSeconds(),
      evaluationPeriods: 5,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.dlqMessagesAlarm, this.oldestMessageAlarm]) {
      alarm.addAlarmAction(props.alarmAction);
      alarm.addOkAction(props.alarmAction);
    }
  }
}
