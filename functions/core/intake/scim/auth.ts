import { UnauthorizedError } from '#core/domain/errors.ts';
import { secretsEqual } from '#core/http/http.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';

/**
 * Checks `Authorization: Bearer <token>` (scheme case-insensitive) against the webhook secret's
 * `scimBearerToken`, in constant time.
 * @throws UnauthorizedError when the header is missing, uses another scheme or the token differs.
 */
export async function authenticateScim(
  secrets: WebhookSecretsReader,
  authorization: string | undefined,
): Promise<void> {
  const expected = await secrets.get('scimBearerToken');
  const token = /^bearer\s+(\S+)\s*$/i.exec(authorization?.trim() ?? '')?.[1];
  if (!secretsEqual(token, expected)) throw new UnauthorizedError();
}
