import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, type MetricName } from '../../functions/core/contract/metrics.ts';
import { SERVICE_NAME } from '../../functions/core/contract/service.ts';

export interface AlarmTopicProps {
  email?: string;
}

/** The SNS topic every alarm notifies: KMS-encrypted, TLS-only, optional email subscription. */
export class AlarmTopic extends Construct {
  readonly topic: Topic;
  readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const key = new Key(this, 'Key', {
      description: 'Encrypts the helpcenter-deprovisioner alarm topic',
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to an encrypted topic only when the key lets them.
    key.addToResourcePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new Topic(this, 'Topic', { masterKey: key, enforceSSL: true });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.action = new SnsAction(this.topic);
  }
}

export interface ThresholdAlarmProps {
  metric: IMetric;
  threshold: number;
  description: string;
  evaluationPeriods?: number;
}

/** `metric ≥ threshold` alarm wired to the topic (alarm and OK), missing data is not breaching. */
export function thresholdAlarm(
  scope: Construct,
  id: string,
  topic: AlarmTopic,
  props: ThresholdAlarmProps,
): Alarm {
  const alarm = new Alarm(scope, id, {
    metric: props.metric,
    threshold: props.threshold,
    evaluationPeriods: props.evaluationPeriods ?? 1,
    comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
    alarmDescription: props.description,
  });
  alarm.addAlarmAction(topic.action);
  alarm.addOkAction(topic.action);
  return alarm;
}

/** A custom metric the functions emit through Powertools (dimension `service`), 5-minute sums. */
export function outcomeMetric(name: MetricName): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}

export interface ServiceDashboardProps {
  alarms: IAlarm[];
  rows: Array<{ title: string; left: IMetric[]; right?: IMetric[] }>;
}

/** One dashboard: alarm states on top, then one graph per concern. */
export class ServiceDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ServiceDashboardProps) {
    super(scope, id);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(12),
    });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: props.alarms, width: 24 }),
    );
    const graphs = props.rows.map(
      (row) =>
        new GraphWidget({
          title: row.title,
          left: row.left,
          ...(row.right ? { right: row.right } : {}),
          width: 12,
        }),
    );
    for (let i = 0; i < graphs.length; i += 2) this.dashboard.addWidgets(...graphs.slice(i, i + 2));
  }
}
