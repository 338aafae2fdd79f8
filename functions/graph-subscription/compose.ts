import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { buildGraphSubscription } from '#core/compose/graph-wiring.ts';

/**
 * Composition root of the graph-subscription Lambda (Secrets Manager), once per cold start.
 * @throws ConfigError naming every missing env or secret key; SecretError
 */
export async function buildGraphSubscriptionFromEnv(env: Record<string, string | undefined>) {
  return buildGraphSubscription(env, {
    secretSource: new SecretsManagerSecretSource(new SecretsManagerClient({}), {
      ttlMs: 5 * 60_000,
    }),
  });
}
