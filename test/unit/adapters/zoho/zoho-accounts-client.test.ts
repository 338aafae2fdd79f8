import { describe, expect, it } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { failure, OAUTH, useSandbox } from './sandbox-harness.ts';

const NOW = new Date('2026-11-20T09:00:00.000Z');

async function setup(options: Parameters<typeof useSandbox>[0] = {}) {
  const h = await useSandbox(options);
  const agent = createZohoAgent({ timeoutMs: 2_000, connections: 1 });
  const accounts = new ZohoAccountsClient(agent, { clock: { now: () => NOW } });
  const grant = (over: Partial<typeof OAUTH> = {}) => ({ accountsUrl: h.url, ...OAUTH, ...over });
  return { h, accounts, grant, close: () => agent.close() };
}

describe('ZohoAccountsClient', () => {
  it('mints with the refresh_token grant and computes the expiry from expires_in seconds', async () => {
    const { h, accounts, grant, close } = await setup({ tokenTtlSeconds: 3600 });
    const minted = await accounts.mint(grant());
    expect(minted.accessToken).toMatch(/^1000\./);
    expect(minted.expiresAt.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(minted.apiDomain).toBe(h.url);
    expect((await h.state()).tokensMinted).toBe(1);
    await close();
  });

  it('treats HTTP 200 with error "Access Denied" as a throttle (TransientError)', async () => {
    const { accounts, grant, close } = await setup({ mintLimit: { max: 1, windowMs: 600_000 } });
    await accounts.mint(grant());
    expect(await failure(accounts.mint(grant()))).toMatchObject({
      name: 'TransientError',
      httpStatus: 200,
      errorCode: 'Access Denied',
      retryAfterMs: 60_000,
    });
    await close();
  });

  it.each([
    ['invalid_code', { refreshToken: '1000.revoked' }],
    ['invalid_client', { clientSecret: 'rotated' }],
  ])(
    'treats HTTP 200 with error %s as a permanent auth error, without echoing secrets',
    async (code, over) => {
      const { accounts, grant, close } = await setup();
      const error = await failure(accounts.mint(grant(over)));
      expect(error).toMatchObject({ name: 'PermanentError', kind: 'auth', errorCode: code });
      expect(JSON.stringify(error)).not.toMatch(/rotated|revoked|test-client-secret/);
      await close();
    },
  );

  it('treats a 5xx from the accounts server as transient', async () => {
    const { h, accounts, grant, close } = await setup();
    await h.fault({ pathPrefix: '/oauth/v2/token', status: 502, times: 1 });
    expect(await failure(accounts.mint(grant()))).toMatchObject({
      name: 'TransientError',
      httpStatus: 502,
    });
    await close();
  });
});
