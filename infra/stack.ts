import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  SecretValue,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import { type IAlarm, MathExpression } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../functions/core/contract/env-names.ts';
import type { StageConfig } from './config.ts';
import { bindInvoke, bindQueue, bindSecret, bindTable } from './constructs/bind.ts';
import {
  AlarmTopic,
  ATTENTION_METRICS,
  OUTCOME_METRICS,
  outcomeMetric,
  ServiceDashboard,
  thresholdAlarm,
} from './constructs/monitoring.ts';
import { ServiceFunction, type ServiceFunctionProps } from './constructs/service-function.ts';
import { IDENTITY_INDEXES, Tables } from './constructs/tables.ts';
import { WebhookApi } from './constructs/webhook-api.ts';
import { WorkQueue } from './constructs/work-queue.ts';
import type { FunctionId } from './function-env.ts';

export interface DeprovisionerStackProps extends StackProps {
  stage: string;
  config: StageConfig;
}

/** `detail-type` of the documented custom event on the default bus. */
export const CUSTOM_EVENT_DETAIL_TYPE = 'User Deprovisioned';

/**
 * Everything in DESIGN.md "Flow": the HTTP API and EventBridge intake, the work queue and DLQ,
 * the worker, token refresher, redrive and Graph subscription functions, secrets, tables, alarms
 * and the dashboard. Settings come from the validated stage config.
 */
export class DeprovisionerStack extends Stack {
  readonly functions: Record<FunctionId, ServiceFunction>;
  readonly workQueue: WorkQueue;
  readonly tables: Tables;
  readonly secrets: { zohoOAuth: Secret; zohoToken: Secret; webhook: Secret; graph: Secret };
  /** EventBridge events that could not be delivered to, or processed by, eventbridge-ingest. */
  readonly eventFailureQueue: Queue;
  readonly webhookApi: WebhookApi;
  readonly alarmTopic: AlarmTopic;
  readonly alarms: Record<string, IAlarm>;

  constructor(scope: Construct, id: string, props: DeprovisionerStackProps) {
    super(scope, id, props);
    const { config, stage } = props;
    const retain = config.removalPolicy === 'retain';
    const removalPolicy = retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = config.logRetentionDays as RetentionDays;

    this.alarmTopic = new AlarmTopic(this, 'Alarms', {
      ...(config.alarmEmail ? { email: config.alarmEmail } : {}),
    });

    // Secrets are created empty ('{}' is not a secret); operators put the values (README "Deploy").
    const emptySecret = (name: string, description: string, rotationReason: string): Secret => {
      const secret = new Secret(this, name, {
        description,
        secretStringValue: SecretValue.unsafePlainText('{}'),
        removalPolicy,
      });
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: rotationReason });
      return secret;
    };
    const webhook = new Secret(this, 'WebhookSecret', {
      description:
        'Webhook secrets: {oktaAuthorization, scimBearerToken, graphClientState, webhookSigningSecret}',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'oktaAuthorization',
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy,
    });
    Validations.of(webhook).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Each value is also configured at the sender (Okta event hook, SCIM client, Graph ' +
        'subscription, webhook producer); rotating it here alone would reject every delivery. ' +
        'Rotation is an operator runbook step done on both sides.',
    });
    this.secrets = {
      zohoOAuth: emptySecret(
        'ZohoOAuthSecret',
        'Zoho OAuth: {clientId, clientSecret, refreshToken, orgId, accountsUrl|dataCentre, helpCenterIds}',
        'The Zoho refresh token is issued by a person through the Zoho API console grant flow; ' +
          'no Lambda can mint a new one, so rotation is manual.',
      ),
      zohoToken: emptySecret(
        'ZohoTokenSecret',
        'Shared Zoho access token {accessToken, expiresAt}, written by the token refresher',
        'The token refresher function replaces this value every 45 minutes; it is its rotation.',
      ),
      webhook,
      graph: emptySecret(
        'GraphSecret',
        'Entra app registration for Microsoft Graph: {tenantId, clientId, clientSecret}',
        'The Entra client secret is created in the Entra admin centre with its own expiry; ' +
          'Secrets Manager cannot create it, so rotation is manual.',
      ),
    };

    this.tables = new Tables(this, 'Tables', { removalPolicy, deletionProtection: retain });

    const workerTimeout = Duration.seconds(config.worker.timeoutSeconds);
    const batchingWindow = Duration.seconds(config.worker.maxBatchingWindowSeconds);
    this.workQueue = new WorkQueue(this, 'WorkQueue', {
      consumerTimeout: workerTimeout,
      consumerBatchingWindow: batchingWindow,
      maxReceiveCount: config.queue.maxReceiveCount,
      retentionPeriod: Duration.days(config.queue.retentionDays),
      oldestMessageAgeAlarm: Duration.seconds(config.alarms.oldestMessageAgeSeconds),
      alarmAction: this.alarmTopic.action,
    });
    const { queue, deadLetterQueue } = this.workQueue;

    const fn = (
      constructId: string,
      rest: Omit<ServiceFunctionProps, 'stage' | 'logLevel' | 'logRetention' | 'removalPolicy'>,
    ) =>
      new ServiceFunction(this, constructId, {
        stage,
        logLevel: config.logLevel,
        logRetention,
        removalPolicy,
        ...rest,
      });
    const oktaTypes = config.okta.deprovisionEventTypes.join(',');

    const ingest = fn('Ingest', {
      id: 'ingest',
      description: 'Verifies and normalises IdP webhooks and SCIM calls, enqueues deprovisioning',
      timeout: Duration.seconds(10),
      memorySize: 512,
      environment: {
        [ENV.OKTA_DEPROVISION_EVENT_TYPES]: oktaTypes,
        [ENV.OKTA_ZOHO_APP_INSTANCE_IDS]: config.okta.zohoAppInstanceIds.join(','),
        [ENV.GROUP_MAPPING]: JSON.stringify(config.groupMapping),
        [ENV.MAX_BODY_BYTES]: String(config.api.maxBodyBytes),
        [ENV.GRAPH_BASE_URL]: config.graph.baseUrl,
        [ENV.GRAPH_LOGIN_URL]: config.graph.loginUrl,
      },
    });
    bindQueue(ingest, ENV.WORK_QUEUE_URL, queue, ['send']);
    bindSecret(ingest, ENV.WEBHOOK_SECRET_ARN, this.secrets.webhook);
    bindSecret(ingest, ENV.GRAPH_SECRET_ARN, this.secrets.graph);
    bindTable(ingest, ENV.IDENTITY_TABLE_NAME, this.tables.identity, IDENTITY_INDEXES);

    const refresher = fn('TokenRefresher', {
      id: 'token-refresher',
      description: 'Mints the shared Zoho access token and stores it in Secrets Manager',
      timeout: Duration.seconds(30),
      // One refresh token may mint at most 10 tokens per 10 minutes: never refresh in parallel.
      reservedConcurrentExecutions: 1,
      environment: { [ENV.HELPCENTER_TIMEOUT_MS]: String(config.helpCenter.timeoutMs) },
    });
    bindSecret(refresher, ENV.ZOHO_OAUTH_SECRET_ARN, this.secrets.zohoOAuth);
    bindSecret(refresher, ENV.ZOHO_TOKEN_SECRET_ARN, this.secrets.zohoToken, ['read', 'write']);
    new Rule(this, 'TokenRefreshSchedule', {
      description: 'Refreshes the shared Zoho access token before it expires (tokens live 1 hour)',
      schedule: Schedule.rate(Duration.minutes(config.tokenRefresher.everyMinutes)),
      targets: [new LambdaFunction(refresher.fn, { retryAttempts: 2 })],
    });

    const hc = config.helpCenter;
    const worker = fn('Worker', {
      id: 'worker',
      description: 'Removes deprovisioned users from every Help Center group (SQS consumer)',
      timeout: workerTimeout,
      memorySize: config.worker.memoryMb,
      environment: {
        [ENV.HELPCENTER_API]: hc.api,
        ...(hc.ids ? { [ENV.HELPCENTER_IDS]: hc.ids.join(',') } : {}),
        ...(hc.baseUrl ? { [ENV.HELPCENTER_BASE_URL]: hc.baseUrl } : {}),
        [ENV.HELPCENTER_CONCURRENCY]: String(hc.concurrency),
        [ENV.HELPCENTER_TIMEOUT_MS]: String(hc.timeoutMs),
        [ENV.MAX_RECEIVE_COUNT]: String(this.workQueue.maxReceiveCount),
        [ENV.MAX_IN_CALL_RETRIES]: String(hc.maxInCallRetries),
        [ENV.DRY_RUN]: String(hc.dryRun),
        [ENV.VERIFY_AFTER_REMOVE]: String(hc.verifyAfterRemove),
        [ENV.GUARD_MAX_REQUESTS]: String(config.guard.maxRequests),
        [ENV.GUARD_WINDOW_SECONDS]: String(config.guard.windowSeconds),
        [ENV.GROUP_MAPPING]: JSON.stringify(config.groupMapping),
      },
    });
    // Consuming is granted by the event source mapping below; the worker never addresses the queue.
    bindQueue(worker, ENV.DEAD_LETTER_QUEUE_URL, deadLetterQueue, ['send']);
    bindSecret(worker, ENV.ZOHO_OAUTH_SECRET_ARN, this.secrets.zohoOAuth);
    bindSecret(worker, ENV.ZOHO_TOKEN_SECRET_ARN, this.secrets.zohoToken);
    bindInvoke(worker, ENV.TOKEN_REFRESHER_FUNCTION_NAME, refresher);
    bindTable(worker, ENV.IDENTITY_TABLE_NAME, this.tables.identity, IDENTITY_INDEXES);
    bindTable(worker, ENV.IDEMPOTENCY_TABLE_NAME, this.tables.idempotency);
    worker.fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: config.worker.batchSize,
        maxBatchingWindow: batchingWindow,
        maxConcurrency: config.worker.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    const redrive = fn('Redrive', {
      id: 'redrive',
      description: 'Operator tool: moves dead-lettered requests back to the work queue',
      timeout: Duration.minutes(5),
    });
    bindQueue(redrive, ENV.DEAD_LETTER_QUEUE_URL, deadLetterQueue, ['receive']);
    bindQueue(redrive, ENV.WORK_QUEUE_URL, queue, ['send']);

    const eventBridgeIngest = fn('EventBridgeIngest', {
      id: 'eventbridge-ingest',
      description: 'Normalises Okta log-streaming and custom deprovisioning events, enqueues them',
      timeout: Duration.seconds(30),
      environment: {
        [ENV.OKTA_DEPROVISION_EVENT_TYPES]: oktaTypes,
        [ENV.CUSTOM_EVENT_SOURCE]: config.eventBridge.customEventSource,
      },
    });
    bindQueue(eventBridgeIngest, ENV.WORK_QUEUE_URL, queue, ['send']);
    // EventBridge invokes asynchronously: without a failure destination an event that still fails
    // after the retries would be dropped. Both delivery and processing failures land here.
    this.eventFailureQueue = new Queue(this, 'EventFailureQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.eventFailureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself the dead-letter destination of the EventBridge rules and of ' +
        "eventbridge-ingest's asynchronous invocations; an operator replays it with put-events.",
    });
    eventBridgeIngest.fn.configureAsyncInvoke({
      retryAttempts: 2,
      onFailure: new SqsDestination(this.eventFailureQueue),
    });
    const eventTarget = new LambdaFunction(eventBridgeIngest.fn, {
      retryAttempts: 185,
      maxEventAge: Duration.hours(24),
      deadLetterQueue: this.eventFailureQueue,
    });
    new Rule(this, 'CustomDeprovisionRule', {
      description: `"${CUSTOM_EVENT_DETAIL_TYPE}" events from ${config.eventBridge.customEventSource}`,
      eventPattern: {
        source: [config.eventBridge.customEventSource],
        detailType: [CUSTOM_EVENT_DETAIL_TYPE],
      },
      targets: [eventTarget],
    });
    const partnerBusName = config.eventBridge.oktaPartnerEventBusName;
    if (partnerBusName) {
      const partnerBus: IEventBus = EventBus.fromEventBusName(this, 'OktaBus', partnerBusName);
      new Rule(this, 'OktaLogStreamRule', {
        description: 'Okta System Log events that deprovision a user',
        eventBus: partnerBus,
        eventPattern: {
          source: [{ prefix: 'aws.partner/okta.com' }] as unknown as string[],
          detail: { eventType: config.okta.deprovisionEventTypes },
        },
        targets: [eventTarget],
      });
    }

    this.webhookApi = new WebhookApi(this, 'WebhookApi', {
      handler: ingest.fn,
      throttleRateLimit: config.api.throttleRateLimit,
      throttleBurstLimit: config.api.throttleBurstLimit,
      logRetention,
      removalPolicy,
    });
    const apiUrl = this.webhookApi.url;
    // The URL names only the HttpApi resource, which depends on no function (routes and
    // integrations do), so the ingest function can carry it without a dependency cycle.
    const graphNotificationUrl = `${apiUrl}/webhooks/graph`;
    // Lets the ingest function renew or recreate the subscription on Graph lifecycle notifications.
    ingest.addEnvironment(ENV.GRAPH_NOTIFICATION_URL, graphNotificationUrl);

    const graphSubscription = fn('GraphSubscription', {
      id: 'graph-subscription',
      description: 'Creates and renews the Microsoft Graph users change-notification subscription',
      timeout: Duration.seconds(30),
      environment: {
        [ENV.GRAPH_BASE_URL]: config.graph.baseUrl,
        [ENV.GRAPH_LOGIN_URL]: config.graph.loginUrl,
        [ENV.GRAPH_NOTIFICATION_URL]: graphNotificationUrl,
      },
    });
    bindSecret(graphSubscription, ENV.GRAPH_SECRET_ARN, this.secrets.graph);
    bindSecret(graphSubscription, ENV.WEBHOOK_SECRET_ARN, this.secrets.webhook);
    new Rule(this, 'GraphSubscriptionSchedule', {
      description: 'Renews the Graph subscription before it expires',
      enabled: config.graph.subscriptionEnabled,
      schedule: Schedule.rate(Duration.hours(config.graph.renewEveryHours)),
      targets: [new LambdaFunction(graphSubscription.fn, { retryAttempts: 2 })],
    });

    this.functions = {
      ingest,
      worker,
      'token-refresher': refresher,
      redrive,
      'eventbridge-ingest': eventBridgeIngest,
      'graph-subscription': graphSubscription,
    };

    this.alarms = this.createAlarms(config);
    this.createDashboard();
    this.createOutputs(apiUrl, graphNotificationUrl);
  }

  private createAlarms(config: StageConfig): Record<string, IAlarm> {
    const topic = this.alarmTopic;
    const f = this.functions;
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    const alarms: Record<string, IAlarm> = {
      dlqHasMessages: this.workQueue.dlqMessagesAlarm,
      oldestMessageAge: this.workQueue.oldestMessageAlarm,
      workerErrors: thresholdAlarm(this, 'WorkerErrors', topic, {
        metric: f.worker.fn.metricErrors(fiveMinutes),
        threshold: config.alarms.workerErrors,
        description:
          'The worker function is failing invocations (not single records): see its logs.',
      }),
      workerThrottles: thresholdAlarm(this, 'WorkerThrottles', topic, {
        metric: f.worker.fn.metricThrottles(fiveMinutes),
        threshold: config.alarms.throttles,
        description:
          'The worker is throttled: check account concurrency and the SQS maxConcurrency.',
      }),
      ingestThrottles: thresholdAlarm(this, 'IngestThrottles', topic, {
        metric: f.ingest.fn.metricThrottles(fiveMinutes),
        threshold: config.alarms.throttles,
        description: 'The ingest function is throttled: IdP deliveries get 5xx and are retried.',
      }),
      api5xx: thresholdAlarm(this, 'Api5xx', topic, {
        metric: this.webhookApi.api.metricServerError(fiveMinutes),
        threshold: config.alarms.api5xx,
        description:
          'The intake API answers 5xx (enqueue failed or ingest crashed): IdPs retry only briefly.',
      }),
      tokenRefresherErrors: thresholdAlarm(this, 'TokenRefresherErrors', topic, {
        metric: f['token-refresher'].fn.metricErrors(fiveMinutes),
        threshold: 1,
        description:
          'The Zoho token refresh failed: check the OAuth secret (refresh token, accounts URL) ' +
          'and Zoho rate limits; workers fail once the current token expires.',
      }),
      eventFailures: thresholdAlarm(this, 'EventFailureQueueHasMessages', topic, {
        metric: this.eventFailureQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        description:
          'An EventBridge deprovisioning event could not be enqueued: inspect the event failure ' +
          'queue and replay the original event with aws events put-events.',
      }),
      eventBridgeIngestErrors: thresholdAlarm(this, 'EventBridgeIngestErrors', topic, {
        metric: f['eventbridge-ingest'].fn.metricErrors(fiveMinutes),
        threshold: 1,
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
        threshold: 1,
        description:
          'A request was held (guard or dry run), an EventBridge event was dropped as invalid, or a ' +
          'Graph notification was missed or its lifecycle action failed: see the worker and ingest logs.',
      }),
      graphSubscriptionErrors: thresholdAlarm(this, 'GraphSubscriptionErrors', topic, {
        metric: f['graph-subscription'].fn.metricErrors(fiveMinutes),
        threshold: 1,
        description: 'The Graph subscription renewal failed: Entra notifications stop at expiry.',
      }),
    };
    return alarms;
  }

  private createDashboard(): void {
    const f = this.functions;
    const { queue, deadLetterQueue } = this.workQueue;
    const api = this.webhookApi.api;
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
            this.eventFailureQueue.metricApproximateNumberOfMessagesVisible(),
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

  private createOutputs(apiUrl: string, graphNotificationUrl: string): void {
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    out('ApiUrl', apiUrl, 'Base URL of the intake HTTP API');
    out('OktaEventHookUrl', `${apiUrl}/webhooks/okta`, 'Register this URL as the Okta event hook');
    out('ScimBaseUrl', `${apiUrl}/scim/v2`, 'SCIM 2.0 base URL for Entra ID / Okta provisioning');
    out('GraphNotificationUrl', graphNotificationUrl, 'Graph change-notification URL');
    out('SignedWebhookUrl', `${apiUrl}/webhooks/events`, 'Standard Webhooks endpoint');
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
