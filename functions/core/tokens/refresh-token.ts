import type { AccessTokenMinter } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { SecretError } from '#core/domain/errors.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { SecretSource, SecretWriter } from '#core/ports/secret-source.ts';
import { readOAuthSecret } from '#core/tokens/oauth-secret.ts';
import {
  msUntilExpiry,
  parseTokenSecret,
  serialiseTokenSecret,
  type TokenSecret,
  tokenFingerprint,
} from '#core/tokens/token-secret.ts';

/** Mint when the stored token expires within this margin (the schedule should run at least twice as often). */
export const DEFAULT_REFRESH_MARGIN_MS = 10 * 60_000;
/** A token younger than this is not re-minted on rejection alone (protects Zoho's 10-per-10-minutes limit). */
export const DEFAULT_MIN_MINT_INTERVAL_MS = 60_000;

export interface RefreshTokenDeps {
  secrets: SecretSource;
  writer: SecretWriter;
  minter: AccessTokenMinter;
  oauthSecretId: string;
  tokenSecretId: string;
  clock?: Clock;
  logger: Logger;
  refreshMarginMs?: number;
  minMintIntervalMs?: number;
}

export interface RefreshInput {
  /** SHA-256 of the token a Help Center call refused: mint only if it is still the stored one. */
  rejectedTokenSha256?: string;
  /** Mint whatever is stored. */
  force?: boolean;
}

export interface RefreshResult {
  minted: boolean;
  /** Expiry (ISO) of the token now stored. */
  expiresAt: string;
}

type MintReason = 'missing' | 'expiring' | 'forced' | 'rejected';

/**
 * The token refresher's use case: mints a Zoho access token only when the shared one is missing,
 * expiring within the margin, forced, or the one a caller saw rejected, and stores it. Run with
 * concurrency 1 (a Lambda with reserved concurrency 1, or `InProcessTokenRefresher`).
 * @throws TransientError (token endpoint throttled/unreachable), PermanentError kind 'auth',
 * SecretError
 */
export async function refreshAccessToken(
  deps: RefreshTokenDeps,
  input: RefreshInput = {},
): Promise<RefreshResult> {
  const clock = deps.clock ?? systemClock;
  const now = clock.now();
  const current = await readStoredToken(deps);
  const reason = mintReason(current, input, now, deps);
  if (reason === undefined && current !== undefined) {
    deps.logger.debug('Shared token still good; not minting', { expiresAt: current.expiresAt });
    return { minted: false, expiresAt: current.expiresAt };
  }
  const oauth = await readOAuthSecret(deps.secrets, deps.oauthSecretId);
  const minted = await deps.minter.mint({
    accountsUrl: oauth.accountsUrl,
    clientId: oauth.clientId,
    clientSecret: oauth.clientSecret,
    refreshToken: oauth.refreshToken,
  });
  const stored: TokenSecret = {
    accessToken: minted.accessToken,
    expiresAt: minted.expiresAt.toISOString(),
    mintedAt: clock.now().toISOString(),
    ...(minted.apiDomain ? { apiDomain: minted.apiDomain } : {}),
  };
  await deps.writer.putSecretString(deps.tokenSecretId, serialiseTokenSecret(stored));
  deps.secrets.invalidate?.(deps.tokenSecretId);
  deps.logger.info('Minted a Zoho access token', { reason, expiresAt: stored.expiresAt });
  return { minted: true, expiresAt: stored.expiresAt };
}

function mintReason(
  current: TokenSecret | undefined,
  input: RefreshInput,
  now: Date,
  deps: RefreshTokenDeps,
): MintReason | undefined {
  if (current === undefined) return 'missing';
  if (input.force) return 'forced';
  if (msUntilExpiry(current, now) <= (deps.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS)) {
    return 'expiring';
  }
  if (
    input.rejectedTokenSha256 !== undefined &&
    input.rejectedTokenSha256 === tokenFingerprint(current.accessToken)
  ) {
    const age = current.mintedAt ? now.getTime() - Date.parse(current.mintedAt) : Infinity;
    if (age >= (deps.minMintIntervalMs ?? DEFAULT_MIN_MINT_INTERVAL_MS)) return 'rejected';
    deps.logger.warn('A token minted moments ago was rejected; not minting again yet', {
      ageMs: age,
    });
  }
  return undefined;
}

/** The stored token, read past any cache; undefined when there is none yet. */
async function readStoredToken(deps: RefreshTokenDeps): Promise<TokenSecret | undefined> {
  deps.secrets.invalidate?.(deps.tokenSecretId);
  try {
    return parseTokenSecret(await deps.secrets.getSecretString(deps.tokenSecretId));
  } catch (error) {
    // A token secret that does not exist (or has no value yet) just means "mint one".
    if (error instanceof SecretError && !error.retryable) return undefined;
    throw error;
  }
}
