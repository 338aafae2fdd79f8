import { Duration, Validations } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/contract/defaults.ts';
import { ENV } from '../../functions/core/contract/env-names.ts';
import {
  CUSTOM_EVENT_DETAIL_TYPE,
  DEFAULT_CUSTOM_EVENT_SOURCE,
  GROUP_EVENT_DETAIL_TYPE,
  OKTA_PARTNER_SOURCE_PREFIX,
} from '../../functions/core/contract/events.ts';
import type { GroupMappingEntry } from '../config.ts';
import { bindQueue } from '../constructs/bind.ts';
import { type FunctionDefaults, ServiceFunction } from '../constructs/service-function.ts';

export interface EventIntakeProps {
  functionDefaults: FunctionDefaults;
  /** Where normalised requests go (send only). */
  workQueue: IQueue;
  /** Okta event types that count as deprovisioning. @default DEFAULTS.oktaDeprovisionEventTypes */
  oktaDeprovisionEventTypes?: readonly string[];
  /** `source` of the custom "User Deprovisioned" event. @default DEFAULT_CUSTOM_EVENT_SOURCE */
  customEventSource?: string;
  /** IdP group → Help Center group, for "Group Membership Removed" events. @default [] */
  groupMapping?: readonly GroupMappingEntry[];
  /** Okta log-streaming partner bus (`aws.partner/okta.com/...`). @default no Okta rule */
  oktaPartnerEventBusName?: string;
  /** How long EventBridge retries delivery before the failure queue. @default Duration.hours(24) */
  maxEventAge?: Duration;
  /** @default Duration.seconds(30) */
  timeout?: Duration;
}

/**
 * EventBridge intake (DESIGN "Sources"): rules for the documented custom event and, when
 * configured, Okta's partner bus, targeting the eventbridge-ingest function; events that cannot be
 * delivered or processed land in the event failure queue instead of being dropped.
 */
export class EventIntake extends Construct {
  readonly function: ServiceFunction;
  /** EventBridge events that could not be delivered to, or processed by, eventbridge-ingest. */
  readonly failureQueue: Queue;

  constructor(scope: Construct, id: string, props: EventIntakeProps) {
    super(scope, id);
    const oktaTypes = props.oktaDeprovisionEventTypes ?? DEFAULTS.oktaDeprovisionEventTypes;
    const customSource = props.customEventSource ?? DEFAULT_CUSTOM_EVENT_SOURCE;
    this.function = new ServiceFunction(this, 'Function', {
      ...props.functionDefaults,
      id: 'eventbridge-ingest',
      description: 'Normalises Okta log-streaming and custom deprovisioning events, enqueues them',
      timeout: props.timeout ?? Duration.seconds(30),
      environment: {
        [ENV.OKTA_DEPROVISION_EVENT_TYPES]: oktaTypes.join(','),
        [ENV.CUSTOM_EVENT_SOURCE]: customSource,
        [ENV.GROUP_MAPPING]: JSON.stringify(props.groupMapping ?? []),
      },
    });
    bindQueue(this.function, ENV.WORK_QUEUE_URL, props.workQueue, ['send']);

    // EventBridge invokes asynchronously: without a failure destination an event that still fails
    // after the retries would be dropped. Both delivery and processing failures land here.
    this.failureQueue = new Queue(this, 'FailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the EventBridge rules and of ' +
        "eventbridge-ingest's asynchronous invocations; an operator replays it with put-events.",
    });
    this.function.fn.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(this.failureQueue),
    });
    const target = new LambdaFunction(this.function.fn, {
      retryAttempts: 185,
      maxEventAge: props.maxEventAge ?? Duration.hours(24),
      deadLetterQueue: this.failureQueue,
    });
    new Rule(this, 'CustomDeprovisionRule', {
      description: `"${CUSTOM_EVENT_DETAIL_TYPE}" and "${GROUP_EVENT_DETAIL_TYPE}" events from ${customSource}`,
      eventPattern: {
        source: [customSource],
        detailType: [CUSTOM_EVENT_DETAIL_TYPE, GROUP_EVENT_DETAIL_TYPE],
      },
      targets: [target],
    });
    if (props.oktaPartnerEventBusName) {
      new Rule(this, 'OktaLogStreamRule', {
        description: 'Okta System Log events that deprovision a user',
        eventBus: EventBus.fromEventBusName(this, 'OktaBus', props.oktaPartnerEventBusName),
        eventPattern: {
          source: [{ prefix: OKTA_PARTNER_SOURCE_PREFIX }] as unknown as string[],
          detail: { eventType: [...oktaTypes] },
        },
        targets: [target],
      });
    }
  }
}
