import { describe, expect, it } from 'vitest';
import { OAUTH, ORG_ID, useSandbox } from './sandbox-helpers.ts';

describe('sandbox token endpoint', () => {
  it('mints a bearer access token for the seeded refresh token', async () => {
    const h = await useSandbox({ tokenTtlSeconds: 1800 });
    const body = await h.mint();
    expect(body).toEqual({
      access_token: expect.stringMatching(/^1000\.[0-9a-f]{32}\.[0-9a-f]{32}$/),
      api_domain: h.url,
      token_type: 'Bearer',
      expires_in: 1800,
    });
    expect((await h.state()).tokensMinted).toBe(1);
  });

  it('reports a one-hour lifetime by default and mints a different token each time', async () => {
    const h = await useSandbox();
    const first = await h.mint();
    const second = await h.mint();
    expect(first.expires_in).toBe(3600);
    expect(second.access_token).not.toBe(first.access_token);
    expect((await h.state()).tokensMinted).toBe(2);
  });

  it('accepts the grant parameters in the query string', async () => {
    const h = await useSandbox();
    const query = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: OAUTH.clientId,
      client_secret: OAUTH.clientSecret,
      refresh_token: OAUTH.refreshToken,
    });
    const res = await fetch(`${h.url}/oauth/v2/token?${query}`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
  });

  it('answers HTTP 200 with invalid_client for a wrong client id or secret', async () => {
    const h = await useSandbox();
    expect(await h.mint({ client_id: '1000.OTHER' })).toEqual({ error: 'invalid_client' });
    expect(await h.mint({ client_secret: 'nope' })).toEqual({ error: 'invalid_client' });
    expect((await h.state()).tokensMinted).toBe(0);
  });

  it('answers HTTP 200 with invalid_code for a wrong refresh token', async () => {
    const h = await useSandbox();
    expect(await h.mint({ refresh_token: '1000.revoked' })).toEqual({ error: 'invalid_code' });
  });

  it('answers HTTP 200 with unsupported_grant_type for another grant', async () => {
    const h = await useSandbox();
    expect(await h.mint({ grant_type: 'authorization_code' })).toEqual({
      error: 'unsupported_grant_type',
    });
  });

  it('denies mints beyond the limit per refresh token within the window', async () => {
    const h = await useSandbox({ mintLimit: { max: 3, windowMs: 600_000 } });
    for (let i = 0; i < 3; i++) expect(await h.mint()).toHaveProperty('access_token');
    expect(await h.mint()).toEqual({
      error: 'Access Denied',
      error_description:
        'You have made too many requests continuously. Please try again after some time.',
      status: 'failure',
    });
    expect((await h.state()).tokensMinted).toBe(3);
  });

  it('allows minting again once earlier mints leave the window', async () => {
    let now = 1_000_000;
    const h = await useSandbox({ mintLimit: { max: 2, windowMs: 60_000 }, now: () => now });
    await h.mint();
    now += 30_000;
    await h.mint();
    expect(await h.mint()).toMatchObject({ error: 'Access Denied' });
    now += 30_001;
    expect(await h.mint()).toHaveProperty('access_token');
    expect(await h.mint()).toMatchObject({ error: 'Access Denied' });
  });

  it('enforces Zoho’s default of 10 mints per 10 minutes', async () => {
    const h = await useSandbox();
    for (let i = 0; i < 10; i++) expect(await h.mint()).toHaveProperty('access_token');
    expect(await h.mint()).toMatchObject({ error: 'Access Denied' });
  });

  it('rejects a token once its lifetime has passed', async () => {
    let now = 5_000_000;
    const h = await useSandbox({ tokenTtlSeconds: 60, now: () => now });
    const token = await h.token();
    const call = () =>
      fetch(`${h.url}/api/v1/users/7001000000300001/groups`, {
        headers: { Authorization: `Zoho-oauthtoken ${token}`, orgId: ORG_ID },
      });
    now += 59_999;
    expect((await call()).status).toBe(200);
    now += 1;
    const res = await call();
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      errorCode: 'INVALID_OAUTH',
      message: 'The OAuth Token you provided is invalid.',
    });
  });

  it('serves the token endpoint only for POST', async () => {
    const h = await useSandbox();
    const res = await fetch(`${h.url}/oauth/v2/token`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errorCode: 'URL_NOT_FOUND' });
  });
});
