import * as z from '#core/contract/zod.ts';
import {
  ZOHO_DATA_CENTRE_NAMES,
  type ZohoDataCentre,
  zohoAccountsUrl,
} from '#core/contract/zoho-data-centres.ts';
import { SecretError } from '#core/domain/errors.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';

const Id = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/));

/** The Zoho OAuth secret (JSON) in Secrets Manager: client, refresh token, org and data centre. */
export const ZohoOAuthSecretSchema = z.object({
  clientId: z.string().check(z.trim(), z.minLength(1)),
  clientSecret: z.string().check(z.trim(), z.minLength(1)),
  refreshToken: z.string().check(z.trim(), z.minLength(1)),
  orgId: Id,
  /** Explicit accounts server (wins over `dataCentre`), e.g. the sandbox URL. */
  accountsUrl: z.optional(z.url({ protocol: /^https?$/ })),
  /** Zoho data centre; `us` when neither this nor `accountsUrl` is set. */
  dataCentre: z.optional(z.enum(ZOHO_DATA_CENTRE_NAMES)),
  helpCenterIds: z.optional(z.array(Id)),
});

export interface ZohoOAuthSecret {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  orgId: string;
  /** Resolved accounts server origin, without a trailing slash. */
  accountsUrl: string;
  dataCentre?: ZohoDataCentre;
  helpCenterIds?: string[];
}

/**
 * Parses the OAuth secret's JSON. @throws SecretError naming every missing or invalid key (never a
 * value).
 */
export function parseOAuthSecret(raw: string, secretId: string): ZohoOAuthSecret {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SecretError(`Secret ${secretId} is not valid JSON`, false);
  }
  const parsed = ZohoOAuthSecretSchema.safeParse(json);
  if (!parsed.success) {
    const present = typeof json === 'object' && json !== null ? json : {};
    const problems = [
      ...new Set(
        parsed.error.issues.map((issue) => {
          const key = issue.path.map(String).join('.') || '(root)';
          const top = String(issue.path[0] ?? '');
          return top !== '' && !(top in present) ? `${key} (missing)` : `${key} (invalid)`;
        }),
      ),
    ];
    throw new SecretError(
      `Secret ${secretId} is missing or has invalid keys: ${problems.join(', ')}`,
      false,
    );
  }
  const { accountsUrl, dataCentre, ...rest } = parsed.data;
  return {
    ...rest,
    ...(dataCentre ? { dataCentre } : {}),
    accountsUrl: (accountsUrl ?? zohoAccountsUrl(dataCentre ?? 'us')).replace(/\/+$/, ''),
  };
}

/** Reads and parses the OAuth secret. @throws SecretError */
export async function readOAuthSecret(
  secrets: SecretSource,
  secretId: string,
): Promise<ZohoOAuthSecret> {
  return parseOAuthSecret(await secrets.getSecretString(secretId), secretId);
}
