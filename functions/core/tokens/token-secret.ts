import { createHash } from 'node:crypto';
import * as z from '#core/contract/zod.ts';
import { SecretError } from '#core/domain/errors.ts';

/** The shared access token secret, written by the token refresher and read by every worker. */
export const TokenSecretSchema = z.object({
  accessToken: z.string().check(z.minLength(1)),
  expiresAt: z.iso.datetime({ offset: true }),
  apiDomain: z.optional(z.string().check(z.minLength(1))),
  /** When the refresher minted this token; used to avoid re-minting a token seconds old. */
  mintedAt: z.optional(z.iso.datetime({ offset: true })),
});

export type TokenSecret = z.infer<typeof TokenSecretSchema>;

/**
 * Parses the token secret; undefined when it holds no token yet (empty, a placeholder, or not our
 * JSON), so callers treat it as "mint one". Never echoes the value.
 */
export function parseTokenSecret(raw: string): TokenSecret | undefined {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = TokenSecretSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Serialises a token secret. @throws SecretError when the value would not parse back. */
export function serialiseTokenSecret(value: TokenSecret): string {
  const parsed = TokenSecretSchema.safeParse(value);
  if (!parsed.success) throw new SecretError('Refusing to write a malformed token secret', false);
  return JSON.stringify(parsed.data);
}

/** Milliseconds until the token expires (negative when it has). */
export function msUntilExpiry(token: TokenSecret, now: Date): number {
  return Date.parse(token.expiresAt) - now.getTime();
}

/** SHA-256 (hex) of an access token: how a rejected token is named to the refresher, never in clear. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
