import { parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';
import { ValidationError } from '#core/domain/errors.ts';
import {
  type RefreshResult,
  type RefreshTokenDeps,
  refreshAccessToken,
} from '#core/tokens/refresh-token.ts';
import { toRefresherFailure } from '#core/tokens/refresher-failure.ts';

export const TokenRefresherConfigSchema = z.object({
  [ENV.ZOHO_OAUTH_SECRET_ARN]: z.string().check(z.minLength(1)),
  [ENV.ZOHO_TOKEN_SECRET_ARN]: z.string().check(z.minLength(1)),
  [ENV.HELPCENTER_TIMEOUT_MS]: z._default(positiveInt, DEFAULTS.helpCenterTimeoutMs),
  [ENV.LOG_LEVEL]: z.optional(z.string()),
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
export const RefresherEventSchema = z.pipe(
  z.nullish(
    z.object({
      rejectedTokenSha256: z.optional(z.string().check(z.regex(/^[0-9a-f]{64}$/))),
      force: z.optional(z.boolean()),
    }),
  ),
  z.transform((event) => event ?? {}),
);

/** The event a worker sends the refresher (typed so the sender and this schema cannot drift). */
export type RefresherEvent = NonNullable<z.input<typeof RefresherEventSchema>>;

/**
 * Builds the refresher handler from its ports (Lambda, local runner and tests).
 * @throws RefresherFailedError carrying the failure's kind and retryable flag (see refresher-failure)
 */
export function createTokenRefresherHandler(deps: RefreshTokenDeps) {
  return async (event: unknown): Promise<RefreshResult> => {
    try {
      const input = RefresherEventSchema.safeParse(event);
      if (!input.success) {
        throw new ValidationError(
          'Invalid refresher event: expected {rejectedTokenSha256?, force?}',
        );
      }
      return await refreshAccessToken(deps, input.data);
    } catch (error) {
      deps.logger.error('Token refresh failed', {
        error: error instanceof Error ? error.name : 'unknown',
        errorMessage: error instanceof Error ? error.message : String(error),
      });
      throw toRefresherFailure(error);
    }
  };
}
