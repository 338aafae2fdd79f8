import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/contract/defaults.ts';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { GRAPH_DELTA } from '../../functions/core/contract/graph.ts';
import { bindSecret, bindTable } from '../constructs/bind.ts';
import { type FunctionDefaults, ServiceFunction } from '../constructs/service-function.ts';

export interface GraphSubscriptionProps {
  functionDefaults: FunctionDefaults;
  /** Entra app registration `{tenantId, clientId, clientSecret}` (read). */
  graphSecret: ISecret;
  /** Webhook secrets; the subscription's `clientState` is `graphClientState` (read). */
  webhookSecret: ISecret;
  /** Public URL of `POST /webhooks/graph` (the intake API's). */
  notificationUrl: string;
  /** Run the renewal schedule (Entra ID as a source). @default false */
  enabled?: boolean;
  /** @default Duration.hours(12) */
  renewEvery?: Duration;
  /** @default DEFAULTS.graphBaseUrl */
  graphBaseUrl?: string;
  /** @default DEFAULTS.graphLoginUrl */
  graphLoginUrl?: string;
  /** @default Duration.seconds(30) */
  timeout?: Duration;
  /** Where the renewal is recorded for `status` (the idempotency table's Graph items). */
  stateTable: ITable;
  /** The work queue the scheduled delta resync request goes to. */
  workQueue: IQueue;
  /** @default Duration.hours(1) */
  deltaResyncEvery?: Duration;
}

/**
 * The scheduled resync request, as the worker parses it (DeprovisionRequest schema version 1 with
 * a `graph-delta` check); EventBridge fills in the event id and time. The first run on a stage
 * with no stored link is the initial sync: it records the link and deprovisions nobody.
 */
export function deltaResyncMessage(): RuleTargetInput {
  return RuleTargetInput.fromObject({
    schemaVersion: 1,
    requestId: `${GRAPH_DELTA.requestIdPrefix}:${GRAPH_DELTA.scheduleTrigger}:${EventField.eventId}`,
    source: 'graph',
    subject: GRAPH_DELTA.subject,
    reason: `graph.delta.${GRAPH_DELTA.scheduleTrigger}`,
    occurredAt: EventField.time,
    receivedAt: EventField.time,
    check: { kind: GRAPH_DELTA.checkKind, trigger: GRAPH_DELTA.scheduleTrigger },
  });
}

/**
 * Entra ID as a source: the Microsoft Graph `users` change-notification subscription (a function
 * that creates or renews it and records the outcome for `status`) and the scheduled users delta
 * resync (a request put straight on the work queue; the worker runs it). Both schedules are
 * disabled unless Entra ID is a source.
 */
export class GraphSubscription extends Construct {
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: GraphSubscriptionProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Function', {
      ...props.functionDefaults,
      id: 'graph-subscription',
      description: 'Creates and renews the Microsoft Graph users change-notification subscription',
      timeout: props.timeout ?? Duration.seconds(30),
      environment: {
        [ENV.GRAPH_BASE_URL]: props.graphBaseUrl ?? DEFAULTS.graphBaseUrl,
        [ENV.GRAPH_LOGIN_URL]: props.graphLoginUrl ?? DEFAULTS.graphLoginUrl,
        [ENV.GRAPH_NOTIFICATION_URL]: props.notificationUrl,
      },
    });
    bindSecret(this.function, ENV.GRAPH_SECRET_ARN, props.graphSecret);
    bindSecret(this.function, ENV.WEBHOOK_SECRET_ARN, props.webhookSecret);
    bindTable(this.function, ENV.IDEMPOTENCY_TABLE_NAME, props.stateTable);
    new Rule(this, 'Schedule', {
      description: 'Renews the Graph subscription before it expires',
      enabled: props.enabled ?? false,
      schedule: Schedule.rate(props.renewEvery ?? Duration.hours(12)),
      targets: [new LambdaFunction(this.function.fn, { retryAttempts: 2 })],
    });
    new Rule(this, 'DeltaResyncSchedule', {
      description:
        'Queues a Microsoft Graph users delta resync (deprovisions notifications missed)',
      enabled: props.enabled ?? false,
      schedule: Schedule.rate(props.deltaResyncEvery ?? Duration.hours(1)),
      targets: [new SqsQueue(props.workQueue, { message: deltaResyncMessage(), retryAttempts: 2 })],
    });
  }
}
