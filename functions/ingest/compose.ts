import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { buildGraphIngestDeps } from '#core/compose/graph-wiring.ts';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import {
  checkWebhookSecrets,
  createIngestHandler,
  type IngestDeps,
} from '#core/intake/ingest-handler.ts';
import { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import { createLogger, powertoolsCountMetric } from '#core/observability.ts';

/** Composition root for the ingest Lambda: config, clients, adapters, once per cold start. */
export async function buildIngestFromEnv(env: Record<string, string | undefined>) {
  const config = loadIngestConfig(env);
  const logger = createLogger();
  const deps: IngestDeps = {
    config,
    logger,
    queue: new SqsWorkQueue(new SQSClient({}), config.workQueueUrl),
    secretSource: new SecretsManagerSecretSource(new SecretsManagerClient({}), {
      ttlMs: 5 * 60_000,
    }),
    identityStore: new DynamoDbIdentityStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true },
      }),
      config.identityTableName!,
    ),
  };
  if (config.graph) {
    deps.graph = buildGraphIngestDeps({
      config: config.graph,
      secretSource: deps.secretSource,
      webhookSecrets: new WebhookSecretsReader(deps.secretSource, config.webhookSecretId),
      logger,
      metric: powertoolsCountMetric(),
    });
  }
  await checkWebhookSecrets(deps);
  return createIngestHandler(deps);
}
