import { DynamoDbGraphStateStore } from '#core/adapters/aws/dynamodb-graph-state-store.ts';
import { DynamoDBClient } from '#core/adapters/aws/sdk/client-dynamodb.ts';
import { SecretsManagerClient } from '#core/adapters/aws/sdk/client-secrets-manager.ts';
import { DynamoDBDocumentClient } from '#core/adapters/aws/sdk/lib-dynamodb.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { buildGraphSubscription } from '#core/compose/graph-wiring.ts';
import { ENV } from '#core/contract/env-names.ts';

/**
 * Composition root of the graph-subscription Lambda (Secrets Manager; DynamoDB for the renewal
 * record `status` reads), once per cold start.
 * @throws ConfigError naming every missing env or secret key; SecretError
 */
export async function buildGraphSubscriptionFromEnv(env: Record<string, string | undefined>) {
  const table = env[ENV.IDEMPOTENCY_TABLE_NAME];
  return buildGraphSubscription(env, {
    secretSource: new SecretsManagerSecretSource(new SecretsManagerClient({}), {
      ttlMs: 5 * 60_000,
    }),
    ...(table
      ? {
          state: new DynamoDbGraphStateStore(
            DynamoDBDocumentClient.from(new DynamoDBClient({})),
            table,
          ),
        }
      : {}),
  });
}
