import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { createZohoAgent, DEFAULT_TIMEOUT_MS } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { ENV } from '#core/contract/env-names.ts';
import { createLogger } from '#core/observability.ts';
import { readOAuthSecret } from '#core/tokens/oauth-secret.ts';
import {
  type RefreshResult,
  type RefreshTokenDeps,
  refreshAccessToken,
} from '#core/tokens/refresh-token.ts';

export const TokenRefresherConfigSchema = z.object({
  [ENV.ZOHO_OAUTH_SECRET_ARN]: z.string().min(1),
  [ENV.ZOHO_TOKEN_SECRET_ARN]: z.string().min(1),
  [ENV.HELPCENTER_TIMEOUT_MS]: positiveInt.default(DEFAULT_TIMEOUT_MS),
  [ENV.LOG_LEVEL]: z.string().optional(),
});

export interface TokenRefresherConfig {
  oauthSecretId: string;
  tokenSecretId: string;
  timeoutMs: number;
  logLevel?: string;
}

/** Reads the refresher's configuration. @throws ConfigError naming every missing or invalid key. */
export function loadTokenRefresherConfig(
  env: Record<string, string | undefined>,
): TokenRefresherConfig {
  const parsed = parseEnv(TokenRefresherConfigSchema, env, 'token refresher configuration');
  return {
    oauthSecretId: parsed[ENV.ZOHO_OAUTH_SECRET_ARN],
    tokenSecretId: parsed[ENV.ZOHO_TOKEN_SECRET_ARN],
    timeoutMs: parsed[ENV.HELPCENTER_TIMEOUT_MS],
    ...(parsed[ENV.LOG_LEVEL] ? { logLevel: parsed[ENV.LOG_LEVEL] } : {}),
  };
}

/**
 * The refresher's event: the EventBridge schedule (nothing rejected: refresh if expiring), a worker
 * (`{rejectedTokenSha256}`, the fingerprint of the token it saw refused), or an operator
 * (`{force: true}`). Other fields are ignored.
 */
export const RefresherEventSchema = z
  .object({
    rejectedTokenSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    force: z.boolean().optional(),
  })
  .nullish()
  .transform((event) => event ?? {});

/** Builds the refresher handler from its ports (Lambda, local runner and tests). */
export function createTokenRefresherHandler(deps: RefreshTokenDeps) {
  return async (event: unknown): Promise<RefreshResult> =>
    refreshAccessToken(deps, RefresherEventSchema.parse(event));
}

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
