import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbIdentityLinks } from '#core/adapters/aws/dynamodb-identity-links.ts';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { DynamoDbRateGuard } from '#core/adapters/aws/dynamodb-rate-guard.ts';
import { DynamoDBClient } from '#core/adapters/aws/sdk/client-dynamodb.ts';
import { SecretsManagerClient } from '#core/adapters/aws/sdk/client-secrets-manager.ts';
import type { SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';
import { DynamoDBDocumentClient } from '#core/adapters/aws/sdk/lib-dynamodb.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import type { SqsMessageDeferrer } from '#core/adapters/aws/sqs-message-deferrer.ts';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import type { buildGraphWorkerDeps } from '#core/compose/graph-worker-wiring.ts';
import { loadWorkerConfig } from '#core/config/worker-config.ts';
import { IDEMPOTENCY_TABLE } from '#core/contract/tables.ts';
import { createWorkerHandler, type WorkerDeps } from '#core/deprovision/batch.ts';
import { createLogger, createMetrics } from '#core/observability.ts';
import { systemClock } from '#core/ports/clock.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';
import type { MetricsSink } from '#core/ports/metrics.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

/**
 * The Lambda client and its adapter load on the first refresh request (a rejected or missing
 * token), not at every cold start: `npm run bench` shows the cold-import cost.
 */
function lazyTokenRefresher(functionName: string): TokenRefresher {
  let refresher: Promise<TokenRefresher> | undefined;
  return {
    requestRefresh: async (input) => {
      refresher ??= Promise.all([
        import('#core/adapters/aws/sdk/client-lambda.ts'),
        import('#core/adapters/aws/lambda-token-refresher.ts'),
      ]).then(
        ([{ LambdaClient }, { LambdaTokenRefresher }]) =>
          new LambdaTokenRefresher(new LambdaClient({}), functionName),
      );
      refresher.catch(() => {
        refresher = undefined;
      });
      return (await refresher).requestRefresh(input);
    },
  };
}

/**
 * SQS is only written to when a record fails for good (dead-letter queue) or must wait for the
 * Help Center's daily credits (deferral); the worker receives its records from the event source
 * mapping. So the SQS client and its adapters load on first use, not at every cold start.
 */
function lazySqsAdapters(deadLetterQueueUrl: string) {
  let loaded:
    | Promise<{
        sqs: SQSClient;
        deadLetters: DeadLetterQueue;
        deferrer: SqsMessageDeferrer;
        workQueue: (url: string) => WorkQueue;
      }>
    | undefined;
  const load = () => {
    loaded ??= Promise.all([
      import('#core/adapters/aws/sdk/client-sqs.ts'),
      import('#core/adapters/aws/sqs-dead-letter-queue.ts'),
      import('#core/adapters/aws/sqs-message-deferrer.ts'),
      import('#core/adapters/aws/sqs-work-queue.ts'),
    ]).then(([{ SQSClient }, { SqsDeadLetterQueue }, { SqsMessageDeferrer }, { SqsWorkQueue }]) => {
      const sqs: SQSClient = new SQSClient({});
      return {
        sqs,
        deadLetters: new SqsDeadLetterQueue(sqs, deadLetterQueueUrl),
        deferrer: new SqsMessageDeferrer(sqs),
        workQueue: (url: string) => new SqsWorkQueue(sqs, url),
      };
    });
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };
  return {
    deadLetters: { send: async (record) => (await load()).deadLetters.send(record) },
    deferMessage: async (record, seconds) => (await load()).deferrer.defer(record, seconds),
    /** The work queue a Graph delta resync sends its requests to (Entra ID enabled only). */
    workQueue: (url: string): WorkQueue => ({
      send: async (requests, options) => (await load()).workQueue(url).send(requests, options),
    }),
  } satisfies {
    deadLetters: DeadLetterQueue;
    deferMessage: NonNullable<WorkerDeps['deferMessage']>;
    workQueue: (url: string) => WorkQueue;
  };
}

/** Composition root of the worker Lambda: config, clients, adapters, once per cold start. */
export async function buildWorkerFromEnv(env: Record<string, string | undefined>) {
  const config = loadWorkerConfig(env);
  const logger = createLogger();
  // One DynamoDB client for the identity store, the rate guard and Powertools idempotency.
  const dynamoClient = new DynamoDBClient({});
  const dynamo = DynamoDBDocumentClient.from(dynamoClient, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const powertoolsMetrics = createMetrics();
  const metrics: MetricsSink = {
    count: (name, value = 1) => powertoolsMetrics.addMetric(name, MetricUnit.Count, value),
    flush: () => powertoolsMetrics.publishStoredMetrics(),
  };
  const sqs = lazySqsAdapters(config.deadLetterQueueUrl);
  const secrets = new SecretsManagerSecretSource(new SecretsManagerClient({}), { ttlMs: 60_000 });
  // Graph configured: its secret is checked now (a missing key stops the start, like Zoho's).
  // Its client, schemas and state store load only then: most stages have no Entra ID source, and
  // `npm run bench` measured the worker's cold import ~4 % lower without them.
  let graph: Awaited<ReturnType<typeof buildGraphWorkerDeps>> | undefined;
  if (config.graph && config.workQueueUrl) {
    const [{ buildGraphWorkerDeps }, { DynamoDbGraphStateStore }] = await Promise.all([
      import('#core/compose/graph-worker-wiring.ts'),
      import('#core/adapters/aws/dynamodb-graph-state-store.ts'),
    ]);
    graph = await buildGraphWorkerDeps({
      config: config.graph,
      secretSource: secrets,
      logger,
      state: new DynamoDbGraphStateStore(dynamo, config.idempotencyTableName),
      queue: sqs.workQueue(config.workQueueUrl),
    });
  }
  const deps = await assembleWorker(config, {
    secrets,
    oauthSecretId: config.oauthSecretId,
    tokenSecretId: config.tokenSecretId,
    refresher: lazyTokenRefresher(config.tokenRefresherFunctionName),
    identityStore: new DynamoDbIdentityStore(dynamo, config.identityTableName),
    identityLinks: new DynamoDbIdentityLinks(dynamo, config.identityTableName),
    deadLetters: sqs.deadLetters,
    deferMessage: sqs.deferMessage,
    guard: new DynamoDbRateGuard(
      dynamo,
      config.idempotencyTableName,
      config.guardMaxRequests,
      config.guardWindowSeconds,
      systemClock,
    ),
    persistence: new DynamoDBPersistenceLayer({
      tableName: config.idempotencyTableName,
      keyAttr: IDEMPOTENCY_TABLE.partitionKey,
      expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
      awsSdkV3Client: dynamoClient,
    }),
    dispatcher: createZohoAgent({ timeoutMs: config.timeoutMs, connections: config.concurrency }),
    logger,
    metrics,
    ...(graph ? { graph } : {}),
  });
  logger.info('worker ready', {
    dialect: config.dialect,
    helpCenters: deps.helpCenterIds.length,
    dryRun: config.dryRun,
    verifyAfterRemove: config.verifyAfterRemove,
    removePortalAccess: config.removePortalAccess,
    graph: config.graph !== undefined,
  });
  return createWorkerHandler(deps);
}
