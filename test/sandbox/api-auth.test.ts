import { describe, expect, it } from 'vitest';
import { ALICE_A, BETA, HC_A, ORG_ID, testSeed, useSandbox } from './sandbox-helpers.ts';

const GROUPS_OF_ALICE = `/api/v1/users/${ALICE_A}/groups`;

describe('sandbox API authentication', () => {
  it('answers 401 INVALID_OAUTH without an Authorization header', async () => {
    const h = await useSandbox();
    const res = await fetch(`${h.url}${GROUPS_OF_ALICE}`, { headers: { orgId: ORG_ID } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      errorCode: 'INVALID_OAUTH',
      message: 'The OAuth Token you provided is invalid.',
    });
  });

  it('answers 401 INVALID_OAUTH for an unknown token or another scheme', async () => {
    const h = await useSandbox();
    const token = await h.token();
    for (const authorization of ['Zoho-oauthtoken 1000.unknown.token', `Bearer ${token}`]) {
      const res = await h.api('GET', GROUPS_OF_ALICE, {
        headers: { Authorization: authorization },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ errorCode: 'INVALID_OAUTH' });
    }
  });

  it('ignores a token passed in the query string', async () => {
    const h = await useSandbox();
    const token = await h.token();
    const res = await fetch(`${h.url}${GROUPS_OF_ALICE}?token=${token}`, {
      headers: { orgId: ORG_ID },
    });
    expect(res.status).toBe(401);
  });

  it('treats header names case-insensitively', async () => {
    const h = await useSandbox();
    const token = await h.token();
    const res = await fetch(`${h.url}${GROUPS_OF_ALICE}`, {
      headers: { AUTHORIZATION: `Zoho-oauthtoken ${token}`, ORGID: ORG_ID },
    });
    expect(res.status).toBe(200);
  });

  it('answers 401 for every token after the tokens are revoked', async () => {
    const h = await useSandbox();
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(200);
    const revoked = await fetch(`${h.url}/_sandbox/tokens`, { method: 'DELETE' });
    expect(await revoked.json()).toEqual({ revoked: 1 });
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(401);
  });

  it('answers 422 INVALID_DATA (orgId missing) when the org id is neither a header nor a query parameter', async () => {
    const h = await useSandbox();
    const token = await h.token();
    const res = await fetch(`${h.url}${GROUPS_OF_ALICE}`, {
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      errorCode: 'INVALID_DATA',
      errors: [{ fieldName: '/orgId', errorType: 'missing' }],
    });
  });

  it('accepts the org id as the query parameter Common.json declares', async () => {
    const h = await useSandbox();
    const token = await h.token();
    const res = await fetch(`${h.url}${GROUPS_OF_ALICE}?orgId=${ORG_ID}`, {
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
    });
    expect(res.status).toBe(200);
  });

  it('answers 400 OAUTH_ORG_MISMATCH for another org id', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', GROUPS_OF_ALICE, { headers: { orgId: '1' } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      errorCode: 'OAUTH_ORG_MISMATCH',
      message: expect.any(String),
    });
  });

  it('answers 404 URL_NOT_FOUND for an unknown path', async () => {
    const h = await useSandbox();
    for (const [method, path] of [
      ['GET', '/api/v1/tickets'],
      ['GET', `/api/v1/helpcenter/${HC_A}/users`],
      ['POST', `/api/v1/users/${ALICE_A}/groups/remove`],
      ['GET', '/'],
    ] as const) {
      const res = await h.api(method, path);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        errorCode: 'URL_NOT_FOUND',
        message: 'The URL you requested could not be found.',
      });
    }
  });
});

describe('sandbox API method not allowed (the dialect probe)', () => {
  const METHOD_NOT_ALLOWED = {
    errorCode: 'METHOD_NOT_ALLOWED',
    message: 'The HTTP method is not allowed for the requested URL.',
  };
  const unpublished = [
    `/api/v1/helpcenter/${HC_A}/users/0/groups`,
    `/api/v1/helpcenter/${HC_A}/groups/0/users`,
  ];

  it('answers 405 METHOD_NOT_ALLOWED for a served path asked with another method, before auth', async () => {
    const h = await useSandbox();
    for (const [method, path] of [
      ['PUT', GROUPS_OF_ALICE],
      ...unpublished.map((p) => ['GET', p]),
    ]) {
      const res = await fetch(`${h.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(await res.json()).toEqual(METHOD_NOT_ALLOWED);
    }
    expect((await h.state()).users.find((u) => u.id === ALICE_A)?.groupIds).toHaveLength(2);
  });

  it('answers 404 URL_NOT_FOUND to a GET on the unpublished paths while they are off', async () => {
    const h = await useSandbox({ unpublished: false });
    for (const path of unpublished) {
      const res = await h.api('GET', path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ errorCode: 'URL_NOT_FOUND' });
    }
  });
});

describe('sandbox API scopes', () => {
  const readOnly = () => useSandbox({ seed: testSeed(['Desk.settings.READ', 'Desk.basic.READ']) });

  it('lets a read-only token search and read groups', async () => {
    const h = await readOnly();
    expect((await h.api('GET', `/api/v1/users?searchBy=alice&helpCenterId=${HC_A}`)).status).toBe(
      200,
    );
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(200);
  });

  it('answers 403 SCOPE_MISMATCH to every removal with a read-only token and changes nothing', async () => {
    const h = await readOnly();
    const before = await h.state();
    const requests: [string, string, unknown][] = [
      ['DELETE', `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`, undefined],
      ['POST', `/api/v1/users/${ALICE_A}/groups/dissociate`, { groupIds: [BETA] }],
      ['DELETE', `/api/v1/helpcenter/${HC_A}/groups/${BETA}/users`, { userIds: [ALICE_A] }],
      ['POST', `/api/v1/groups/${BETA}/users/remove`, { userIds: [ALICE_A] }],
      ['DELETE', `/api/v1/groups/${BETA}`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const res = await h.api(method, path, { body });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({
        errorCode: 'SCOPE_MISMATCH',
        message: expect.stringMatching(/Desk\.settings\.(DELETE|UPDATE)/),
      });
    }
    const after = await h.state();
    expect(after.users).toEqual(before.users);
    expect(after.groups).toEqual(before.groups);
  });

  it('answers 403 SCOPE_MISMATCH to reads when the token has only delete scope', async () => {
    const h = await useSandbox({ seed: testSeed(['Desk.settings.DELETE']) });
    const res = await h.api('GET', GROUPS_OF_ALICE);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ errorCode: 'SCOPE_MISMATCH' });
    expect((await h.api('DELETE', `/api/v1/groups/${BETA}`)).status).toBe(204);
  });

  it('accepts Desk.settings.UPDATE for the POST forms but not for the DELETE forms', async () => {
    const h = await useSandbox({ seed: testSeed(['Desk.settings.UPDATE']) });
    const dissociate = await h.api('POST', `/api/v1/users/${ALICE_A}/groups/dissociate`, {
      body: { groupIds: [BETA] },
    });
    expect(dissociate.status).toBe(200);
    const remove = await h.api('DELETE', `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`);
    expect(remove.status).toBe(403);
  });
});
