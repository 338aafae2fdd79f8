import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROUTE } from '../functions/core/contract/routes.ts';
import type { StageConfig } from './config.ts';
import { AlarmTopic } from './constructs/monitoring.ts';
import { createServiceSecrets, type ServiceSecrets } from './constructs/secrets.ts';
import type { FunctionDefaults, ServiceFunction } from './constructs/service-function.ts';
import { IDENTITY_INDEX_NAMES, Tables } from './constructs/tables.ts';
import type { WebhookApi } from './constructs/webhook-api.ts';
import { WorkQueue } from './constructs/work-queue.ts';
import type { FunctionId } from './function-env.ts';
import { EventIntake } from './integrations/event-intake.ts';
import { GraphSubscription } from './integrations/graph-subscription.ts';
import { IntakeApi } from './integrations/intake-api.ts';
import { Operations } from './integrations/operations.ts';
import { TokenRefresher } from './integrations/token-refresher.ts';
import { DeprovisionWorker } from './integrations/worker.ts';

export interface DeprovisionerStackProps extends StackProps {
  stage: string;
  config: StageConfig;
}

/**
 * DESIGN.md "Flow" as integration constructs: the intake API and event intake enqueue onto the
 * work queue; the worker drains it into the Help Center (or the DLQ); the token refresher keeps
 * the shared Zoho token; the Graph subscription keeps Entra's notifications coming; operations
 * watches all of it. Stateful resources (secrets, tables, queues, alarm topic) live at the stack
 * level so their logical ids never move. Every setting comes from the validated stage config.
 */
export class DeprovisionerStack extends Stack {
  readonly functions: Record<FunctionId, ServiceFunction>;
  readonly workQueue: WorkQueue;
  readonly tables: Tables;
  readonly secrets: ServiceSecrets;
  /** EventBridge events that could not be delivered to, or processed by, eventbridge-ingest. */
  readonly eventFailureQueue: Queue;
  readonly webhookApi: WebhookApi;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: Record<string, IAlarm>;

  constructor(scope: Construct, id: string, props: DeprovisionerStackProps) {
    super(scope, id, props);
    const { config: c, stage } = props;
    const retain = c.removalPolicy === 'retain';
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const functionDefaults: FunctionDefaults = {
      stage,
      logLevel: c.logLevel,
      logRetention: c.logRetentionDays as RetentionDays,
      removalPolicy,
    };

    // State
    this.alarmTopic = new AlarmTopic(this, 'Alarms', c.alarmEmail ? { email: c.alarmEmail } : {});
    this.secrets = createServiceSecrets(this, removalPolicy);
    this.tables = new Tables(this, 'Tables', { removalPolicy, deletionProtection: retain });
    const workerTimeout = Duration.seconds(c.worker.timeoutSeconds);
    const batchingWindow = Duration.seconds(c.worker.maxBatchingWindowSeconds);
    this.workQueue = new WorkQueue(this, 'WorkQueue', {
      consumerTimeout: workerTimeout,
      consumerBatchingWindow: batchingWindow,
      maxReceiveCount: c.queue.maxReceiveCount,
      retentionPeriod: Duration.days(c.queue.retentionDays),
      oldestMessageAgeAlarm: Duration.seconds(c.alarms.oldestMessageAgeSeconds),
      alarmAction: this.alarmTopic.action,
    });

    // Intake ──> work queue
    const intake = new IntakeApi(this, 'IntakeApi', {
      functionDefaults,
      workQueue: this.workQueue.queue,
      webhookSecret: this.secrets.webhook,
      identityTable: this.tables.identity,
      identityIndexNames: IDENTITY_INDEX_NAMES,
      oktaDeprovisionEventTypes: c.okta.deprovisionEventTypes,
      oktaZohoAppInstanceIds: c.okta.zohoAppInstanceIds,
      groupMapping: c.groupMapping,
      maxBodyBytes: c.api.maxBodyBytes,
      throttleRateLimit: c.api.throttleRateLimit,
      throttleBurstLimit: c.api.throttleBurstLimit,
      timeout: Duration.seconds(c.api.ingestTimeoutSeconds),
      memorySize: c.api.ingestMemoryMb,
    });
    const events = new EventIntake(this, 'EventIntake', {
      functionDefaults,
      workQueue: this.workQueue.queue,
      oktaDeprovisionEventTypes: c.okta.deprovisionEventTypes,
      customEventSource: c.eventBridge.customEventSource,
      groupMapping: c.groupMapping,
      ...(c.eventBridge.oktaPartnerEventBusName
        ? { oktaPartnerEventBusName: c.eventBridge.oktaPartnerEventBusName }
        : {}),
      maxEventAge: Duration.hours(c.eventBridge.maxEventAgeHours),
      timeout: Duration.seconds(c.eventBridge.ingestTimeoutSeconds),
    });

    // Work queue ──> worker ──> Help Center (token from the refresher) | DLQ ──> redrive
    const tokens = new TokenRefresher(this, 'TokenRefresher', {
      functionDefaults,
      oauthSecret: this.secrets.zohoOAuth,
      tokenSecret: this.secrets.zohoToken,
      every: Duration.minutes(c.tokenRefresher.everyMinutes),
      tokenEndpointTimeoutMs: c.helpCenter.timeoutMs,
      timeout: Duration.seconds(c.tokenRefresher.timeoutSeconds),
    });
    const worker = new DeprovisionWorker(this, 'Worker', {
      functionDefaults,
      workQueue: this.workQueue,
      oauthSecret: this.secrets.zohoOAuth,
      tokenSecret: this.secrets.zohoToken,
      tokenRefresher: tokens.function,
      identityTable: this.tables.identity,
      identityIndexNames: IDENTITY_INDEX_NAMES,
      idempotencyTable: this.tables.idempotency,
      helpCenter: c.helpCenter,
      guardMaxRequests: c.guard.maxRequests,
      guardWindowSeconds: c.guard.windowSeconds,
      timeout: workerTimeout,
      memorySize: c.worker.memoryMb,
      groupMapping: c.groupMapping,
      batchSize: c.worker.batchSize,
      maxBatchingWindow: batchingWindow,
      maxConcurrency: c.worker.maxConcurrency,
      redriveTimeout: Duration.seconds(c.redrive.timeoutSeconds),
      // Entra ID as a source: the worker makes the Graph lookups and delta resyncs.
      ...(c.graph.subscriptionEnabled ? { graphSecret: this.secrets.graph } : {}),
      graphBaseUrl: c.graph.baseUrl,
      graphLoginUrl: c.graph.loginUrl,
    });

    // Entra ID: keeps Graph notifications coming to the intake API
    const graph = new GraphSubscription(this, 'GraphSubscription', {
      functionDefaults,
      graphSecret: this.secrets.graph,
      webhookSecret: this.secrets.webhook,
      notificationUrl: intake.graphNotificationUrl,
      enabled: c.graph.subscriptionEnabled,
      renewEvery: Duration.hours(c.graph.renewEveryHours),
      graphBaseUrl: c.graph.baseUrl,
      graphLoginUrl: c.graph.loginUrl,
      timeout: Duration.seconds(c.graph.subscriptionTimeoutSeconds),
      stateTable: this.tables.idempotency,
      workQueue: this.workQueue.queue,
      deltaResyncEvery: Duration.minutes(c.graph.deltaResyncEveryMinutes),
    });

    this.functions = {
      ingest: intake.function,
      worker: worker.function,
      'token-refresher': tokens.function,
      redrive: worker.redrive,
      'eventbridge-ingest': events.function,
      'graph-subscription': graph.function,
    };
    this.webhookApi = intake.api;
    this.eventFailureQueue = events.failureQueue;

    // Operations
    this.alarms = new Operations(this, 'Operations', {
      topic: this.alarmTopic,
      functions: this.functions,
      workQueue: this.workQueue,
      eventFailureQueue: this.eventFailureQueue,
      api: intake.api.api,
      thresholds: c.alarms,
    }).alarms;
    this.createOutputs(intake.url, intake.graphNotificationUrl);
  }

  private createOutputs(apiUrl: string, graphNotificationUrl: string): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('ApiUrl', apiUrl, 'Base URL of the intake HTTP API');
    out(
      'OktaEventHookUrl',
      `${apiUrl}${ROUTE.OKTA_EVENT_HOOK}`,
      'Register this URL as the Okta event hook',
    );
    out(
      'ScimBaseUrl',
      `${apiUrl}${ROUTE.SCIM_V2}`,
      'SCIM 2.0 base URL for Entra ID / Okta provisioning',
    );
    out('GraphNotificationUrl', graphNotificationUrl, 'Graph change-notification URL');
    out('SignedWebhookUrl', `${apiUrl}${ROUTE.SIGNED_WEBHOOK}`, 'Standard Webhooks endpoint');
    out('WorkQueueUrl', this.workQueue.queue.queueUrl, 'Work queue');
    out('DeadLetterQueueUrl', this.workQueue.deadLetterQueue.queueUrl, 'Dead-letter queue');
    out(
      'EventFailureQueueUrl',
      this.eventFailureQueue.queueUrl,
      'Undeliverable EventBridge events',
    );
    const fnOutputs: Record<FunctionId, string> = {
      ingest: 'IngestFunctionName',
      worker: 'WorkerFunctionName',
      'token-refresher': 'TokenRefresherFunctionName',
      redrive: 'RedriveFunctionName',
      'eventbridge-ingest': 'EventBridgeIngestFunctionName',
      'graph-subscription': 'GraphSubscriptionFunctionName',
    };
    for (const [id, name] of Object.entries(fnOutputs)) {
      out(name, this.functions[id as FunctionId].fn.functionName, `${id} function name`);
    }
    out('ZohoOAuthSecretArn', this.secrets.zohoOAuth.secretArn, 'Put the Zoho OAuth JSON here');
    out('ZohoTokenSecretArn', this.secrets.zohoToken.secretArn, 'Written by the token refresher');
    out('WebhookSecretArn', this.secrets.webhook.secretArn, 'Webhook secrets JSON');
    out('GraphSecretArn', this.secrets.graph.secretArn, 'Entra app registration JSON');
    out('IdentityTableName', this.tables.identity.tableName, 'Identity store table');
    out('IdempotencyTableName', this.tables.idempotency.tableName, 'Idempotency table');
    out('AlarmTopicArn', this.alarmTopic.topic.topicArn, 'SNS topic every alarm notifies');
  }
}
