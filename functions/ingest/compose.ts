import { SecretsManagerClient } from '#core/adapters/aws/sdk/client-secrets-manager.ts';
import { SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import {
  checkWebhookSecrets,
  createIngestHandler,
  type IngestDeps,
} from '#core/intake/ingest-handler.ts';
import { createLogger, powertoolsCountMetric } from '#core/observability.ts';
import type { IdentityStore } from '#core/ports/identity-store.ts';

/**
 * DynamoDB (client, document client, adapter) loads on the first identity-store call: only the SCIM
 * routes and identity lookups reach it, so Okta, EventBridge-style and Graph deliveries never pay
 * for it at cold start (`npm run bench` shows the cold-import cost).
 */
function lazyIdentityStore(tableName: string): IdentityStore {
  let store: Promise<IdentityStore> | undefined;
  const load = () => {
    store ??= Promise.all([
      import('#core/adapters/aws/sdk/client-dynamodb.ts'),
      import('#core/adapters/aws/sdk/lib-dynamodb.ts'),
      import('#core/adapters/aws/dynamodb-identity-store.ts'),
    ]).then(
      ([{ DynamoDBClient }, { DynamoDBDocumentClient }, { DynamoDbIdentityStore }]) =>
        new DynamoDbIdentityStore(
          DynamoDBDocumentClient.from(new DynamoDBClient({}), {
            marshallOptions: { removeUndefinedValues: true },
          }),
          tableName,
        ),
    );
    store.catch(() => {
      store = undefined;
    });
    return store;
  };
  return {
    get: async (id) => (await load()).get(id),
    findBy: async (key, value) => (await load()).findBy(key, value),
    put: async (record) => (await load()).put(record),
    delete: async (id) => (await load()).delete(id),
    list: async (options) => (await load()).list(options),
  };
}

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
    identityStore: lazyIdentityStore(config.identityTableName!),
  };
  // Graph needs no client here: ingest only enqueues (the worker calls Graph).
  deps.graph = { metric: powertoolsCountMetric() };
  await checkWebhookSecrets(deps);
  return createIngestHandler(deps);
}
