import type {
  AccessTokenMinter,
  MintedToken,
  RefreshTokenGrant,
} from '#core/adapters/zoho/zoho-accounts-client.ts';
import { silentLogger } from '#core/ports/logger.ts';
import type { RefreshTokenDeps } from '#core/tokens/refresh-token.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';

export const OAUTH_SECRET_ID = 'zoho-oauth';
export const TOKEN_SECRET_ID = 'zoho-token';

export const OAUTH_SECRET = {
  clientId: '1000.CLIENT',
  clientSecret: 'client-secret-value',
  refreshToken: '1000.refresh-token-value',
  orgId: '60012345678',
  dataCentre: 'eu',
};

/** A clock the test moves by hand. */
export class FakeClock {
  constructor(private ms = Date.parse('2026-11-20T09:00:00.000Z')) {}
  now = () => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Mints `token-1`, `token-2`, … with a one-hour lifetime on the given clock. */
export class FakeMinter implements AccessTokenMinter {
  grants: RefreshTokenGrant[] = [];
  failWith: Error | undefined;
  constructor(private readonly clock: FakeClock) {}
  async mint(grant: RefreshTokenGrant): Promise<MintedToken> {
    this.grants.push(grant);
    if (this.failWith) throw this.failWith;
    return {
      accessToken: `token-${this.grants.length}`,
      expiresAt: new Date(this.clock.now().getTime() + 3_600_000),
    };
  }
}

export function tokenSecret(accessToken: string, expiresAt: Date, mintedAt?: Date): string {
  return JSON.stringify({
    accessToken,
    expiresAt: expiresAt.toISOString(),
    ...(mintedAt ? { mintedAt: mintedAt.toISOString() } : {}),
  });
}

export function refresherDeps(
  options: { clock?: FakeClock; token?: string; oauth?: Record<string, unknown> } = {},
): RefreshTokenDeps & { secrets: StaticSecretSource; minter: FakeMinter; clock: FakeClock } {
  const clock = options.clock ?? new FakeClock();
  const secrets = new StaticSecretSource({
    [OAUTH_SECRET_ID]: JSON.stringify(options.oauth ?? OAUTH_SECRET),
    ...(options.token !== undefined ? { [TOKEN_SECRET_ID]: options.token } : {}),
  });
  return {
    secrets,
    writer: secrets,
    minter: new FakeMinter(clock),
    oauthSecretId: OAUTH_SECRET_ID,
    tokenSecretId: TOKEN_SECRET_ID,
    clock,
    logger: silentLogger,
  };
}

export async function storedToken(secrets: StaticSecretSource): Promise<Record<string, unknown>> {
  return JSON.parse(await secrets.getSecretString(TOKEN_SECRET_ID)) as Record<string, unknown>;
}
