import * as z from 'zod';
import { DEFAULT_TIMEOUT_MS } from '#core/adapters/http/transport.ts';
import { parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { ENV } from '#core/contract/env-names.ts';
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
