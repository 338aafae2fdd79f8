import { describe, expect, it } from 'vitest';
import { PermanentError, SecretError, TransientError } from '#core/domain/errors.ts';
import { refreshAccessToken } from '#core/tokens/refresh-token.ts';
import { parseRefresherFailure, RefresherFailedError } from '#core/tokens/refresher-failure.ts';
import {
  createTokenRefresherHandler,
  loadTokenRefresherConfig,
} from '#core/tokens/refresher-handler.ts';
import { tokenFingerprint } from '#core/tokens/token-secret.ts';
import { FakeClock, refresherDeps, storedToken, tokenSecret } from './token-fakes.ts';

const MINUTE = 60_000;

describe('refreshAccessToken', () => {
  it('mints and stores a token when there is none', async () => {
    const deps = refresherDeps();
    const result = await refreshAccessToken(deps);
    expect(result).toEqual({ minted: true, expiresAt: '2026-11-20T10:00:00.000Z' });
    expect(await storedToken(deps.secrets)).toEqual({
      accessToken: 'token-1',
      expiresAt: '2026-11-20T10:00:00.000Z',
      mintedAt: '2026-11-20T09:00:00.000Z',
    });
    expect(deps.minter.grants).toEqual([
      {
        clientId: '1000.CLIENT',
        clientSecret: 'client-secret-value',
        refreshToken: '1000.refresh-token-value',
        accountsUrl: 'https://accounts.zoho.eu',
      },
    ]);
  });

  it('treats a placeholder value in the token secret as no token', async () => {
    const deps = refresherDeps({ token: 'generated-by-cdk-not-json' });
    expect((await refreshAccessToken(deps)).minted).toBe(true);
  });

  it('does not mint while the stored token has more than the margin left', async () => {
    const clock = new FakeClock();
    const deps = refresherDeps({
      clock,
      token: tokenSecret('current', new Date(clock.now().getTime() + 11 * MINUTE)),
    });
    expect(await refreshAccessToken(deps)).toEqual({
      minted: false,
      expiresAt: '2026-11-20T09:11:00.000Z',
    });
    expect(deps.minter.grants).toHaveLength(0);
  });

  it('mints when the stored token expires within the margin, or when forced', async () => {
    const clock = new FakeClock();
    const deps = refresherDeps({
      clock,
      token: tokenSecret('current', new Date(clock.now().getTime() + 9 * MINUTE)),
    });
    expect((await refreshAccessToken(deps)).minted).toBe(true);
    expect((await refreshAccessToken(deps)).minted).toBe(false);
    expect((await refreshAccessToken(deps, { force: true })).minted).toBe(true);
    expect(deps.minter.grants).toHaveLength(2);
  });

  it('mints for a rejected token only while it is still the stored one', async () => {
    const clock = new FakeClock();
    const deps = refresherDeps({
      clock,
      token: tokenSecret('current', new Date(clock.now().getTime() + 50 * MINUTE)),
    });
    expect(
      (await refreshAccessToken(deps, { rejectedTokenSha256: tokenFingerprint('older') })).minted,
    ).toBe(false);
    expect(
      (await refreshAccessToken(deps, { rejectedTokenSha256: tokenFingerprint('current') })).minted,
    ).toBe(true);
    expect(
      (await refreshAccessToken(deps, { rejectedTokenSha256: tokenFingerprint('current') })).minted,
    ).toBe(false);
    expect(deps.minter.grants).toHaveLength(1);
  });

  it('does not re-mint a token minted moments ago on rejection alone', async () => {
    const clock = new FakeClock();
    const deps = refresherDeps({ clock });
    await refreshAccessToken(deps);
    clock.advance(10_000);
    expect(
      (await refreshAccessToken(deps, { rejectedTokenSha256: tokenFingerprint('token-1') })).minted,
    ).toBe(false);
    clock.advance(60_000);
    expect(
      (await refreshAccessToken(deps, { rejectedTokenSha256: tokenFingerprint('token-1') })).minted,
    ).toBe(true);
  });

  it('passes token endpoint failures through and keeps the stored token', async () => {
    const clock = new FakeClock();
    const current = tokenSecret('current', new Date(clock.now().getTime() + MINUTE));
    const deps = refresherDeps({ clock, token: current });
    deps.minter.failWith = new TransientError('throttled', { errorCode: 'Access Denied' });
    await expect(refreshAccessToken(deps)).rejects.toBeInstanceOf(TransientError);
    expect(await deps.secrets.getSecretString('zoho-token')).toBe(current);
  });

  it('names the missing OAuth secret keys without printing any value', async () => {
    const deps = refresherDeps({ oauth: { clientId: 'visible-client', clientSecret: 's3cr3t' } });
    const error = await refreshAccessToken(deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretError);
    const message = (error as Error).message;
    expect(message).toContain('refreshToken (missing)');
    expect(message).toContain('orgId (missing)');
    expect(message).not.toContain('s3cr3t');
    expect(message).not.toContain('visible-client');
  });
});

describe('token refresher handler', () => {
  it("refreshes if expiring on a scheduled event and honours a worker's rejected-token fingerprint", async () => {
    const clock = new FakeClock();
    const deps = refresherDeps({ clock });
    const handler = createTokenRefresherHandler(deps);
    const scheduled = {
      version: '0',
      source: 'aws.events',
      'detail-type': 'Scheduled Event',
      detail: {},
    };
    expect((await handler(scheduled)).minted).toBe(true);
    expect((await handler(scheduled)).minted).toBe(false);
    clock.advance(2 * MINUTE);
    expect((await handler({ rejectedTokenSha256: tokenFingerprint('token-1') })).minted).toBe(true);
  });

  it('fails at cold start naming every missing environment key', () => {
    expect(() => loadTokenRefresherConfig({})).toThrow(
      /ZOHO_OAUTH_SECRET_ARN: required but not set; ZOHO_TOKEN_SECRET_ARN: required but not set/,
    );
  });

  it('rejects a malformed event (a token in clear instead of its fingerprint) as a permanent failure', async () => {
    const handler = createTokenRefresherHandler(refresherDeps());
    const error = await handler({ rejectedTokenSha256: 'token-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefresherFailedError);
    expect((error as RefresherFailedError).failure).toEqual({
      kind: 'permanent',
      retryable: false,
      message: 'Invalid refresher event: expected {rejectedTokenSha256?, force?}',
    });
    expect((error as Error).message).not.toContain('token-1');
  });

  it('throws a failure whose message carries its typed kind and retryable fields (all Lambda passes on)', async () => {
    const deps = refresherDeps();
    deps.minter.failWith = new TransientError('Zoho token endpoint answered 429', {
      errorCode: 'HTTP_429',
    });
    const error = await createTokenRefresherHandler(deps)({ force: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefresherFailedError);
    expect(parseRefresherFailure((error as Error).message)).toEqual({
      kind: 'transient',
      retryable: true,
      message: 'Zoho token endpoint answered 429',
      errorCode: 'HTTP_429',
    });
  });
});

describe('refresher errors', () => {
  it('keeps permanent token endpoint errors permanent', async () => {
    const deps = refresherDeps();
    deps.minter.failWith = new PermanentError('invalid_client', 'auth');
    await expect(refreshAccessToken(deps)).rejects.toMatchObject({
      kind: 'auth',
      retryable: false,
    });
  });
});
