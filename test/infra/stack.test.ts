import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/core/contract/env-names.ts';
import {
  CUSTOM_EVENT_DETAIL_TYPE,
  DEFAULT_CUSTOM_EVENT_SOURCE,
  GROUP_EVENT_DETAIL_TYPE,
} from '../../functions/core/contract/events.ts';
import {
  ATTENTION_METRICS,
  METRICS_NAMESPACE,
  OUTCOME_METRICS,
} from '../../functions/core/contract/metrics.ts';
import { SERVICE_NAME } from '../../functions/core/contract/service.ts';
import { IDENTITY_TABLE } from '../../functions/core/contract/tables.ts';
import { METRIC_BY_OUTCOME, QUOTA_METRIC } from '../../functions/core/deprovision/batch.ts';
import { DeprovisionRequestSchema } from '../../functions/core/domain/deprovision-request.ts';
import { EVENT_DROPPED_METRIC } from '../../functions/core/intake/eventbridge/handler.ts';
import {
  GRAPH_FORGED_METRIC,
  GRAPH_LIFECYCLE_FAILED_METRIC,
  GRAPH_MISSED_METRIC,
} from '../../functions/core/intake/graph/notifications.ts';
import { buildApp } from '../../infra/build-app.ts';
import {
  FUNCTION_ENV,
  FUNCTION_IDS,
  type FunctionId,
  OPTIONAL_ENV,
  requiredEnv,
} from '../../infra/function-env.ts';

const stageConfig = {
  alarmEmail: 'ops@example.com',
  eventBridge: { oktaPartnerEventBusName: 'aws.partner/okta.com/example/deprovisioning' },
  helpCenter: { ids: ['hc-1', 'hc-2'], baseUrl: 'https://desk.example.com' },
  queue: { maxReceiveCount: 7 },
  worker: { timeoutSeconds: 90, batchSize: 4, maxBatchingWindowSeconds: 2, maxConcurrency: 2 },
  graph: { subscriptionEnabled: true },
};

// Synthesised once for the whole file: bundling six functions is the slow part.
const { app, stack } = buildApp({
  outdir: mkdtempSync(path.join(tmpdir(), 'cdk-test-')),
  context: { stage: 'test', stages: { test: stageConfig } },
});
const template = Template.fromStack(stack);
const ref = (value: unknown) => JSON.stringify(stack.resolve(value));
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

function functionResource(id: FunctionId): { Properties: Record<string, unknown> } {
  const resources = template.findResources('AWS::Lambda::Function');
  const resource = resources[logicalId(stack.functions[id].fn)];
  if (!resource) throw new Error(`no Lambda resource for ${id}`);
  return resource as { Properties: Record<string, unknown> };
}

function environmentOf(id: FunctionId): Record<string, unknown> {
  const env = functionResource(id).Properties.Environment as { Variables: Record<string, unknown> };
  return env.Variables;
}

/** Every (action, resource) pair the function's role is allowed, as sorted strings. */
function grantsOf(id: FunctionId): string[] {
  const roleId = logicalId(stack.functions[id].role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`),
  );
  const pairs: string[] = [];
  for (const policy of policies) {
    for (const s of policy.Properties.PolicyDocument.Statement) {
      expect(s.Effect).toBe('Allow');
      const actions: string[] = [s.Action].flat();
      const resources: unknown[] = [s.Resource].flat();
      for (const a of actions) for (const r of resources) pairs.push(`${a} ${JSON.stringify(r)}`);
    }
  }
  return [...new Set(pairs)].sort();
}

const grant = (actions: string[], resources: unknown[]) =>
  actions.flatMap((a) => resources.map((r) => `${a} ${ref(r)}`));

/** Grants every function has: its own log group, X-Ray. */
function baseGrants(id: FunctionId): string[] {
  return [
    ...grant(
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [stack.functions[id].logGroup.logGroupArn],
    ),
    ...grant(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
  ];
}

const q = stack.workQueue.queue;
const dlq = stack.workQueue.deadLetterQueue;
const { identity, idempotency } = stack.tables;
const identityResources = [
  identity.tableArn,
  ...Object.values(IDENTITY_TABLE.indexes).map((i) => `${identity.tableArn}/index/${i.indexName}`),
];
const TABLE_RW = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];
const READ_SECRET = ['secretsmanager:GetSecretValue'];
const s = stack.secrets;

const EXPECTED_GRANTS: Record<FunctionId, string[]> = {
  ingest: [
    ...grant(['sqs:SendMessage'], [q.queueArn]),
    ...grant(READ_SECRET, [s.webhook.secretArn]),
    ...grant(TABLE_RW, identityResources),
  ],
  worker: [
    ...grant(
      [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      [q.queueArn],
    ),
    ...grant(['sqs:SendMessage'], [dlq.queueArn, q.queueArn]),
    ...grant(READ_SECRET, [s.zohoOAuth.secretArn, s.zohoToken.secretArn, s.graph.secretArn]),
    ...grant(['lambda:InvokeFunction'], [stack.functions['token-refresher'].fn.functionArn]),
    ...grant(TABLE_RW, [...identityResources, idempotency.tableArn]),
  ],
  'token-refresher': [
    ...grant(READ_SECRET, [s.zohoOAuth.secretArn, s.zohoToken.secretArn]),
    ...grant(['secretsmanager:PutSecretValue'], [s.zohoToken.secretArn]),
  ],
  redrive: [
    ...grant(
      ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
      [dlq.queueArn],
    ),
    ...grant(['sqs:SendMessage'], [q.queueArn]),
  ],
  'eventbridge-ingest': [
    ...grant(['sqs:SendMessage'], [q.queueArn]),
    // The asynchronous-invocation failure destination (Lambda sends with the function's role).
    ...grant(
      ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      [stack.eventFailureQueue.queueArn],
    ),
  ],
  'graph-subscription': [
    ...grant(READ_SECRET, [s.graph.secretArn, s.webhook.secretArn]),
    ...grant(TABLE_RW, [idempotency.tableArn]),
  ],
};

describe('DeprovisionerStack functions', () => {
  it.each(FUNCTION_IDS)('%s is bundled as an ES module with the require banner', (id) => {
    // The code asset is staged in the cloud assembly as asset.<hash>, uploaded as <hash>.zip.
    const key = (functionResource(id).Properties.Code as { S3Key: string }).S3Key;
    const assetDir = path.join(app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
    const files = readdirSync(assetDir).sort();
    expect(files).toEqual(['index.mjs', 'index.mjs.map']);
    const code = readFileSync(path.join(assetDir, 'index.mjs'), 'utf8');
    expect(code.startsWith("import { createRequire as __createRequire } from 'node:module';")).toBe(
      true,
    );
    // ESM exports the handler with an export clause; a CommonJS bundle would assign module.exports.
    expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}/);
    expect(code).not.toMatch(/module\.exports\s*=/);
  });

  it.each(FUNCTION_IDS)('%s runs Node 24 on arm64 with tracing and source maps', (id) => {
    const props = functionResource(id).Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
    expect(environmentOf(id)).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    });
  });

  it.each(FUNCTION_IDS)('%s logs to its own log group with the stage retention', (id) => {
    const props = functionResource(id).Properties;
    const logGroup = stack.functions[id].logGroup;
    expect(props.LoggingConfig).toEqual({ LogGroup: stack.resolve(logGroup.logGroupName) });
    const resource = template.findResources('AWS::Logs::LogGroup')[logicalId(logGroup)];
    expect(resource?.Properties.RetentionInDays).toBe(90);
    expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it.each(FUNCTION_IDS)(
    '%s has every required environment variable FUNCTION_ENV says it reads',
    (id) => {
      const env = environmentOf(id);
      for (const name of requiredEnv(id)) expect(env, `${id} ${name}`).toHaveProperty(name);
    },
  );

  it('maps every variable of the env-names module to at least one function', () => {
    const mapped = new Set<string>(Object.values(FUNCTION_ENV).flat());
    // Read with defaults only (set by hand when needed), never by the stack.
    const defaultsOnly = new Set<string>([ENV.LOG_FORMAT]);
    const unmapped = Object.values(ENV).filter((n) => !mapped.has(n) && !defaultsOnly.has(n));
    expect(unmapped).toEqual([]);
  });

  it('treats only the Help Center ids, base URL, Okta app instance ids and the Graph secret as optional', () => {
    expect([...OPTIONAL_ENV].sort()).toEqual(
      [
        ENV.GRAPH_SECRET_ARN,
        ENV.HELPCENTER_BASE_URL,
        ENV.HELPCENTER_IDS,
        ENV.OKTA_ZOHO_APP_INSTANCE_IDS,
      ].sort(),
    );
    // No app instance configured: the variable is absent, so no app unassignment deprovisions.
    expect(environmentOf('ingest')).not.toHaveProperty(ENV.OKTA_ZOHO_APP_INSTANCE_IDS);
    expect(requiredEnv('worker')).not.toContain(ENV.HELPCENTER_IDS);
    expect(environmentOf('worker')).toMatchObject({
      [ENV.HELPCENTER_IDS]: 'hc-1,hc-2',
      [ENV.HELPCENTER_BASE_URL]: 'https://desk.example.com',
    });
  });

  it('uses the Powertools service name and namespace the functions use', () => {
    for (const id of FUNCTION_IDS) {
      expect(environmentOf(id), id).toMatchObject({
        [ENV.SERVICE_NAME]: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      });
    }
  });

  it('graphs and alarms on the metric names the functions emit', () => {
    expect([...OUTCOME_METRICS, 'Held'].sort()).toEqual(Object.values(METRIC_BY_OUTCOME).sort());
    expect([...ATTENTION_METRICS].sort()).toEqual(
      [
        'Held',
        EVENT_DROPPED_METRIC,
        GRAPH_MISSED_METRIC,
        GRAPH_LIFECYCLE_FAILED_METRIC,
        GRAPH_FORGED_METRIC,
        QUOTA_METRIC,
      ].sort(),
    );
  });

  it('points the worker at the real resources', () => {
    expect(environmentOf('worker')).toMatchObject({
      // Only a Graph delta resync sends to the work queue (one request per changed account).
      [ENV.WORK_QUEUE_URL]: stack.resolve(q.queueUrl),
      [ENV.GRAPH_SECRET_ARN]: stack.resolve(s.graph.secretArn),
      [ENV.DEAD_LETTER_QUEUE_URL]: stack.resolve(dlq.queueUrl),
      [ENV.ZOHO_OAUTH_SECRET_ARN]: stack.resolve(s.zohoOAuth.secretArn),
      [ENV.ZOHO_TOKEN_SECRET_ARN]: stack.resolve(s.zohoToken.secretArn),
      [ENV.TOKEN_REFRESHER_FUNCTION_NAME]: stack.resolve(
        stack.functions['token-refresher'].fn.functionName,
      ),
      [ENV.IDENTITY_TABLE_NAME]: stack.resolve(identity.tableName),
      [ENV.IDEMPOTENCY_TABLE_NAME]: stack.resolve(idempotency.tableName),
    });
  });

  it('gives the Graph subscription the public notification URL', () => {
    const url = JSON.stringify(environmentOf('graph-subscription')[ENV.GRAPH_NOTIFICATION_URL]);
    expect(url).toContain(logicalId(stack.webhookApi.api));
    expect(url).toContain('/webhooks/graph');
  });

  // The ingest function now references the API; Template.fromStack above already refuses a
  // template with a dependency cycle, so this file would not load if that introduced one.
  it('gives the graph-subscription the GraphNotificationUrl output; ingest has no Graph settings', () => {
    const output = template.findOutputs('GraphNotificationUrl');
    const outputUrl = Object.values(output)[0]?.Value;
    expect(outputUrl).toBeDefined();
    expect(environmentOf('graph-subscription')[ENV.GRAPH_NOTIFICATION_URL]).toEqual(outputUrl);
    // Ingest calls nothing but the queue: no Graph secret, URL or endpoint.
    for (const name of [
      ENV.GRAPH_SECRET_ARN,
      ENV.GRAPH_BASE_URL,
      ENV.GRAPH_LOGIN_URL,
      ENV.GRAPH_NOTIFICATION_URL,
    ]) {
      expect(environmentOf('ingest')).not.toHaveProperty(name);
    }
  });

  it('queues a Graph users delta resync hourly when Entra ID is a source, as the worker parses it', () => {
    const rules = template.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'rate(1 hour)', State: 'ENABLED' },
    });
    const targets = Object.values(rules).flatMap(
      (r) =>
        r.Properties.Targets as Array<{
          Arn: unknown;
          InputTransformer?: { InputTemplate: string; InputPathsMap: Record<string, string> };
        }>,
    );
    const target = targets.find(
      (t) => JSON.stringify(t.Arn) === JSON.stringify(stack.resolve(q.queueArn)),
    );
    expect(target?.InputTransformer).toBeDefined();
    // EventBridge fills each <name> from the event ($.id inside a string, $.time as a JSON value);
    // with a scheduled event's values the message is a graph-delta request the worker parses.
    const event: Record<string, string> = {
      '$.id': 'd3b07384-d9a0-4c9b-8a3f-1c2e3d4f5a6b',
      '$.time': JSON.stringify('2026-12-04T19:00:00Z'),
    };
    let message = target?.InputTransformer?.InputTemplate ?? '';
    for (const [name, path] of Object.entries(target?.InputTransformer?.InputPathsMap ?? {})) {
      message = message.replaceAll(`<${name}>`, event[path] ?? '');
    }
    const request = DeprovisionRequestSchema.parse(JSON.parse(message));
    expect(request).toMatchObject({
      requestId: 'graph-delta:schedule:d3b07384-d9a0-4c9b-8a3f-1c2e3d4f5a6b',
      source: 'graph',
      check: { kind: 'graph-delta', trigger: 'schedule' },
    });
  });

  it('sets MAX_RECEIVE_COUNT to the redrive policy maxReceiveCount', () => {
    expect(environmentOf('worker')[ENV.MAX_RECEIVE_COUNT]).toBe('7');
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 7 },
    });
  });

  it('runs the token refresher alone, every 45 minutes', () => {
    expect(functionResource('token-refresher').Properties.ReservedConcurrentExecutions).toBe(1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(45 minutes)',
      State: 'ENABLED',
      Targets: Match.arrayWith([
        Match.objectLike({ Arn: stack.resolve(stack.functions['token-refresher'].fn.functionArn) }),
      ]),
    });
  });

  it('renews the Graph subscription every 12 hours when enabled', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(12 hours)',
      State: 'ENABLED',
      Targets: Match.arrayWith([
        Match.objectLike({
          Arn: stack.resolve(stack.functions['graph-subscription'].fn.functionArn),
        }),
      ]),
    });
  });

  it('routes custom and Okta partner-bus events to eventbridge-ingest', () => {
    const target = Match.arrayWith([
      Match.objectLike({
        Arn: stack.resolve(stack.functions['eventbridge-ingest'].fn.functionArn),
      }),
    ]);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: [DEFAULT_CUSTOM_EVENT_SOURCE],
        'detail-type': [CUSTOM_EVENT_DETAIL_TYPE, GROUP_EVENT_DETAIL_TYPE],
      },
      Targets: target,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'aws.partner/okta.com/example/deprovisioning',
      EventPattern: {
        source: [{ prefix: 'aws.partner/okta.com' }],
        detail: { eventType: Match.arrayWith(['user.lifecycle.deactivate']) },
      },
      Targets: target,
    });
  });

  it('keeps EventBridge events that cannot be enqueued in the event failure queue', () => {
    const failures = stack.resolve(stack.eventFailureQueue.queueArn);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: stack.resolve(stack.functions['eventbridge-ingest'].fn.functionName),
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: failures } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        'detail-type': ['User Deprovisioned', 'Group Membership Removed'],
      }),
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: failures } })],
    });
  });
});

describe('DeprovisionerStack IAM', () => {
  it.each(FUNCTION_IDS)('%s is granted exactly what it needs', (id) => {
    expect(grantsOf(id)).toEqual([...new Set([...baseGrants(id), ...EXPECTED_GRANTS[id]])].sort());
  });

  it('attaches no managed policies to function roles', () => {
    for (const id of FUNCTION_IDS) {
      const role = template.findResources('AWS::IAM::Role')[logicalId(stack.functions[id].role)];
      expect(role?.Properties.ManagedPolicyArns, id).toBeUndefined();
    }
  });
});

describe('WorkQueue wiring', () => {
  it('redrives to the DLQ, encrypts and sizes the visibility timeout for the worker', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 90 + 2,
      RedrivePolicy: { deadLetterTargetArn: stack.resolve(dlq.queueArn), maxReceiveCount: 7 },
    });
  });

  it('keeps dead letters 14 days, encrypted', () => {
    const dlqProps = template.findResources('AWS::SQS::Queue')[logicalId(dlq)]?.Properties;
    expect(dlqProps).toMatchObject({
      MessageRetentionPeriod: 14 * 24 * 3600,
      SqsManagedSseEnabled: true,
    });
  });

  it('denies non-TLS access to both queues', () => {
    for (const queue of [q, dlq]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [stack.resolve(queue.queueUrl)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('feeds the worker with partial batch failures, batching and bounded concurrency', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: stack.resolve(q.queueArn),
      FunctionName: stack.resolve(stack.functions.worker.fn.functionName),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: 2,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
  });
});

describe('Tables', () => {
  it('stores identities on demand, encrypted, with PITR and the four lookup indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      GlobalSecondaryIndexes: Object.values(IDENTITY_TABLE.indexes).map((index) =>
        Match.objectLike({
          IndexName: index.indexName,
          KeySchema: [{ AttributeName: index.attribute, KeyType: 'HASH' }],
        }),
      ),
    });
  });

  it('gives the idempotency table the Powertools layout and TTL on expiration', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
  });

  it('retains data by default', () => {
    for (const table of [identity, idempotency]) {
      const resource = template.findResources('AWS::DynamoDB::Table')[logicalId(table)];
      expect(resource).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(resource?.Properties.DeletionProtectionEnabled).toBe(true);
    }
  });
});

describe('Secrets', () => {
  it('creates the four JSON secrets without real values', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 4);
    for (const secret of [s.zohoOAuth, s.zohoToken, s.graph]) {
      const resource = template.findResources('AWS::SecretsManager::Secret')[logicalId(secret)];
      expect(resource?.Properties.SecretString).toBe('{}');
    }
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'oktaAuthorization' },
    });
  });
});

describe('WebhookApi', () => {
  it('has explicit routes only, all integrated with the ingest function', () => {
    const routeKeys = Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
      .map((r) => r.Properties.RouteKey as string)
      .sort();
    expect(routeKeys).toEqual(
      [
        'GET /webhooks/okta',
        'POST /webhooks/okta',
        'POST /webhooks/graph',
        'POST /webhooks/events',
        'GET /scim/{proxy+}',
        'POST /scim/{proxy+}',
        'PUT /scim/{proxy+}',
        'PATCH /scim/{proxy+}',
        'DELETE /scim/{proxy+}',
      ].sort(),
    );
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
      IntegrationUri: stack.resolve(stack.functions.ingest.fn.functionArn),
    });
  });

  it('throttles the stage and writes JSON access logs without headers or bodies', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: {
        DestinationArn: stack.resolve(stack.webhookApi.accessLogs.logGroupArn),
        Format: Match.stringLikeRegexp('requestId'),
      },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0];
    const format = stage?.Properties.AccessLogSettings.Format as string;
    expect(format).not.toMatch(/header|body|querystring|authorizer/i);
  });
});

describe('Alarms', () => {
  const topicRef = stack.resolve(stack.alarmTopic.topic.topicArn);

  it.each([
    ['DLQ has messages', 'ApproximateNumberOfMessagesVisible', 'AWS/SQS', dlq.queueName],
    ['oldest work message age', 'ApproximateAgeOfOldestMessage', 'AWS/SQS', q.queueName],
    ['worker errors', 'Errors', 'AWS/Lambda', stack.functions.worker.fn.functionName],
    ['worker throttles', 'Throttles', 'AWS/Lambda', stack.functions.worker.fn.functionName],
    ['ingest throttles', 'Throttles', 'AWS/Lambda', stack.functions.ingest.fn.functionName],
    [
      'token refresher errors',
      'Errors',
      'AWS/Lambda',
      stack.functions['token-refresher'].fn.functionName,
    ],
    ['API 5xx', '5xx', 'AWS/ApiGateway', stack.webhookApi.api.apiId],
    [
      'undeliverable EventBridge events',
      'ApproximateNumberOfMessagesVisible',
      'AWS/SQS',
      stack.eventFailureQueue.queueName,
    ],
  ])('alarms on %s and notifies the topic', (_name, metricName, namespace, dimension) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metricName,
      Namespace: namespace,
      Dimensions: Match.arrayWith([Match.objectLike({ Value: stack.resolve(dimension) })]),
      AlarmActions: [topicRef],
      OKActions: [topicRef],
    });
  });

  it('alarms when a request is held or an event is dropped or missed', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      AlarmActions: [topicRef],
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: Match.stringLikeRegexp('FILL\\(m0, 0\\)') }),
        ...ATTENTION_METRICS.map((name) =>
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: name, Namespace: METRICS_NAMESPACE }),
            }),
          }),
        ),
      ]),
    });
  });

  it('publishes alarms to a KMS-encrypted, TLS-only topic with the configured email', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topicRef,
    });
  });

  it('shows the outcome metrics on the dashboard', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    const join = dashboards[0]?.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const body = join.map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    const metrics = JSON.parse(body).widgets.flatMap(
      (w: { properties: { metrics?: unknown[][] } }) => w.properties.metrics ?? [],
    ) as unknown[][];
    for (const metric of ['Removed', 'NoOp', 'DeadLettered']) {
      expect(metrics).toContainEqual([
        METRICS_NAMESPACE,
        metric,
        'service',
        SERVICE_NAME,
        { stat: 'Sum' },
      ]);
    }
  });
});

describe('Stack outputs', () => {
  it('exports the URLs, queues, function names and secret ARNs an operator needs', () => {
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'ApiUrl',
        'OktaEventHookUrl',
        'WorkQueueUrl',
        'DeadLetterQueueUrl',
        'WorkerFunctionName',
        'RedriveFunctionName',
        'TokenRefresherFunctionName',
        'ZohoOAuthSecretArn',
        'ZohoTokenSecretArn',
        'WebhookSecretArn',
        'GraphSecretArn',
      ]),
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged errors or warnings', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath)}`,
    );
    expect(findings).toEqual([]);
  });

  it('has no error annotations', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('gives every acknowledgement a specific reason', () => {
    const acknowledgements: Array<[string, string]> = [];
    for (const node of app.node.findAll()) {
      for (const entry of node.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledgements.push([id, reason]);
        }
      }
    }
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect(reason.length, id).toBeGreaterThan(60);
    }
  });
});

describe('the scheduled Graph users delta resync follows the stage config', () => {
  /** The EventBridge rules that put a graph-delta request on a queue, with their schedule. */
  function deltaResyncRules(graph: Record<string, unknown>) {
    const { stack: built } = buildApp({
      outdir: mkdtempSync(path.join(tmpdir(), 'cdk-test-')),
      context: {
        stage: 'test',
        stages: { test: { ...stageConfig, graph } },
        'aws:cdk:bundling-stacks': [],
      },
    });
    const rules = Template.fromStack(built).findResources('AWS::Events::Rule');
    return Object.values(rules)
      .filter((r) =>
        (r.Properties.Targets as Array<{ InputTransformer?: { InputTemplate: string } }>).some(
          (t) => t.InputTransformer?.InputTemplate.includes('"check":{"kind":"graph-delta"'),
        ),
      )
      .map((r) => ({
        schedule: r.Properties.ScheduleExpression as string,
        state: r.Properties.State as string,
      }));
  }

  it('queues no resync when Entra ID is not a source (the rule stays disabled)', () => {
    const rules = deltaResyncRules({ subscriptionEnabled: false });
    expect(rules.filter((r) => r.state === 'ENABLED')).toEqual([]);
    expect(rules).toEqual([{ schedule: 'rate(1 hour)', state: 'DISABLED' }]);
    // The default (graph not configured) is the same.
    expect(deltaResyncRules({}).filter((r) => r.state === 'ENABLED')).toEqual([]);
  });

  it('runs at the rate deltaResyncEveryMinutes sets', () => {
    expect(deltaResyncRules({ subscriptionEnabled: true, deltaResyncEveryMinutes: 15 })).toEqual([
      { schedule: 'rate(15 minutes)', state: 'ENABLED' },
    ]);
  });
});
