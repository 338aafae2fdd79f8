import { SecretsManagerClient } from '#core/adapters/aws/sdk/client-secrets-manager.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { createLogger } from '#core/observability.ts';
import { readOAuthSecret } from '#core/tokens/oauth-secret.ts';
import {
  createTokenRefresherHandler,
  loadTokenRefresherConfig,
} from '#core/tokens/refresher-handler.ts';

/**
 * Composition root for the token-refresher Lambda, once per cold start. Fails fast when an env
 * key is missing or the OAuth secret lacks a key. @throws ConfigError, SecretError
 */
export async function buildTokenRefresherFromEnv(env: Record<string, string | undefined>) {
  const config = loadTokenRefresherConfig(env);
  const logger = createLogger(config.logLevel ? { level: config.logLevel } : {});
  const secrets = new SecretsManagerSecretSource(new SecretsManagerClient({}), {
    ttlMs: 5 * 60_000,
  });
  await readOAuthSecret(secrets, config.oauthSecretId);
  return createTokenRefresherHandler({
    secrets,
    writer: secrets,
    minter: new ZohoAccountsClient(
      createZohoAgent({ timeoutMs: config.timeoutMs, connections: 1 }),
      { timeoutMs: config.timeoutMs },
    ),
    oauthSecretId: config.oauthSecretId,
    tokenSecretId: config.tokenSecretId,
    logger,
  });
}
