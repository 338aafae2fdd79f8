import { describe, expect, it } from 'vitest';
import {
  ALICE_A,
  failure,
  HC_A,
  ORG_ID,
  seed,
  useSandbox,
  workerStack,
} from './sandbox-harness.ts';

const USER_DELETE = `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`;
const clock = { now: () => new Date('2026-11-20T09:00:00.000Z') };

describe('ZohoHelpCenterClient error translation (sandbox faults)', () => {
  it.each([
    [
      '429 with Retry-After seconds',
      { status: 429, retryAfter: 7 },
      {
        name: 'TransientError',
        retryable: true,
        httpStatus: 429,
        errorCode: 'TOO_MANY_REQUESTS',
        retryAfterMs: 7000,
      },
    ],
    [
      '429 with a Retry-After HTTP date',
      { status: 429, retryAfter: 'Fri, 20 Nov 2026 09:00:30 GMT' },
      { name: 'TransientError', httpStatus: 429, retryAfterMs: 30_000 },
    ],
    [
      '429 without Retry-After',
      { status: 429 },
      { name: 'TransientError', httpStatus: 429, retryAfterMs: undefined },
    ],
    [
      '500',
      { status: 500 },
      { name: 'TransientError', httpStatus: 500, errorCode: 'INTERNAL_SERVER_ERROR' },
    ],
    [
      '503 with Retry-After',
      { status: 503, retryAfter: 2 },
      {
        name: 'TransientError',
        httpStatus: 503,
        errorCode: 'SERVICE_UNAVAILABLE',
        retryAfterMs: 2000,
      },
    ],
    [
      '404 URL_NOT_FOUND on the user-centric DELETE',
      { status: 404, errorCode: 'URL_NOT_FOUND' },
      {
        name: 'PermanentError',
        kind: 'permanent',
        retryable: false,
        httpStatus: 404,
        errorCode: 'URL_NOT_FOUND',
        hint: expect.stringMatching(/unpublished.*HELPCENTER_API=zoho-desk-v1/),
      },
    ],
    [
      '429 THRESHOLD_EXCEEDED (daily API credits spent)',
      { status: 429, errorCode: 'THRESHOLD_EXCEEDED', retryAfter: 1 },
      {
        name: 'QuotaExceededError',
        kind: 'quota',
        retryable: false,
        httpStatus: 429,
        errorCode: 'THRESHOLD_EXCEEDED',
        hint: expect.stringMatching(/daily API credits/),
      },
    ],
    [
      '401 OAUTH_ORG_MISMATCH (no token refresh: a new token would not help)',
      { status: 401, errorCode: 'OAUTH_ORG_MISMATCH' },
      {
        name: 'PermanentError',
        kind: 'config',
        httpStatus: 401,
        errorCode: 'OAUTH_ORG_MISMATCH',
        hint: expect.stringMatching(/ZOHO_ORG_ID/),
      },
    ],
    [
      '422',
      { status: 422 },
      {
        name: 'PermanentError',
        kind: 'permanent',
        httpStatus: 422,
        errorCode: 'UNPROCESSABLE_ENTITY',
      },
    ],
    [
      '403 SCOPE_MISMATCH',
      { status: 403, errorCode: 'SCOPE_MISMATCH' },
      {
        name: 'PermanentError',
        kind: 'scope',
        httpStatus: 403,
        errorCode: 'SCOPE_MISMATCH',
        hint: expect.stringMatching(
          /removeUserFromHelpCenterGroups needs \(Desk\.settings\.DELETE\).*HELPCENTER_API=user-groups-delete/,
        ),
      },
    ],
  ])('%s → %o', async (_row, fault, expected) => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { clock });
    await h.fault({ method: 'DELETE', pathPrefix: USER_DELETE, times: 1, ...fault });

    expect(await failure(client.removeUserFromAllGroups(HC_A, ALICE_A))).toMatchObject(expected);
    const deletes = (await h.state()).calls.filter((c) => c.method === 'DELETE');
    expect(deletes).toHaveLength(1);
  });

  it('turns a response slower than the timeout into a TransientError', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { timeoutMs: 150 });
    await h.fault({ method: 'DELETE', pathPrefix: USER_DELETE, times: 1, delayMs: 2_000 });

    const error = await failure(client.removeUserFromAllGroups(HC_A, ALICE_A));
    expect(error).toMatchObject({ name: 'TransientError', retryable: true });
    expect(error.errorCode).toMatch(/TIMEOUT/);
  });

  it('turns a connection reset into a TransientError', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);
    await h.fault({ method: 'DELETE', pathPrefix: USER_DELETE, times: 1, reset: true });

    const error = await failure(client.removeUserFromAllGroups(HC_A, ALICE_A));
    expect(error).toMatchObject({ name: 'TransientError', retryable: true });
    expect(error.errorCode).toMatch(/UND_ERR_SOCKET|ECONNRESET/);
  });

  it('on 401 once re-reads the token, retries the same request once and succeeds', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);
    await h.fault({ method: 'DELETE', pathPrefix: USER_DELETE, status: 401, times: 1 });

    expect(await client.removeUserFromAllGroups(HC_A, ALICE_A)).toMatchObject({
      outcome: 'removed',
      calls: 2,
    });
    const state = await h.state();
    expect(state.calls.filter((c) => c.path === USER_DELETE).map((c) => c.status)).toEqual([
      401, 204,
    ]);
    expect(state.tokensMinted).toBe(1);
  });

  it('on 401 for a revoked token asks the refresher, which mints once, and the retry succeeds', async () => {
    let now = Date.now();
    const moving = { now: () => new Date(now) };
    const h = await useSandbox();
    const { client } = workerStack(h.url, { clock: moving });
    expect(await client.findUsersByEmail('bob@example.com')).toHaveLength(1);
    await h.revokeTokens();
    now += 2 * 60_000;

    expect(await client.removeUserFromAllGroups(HC_A, ALICE_A)).toMatchObject({
      outcome: 'removed',
      calls: 2,
    });
    expect((await h.state()).tokensMinted).toBe(2);
  });

  it('on 401 again after the refresh fails permanently with an auth hint (two attempts only)', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);
    await h.fault({ method: 'DELETE', pathPrefix: USER_DELETE, status: 401, times: 10 });

    expect(await failure(client.removeUserFromAllGroups(HC_A, ALICE_A))).toMatchObject({
      name: 'PermanentError',
      kind: 'auth',
      httpStatus: 401,
      errorCode: 'INVALID_OAUTH',
      hint: expect.stringMatching(/refresh token/),
    });
    expect((await h.state()).calls.filter((c) => c.path === USER_DELETE)).toHaveLength(2);
  });

  it('maps a token without the delete scope (sandbox enforcement) to a scope error', async () => {
    const h = await useSandbox({ seed: seed(['Desk.basic.READ']) });
    const { client } = workerStack(h.url);
    expect(await failure(client.removeUserFromAllGroups(HC_A, ALICE_A))).toMatchObject({
      kind: 'scope',
      errorCode: 'SCOPE_MISMATCH',
      hint: expect.stringMatching(/Desk\.settings\.DELETE/),
    });
  });

  it('names the published scopes when zoho-desk-v1 lacks the dissociate scope', async () => {
    const h = await useSandbox({ seed: seed(['Desk.settings.READ']) });
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });
    expect(await failure(client.removeUserFromAllGroups(HC_A, ALICE_A))).toMatchObject({
      kind: 'scope',
      errorCode: 'SCOPE_MISMATCH',
      hint: expect.stringMatching(
        /deleteGroupsFromUsers needs \(Desk\.contacts\.UPDATE or Desk\.settings\.UPDATE\)/,
      ),
    });
  });

  it('maps a wrong org id to a config error that names the org id', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { orgId: '60000000001' });
    expect(await failure(client.findUsersByEmail('bob@example.com'))).toMatchObject({
      kind: 'config',
      httpStatus: 400,
      errorCode: 'OAUTH_ORG_MISMATCH',
      hint: expect.stringMatching(/orgId in the Zoho OAuth secret \(ZOHO_ORG_ID locally\)/),
    });
    expect(ORG_ID).not.toBe('60000000001');
  });

  it('maps an unknown user id (getUserGroups answers 422 INVALID_DATA) to a permanent failure', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });
    expect(await failure(client.removeUserFromAllGroups(HC_A, '7001000000399999'))).toMatchObject({
      kind: 'permanent',
      httpStatus: 422,
      errorCode: 'INVALID_DATA',
    });
  });

  it('surfaces the token endpoint "Access Denied" (HTTP 200) as a TransientError', async () => {
    const h = await useSandbox({ mintLimit: { max: 0, windowMs: 600_000 } });
    const { client } = workerStack(h.url);
    expect(await failure(client.removeUserFromAllGroups(HC_A, ALICE_A))).toMatchObject({
      name: 'TransientError',
      retryable: true,
      httpStatus: 200,
      errorCode: 'Access Denied',
      retryAfterMs: 60_000,
    });
    expect((await h.state()).calls.some((c) => c.path.startsWith('/api/'))).toBe(false);
  });

  it('surfaces a refused OAuth client (invalid_client) as a permanent auth error', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { oauth: { clientSecret: 'wrong' } });
    expect(await failure(client.findUsersByEmail('bob@example.com'))).toMatchObject({
      name: 'PermanentError',
      kind: 'auth',
      errorCode: 'invalid_client',
    });
  });
});
