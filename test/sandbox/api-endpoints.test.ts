import { describe, expect, it } from 'vitest';
import {
  ALICE_A,
  ALICE_B,
  BETA,
  BOB,
  CAROL,
  ENTERPRISE,
  HC_A,
  HC_B,
  RESELLERS,
  seedWithDisabledAndSupportRep,
  testSeed,
  useSandbox,
} from './sandbox-helpers.ts';

const row = (
  id: string,
  emailAddress: string,
  name: string,
  extra: Record<string, unknown> = {},
) => ({
  id,
  name,
  photoUrl: null,
  emailAddress,
  userType: 'ENDUSER',
  status: 'ACTIVE',
  lastAccessedTime: null,
  label: null,
  ...extra,
});

describe('sandbox user search (getUsers)', () => {
  it('returns the users of one help center whose emailAddress contains the text, without helpCenterId', async () => {
    const h = await useSandbox();
    const a = await h.api('GET', `/api/v1/users?searchBy=ALICE%40example&helpCenterId=${HC_A}`);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual({ data: [row(ALICE_A, 'alice@example.com', 'Alice')] });
    const b = await h.api('GET', `/api/v1/users?searchBy=ALICE%40example&helpCenterId=${HC_B}`);
    expect(await b.json()).toEqual({ data: [row(ALICE_B, 'Alice@Example.com', 'Alice')] });
  });

  it('searches the default (first) help center when none is named', async () => {
    const h = await useSandbox();
    const body = (await (await h.api('GET', '/api/v1/users?searchBy=example.com')).json()) as {
      data: { id: string }[];
    };
    expect(body.data.map((u) => u.id)).toEqual([ALICE_A, BOB]);
  });

  it('answers 204 with an empty body when nobody matches', async () => {
    const h = await useSandbox();
    const res = await h.api(
      'GET',
      `/api/v1/users?searchBy=nobody%40example.com&helpCenterId=${HC_A}`,
    );
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('pages 1-based with from and limit, and answers 204 past the end', async () => {
    const h = await useSandbox();
    const page = async (query: string) => {
      const res = await h.api('GET', `/api/v1/users?searchBy=ex&helpCenterId=${HC_A}&${query}`);
      return res.status === 204 ? [] : ((await res.json()) as { data: { id: string }[] }).data;
    };
    const all = await page('from=1&limit=50');
    expect(all.map((u) => u.id)).toEqual([ALICE_A, BOB, CAROL]);
    expect((await page('from=2&limit=2')).map((u) => u.id)).toEqual([BOB, CAROL]);
    expect(await page('from=4&limit=10')).toEqual([]);
  });

  it('lists only ACTIVE users unless status asks for others', async () => {
    const h = await useSandbox({ seed: seedWithDisabledAndSupportRep() });
    const ids = async (query: string) => {
      const res = await h.api(
        'GET',
        `/api/v1/users?helpCenterId=${HC_A}&searchBy=%40example.com${query}`,
      );
      return ((await res.json()) as { data: { id: string }[] }).data.map((u) => u.id);
    };
    expect(await ids('')).not.toContain('7001000000300010');
    expect(await ids('&status=DISABLED')).toEqual(['7001000000300010']);
    const all = await h.api('GET', `/api/v1/users?helpCenterId=${HC_A}&searchBy=rep%40&status=ALL`);
    expect(await all.json()).toEqual({
      data: [row('7001000000300011', 'rep@example.com', 'Rep', { userType: 'SUPPORTREP' })],
    });
  });

  it.each([
    'from=0',
    'from=-1',
    'from=x',
    'limit=0',
    'limit=51',
    'searchBy=a',
    'status=GONE',
    'helpCenterId=hc1',
    'emailId=alice%40example.com',
    'from=1&from=2',
  ])('answers 422 INVALID_DATA naming the parameter to %s', async (query) => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/users?${query}`);
    expect(res.status).toBe(422);
    const field = `/${query.split('=')[0]}`;
    expect(await res.json()).toEqual({
      errorCode: 'INVALID_DATA',
      message: expect.any(String),
      errors: [{ fieldName: field, errorType: 'invalid' }],
    });
  });
});

describe('sandbox user groups (getUserGroups)', () => {
  const groupRow = (id: string, name: string, helpCenterId: string) => ({
    id,
    name,
    addedTime: null,
    helpCenterId,
    logoUrl: null,
    status: 'ACTIVE',
  });

  it('lists the groups of a user, each naming its help center', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/users/${ALICE_A}/groups`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: [
        groupRow(BETA, 'Beta Program', HC_A),
        groupRow(ENTERPRISE, 'Enterprise Customers', HC_A),
      ],
    });
  });

  it('pages the groups and keeps one help center when asked', async () => {
    const h = await useSandbox();
    const page = await h.api('GET', `/api/v1/users/${ALICE_A}/groups?from=2&limit=1`);
    expect(((await page.json()) as { data: { id: string }[] }).data.map((g) => g.id)).toEqual([
      ENTERPRISE,
    ]);
    const other = await h.api('GET', `/api/v1/users/${ALICE_A}/groups?helpCenterId=${HC_B}`);
    expect(other.status).toBe(204);
  });

  it('answers 204 for a user in no group', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/users/${CAROL}/groups`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('answers 422 INVALID_DATA for an unknown or malformed user id', async () => {
    const h = await useSandbox();
    for (const id of ['999', 'abc']) {
      const res = await h.api('GET', `/api/v1/users/${id}/groups`);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({
        errorCode: 'INVALID_DATA',
        errors: [{ fieldName: '/userId', errorType: 'invalid' }],
      });
    }
  });
});

describe('sandbox user-centric removal', () => {
  const path = (helpCenterId: string, userId: string) =>
    `/api/v1/helpcenter/${helpCenterId}/users/${userId}/groups`;

  it('removes the user from every group of the help center and answers 204', async () => {
    const h = await useSandbox();
    const res = await h.api('DELETE', path(HC_A, ALICE_A));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await h.groupsOf(ALICE_A)).toEqual([]);
    expect(await h.groupsOf(ALICE_B)).toEqual([RESELLERS]);
    expect(await h.groupsOf(BOB)).toEqual([BETA]);
    expect((await h.state()).groups).toHaveLength(3);
  });

  it('answers 204 again when the user is already in no group', async () => {
    const h = await useSandbox();
    expect((await h.api('DELETE', path(HC_A, ALICE_A))).status).toBe(204);
    expect((await h.api('DELETE', path(HC_A, ALICE_A))).status).toBe(204);
  });

  it('answers 404 for an unknown help center or a user of another help center', async () => {
    const h = await useSandbox();
    for (const p of [path('42', ALICE_A), path(HC_B, ALICE_A), path(HC_A, '999')]) {
      const res = await h.api('DELETE', p);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ errorCode: 'RESOURCE_NOT_FOUND' });
    }
    expect(await h.groupsOf(ALICE_A)).toEqual([BETA, ENTERPRISE]);
  });
});

describe('sandbox dissociate (deleteGroupsFromUsers)', () => {
  const path = (userId: string, helpCenterId?: string) =>
    `/api/v1/users/${userId}/groups/dissociate${helpCenterId ? `?helpCenterId=${helpCenterId}` : ''}`;

  it('removes the user from the listed groups and reports success per group', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path(ALICE_A, HC_A), { body: { groupIds: [BETA] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ results: [{ success: true, id: BETA, errors: null }] });
    expect(await h.groupsOf(ALICE_A)).toEqual([ENTERPRISE]);
    expect(await h.groupsOf(BOB)).toEqual([BETA]);
  });

  it('reports success false with a nested errors object for groups it cannot dissociate', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path(ALICE_A, HC_A), {
      body: { groupIds: [ENTERPRISE, RESELLERS, '404'] },
    });
    expect(res.status).toBe(200);
    const refused = (id: string) => ({
      success: false,
      id,
      errors: { errorCode: 'INVALID_DATA', error: expect.any(String), httpCode: 422 },
    });
    expect(await res.json()).toEqual({
      results: [
        { success: true, id: ENTERPRISE, errors: null },
        refused(RESELLERS),
        refused('404'),
      ],
    });
    expect(await h.groupsOf(ALICE_A)).toEqual([BETA]);
    expect(await h.groupsOf(ALICE_B)).toEqual([RESELLERS]);
  });

  it('answers 422 INVALID_DATA for a body outside the spec', async () => {
    const h = await useSandbox();
    for (const body of [
      {},
      { groupIds: 'x' },
      { groupIds: ['g1'] },
      { groupIds: [BETA], x: 1 },
      [],
      '{"groupIds": [',
    ]) {
      const res = await h.api('POST', path(ALICE_A), { body });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errorCode: 'INVALID_DATA' });
    }
    expect((await h.api('POST', path(ALICE_A))).status).toBe(422);
    expect(await h.groupsOf(ALICE_A)).toEqual([BETA, ENTERPRISE]);
  });

  it('answers 422 INVALID_DATA for an unknown user', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path('999'), { body: { groupIds: [BETA] } });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ errors: [{ fieldName: '/userId' }] });
  });
});

describe('sandbox group-centric removal', () => {
  const deletePath = (helpCenterId: string, groupId: string) =>
    `/api/v1/helpcenter/${helpCenterId}/groups/${groupId}/users`;
  const postPath = (groupId: string) => `/api/v1/groups/${groupId}/users/remove`;

  it('removes the listed users from the group with DELETE and answers 204', async () => {
    const h = await useSandbox();
    const res = await h.api('DELETE', deletePath(HC_A, BETA), { body: { userIds: [ALICE_A] } });
    expect(res.status).toBe(204);
    expect(await h.groupsOf(ALICE_A)).toEqual([ENTERPRISE]);
    expect(await h.groupsOf(BOB)).toEqual([BETA]);
  });

  it('removes the listed users from the group with POST .../users/remove and answers 204', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', postPath(BETA), { body: { userIds: [ALICE_A, BOB] } });
    expect(res.status).toBe(204);
    expect(await h.groupsOf(ALICE_A)).toEqual([ENTERPRISE]);
    expect(await h.groupsOf(BOB)).toEqual([]);
  });

  it('answers 422 INVALID_DATA for an empty or missing userIds in both forms', async () => {
    const h = await useSandbox();
    for (const body of [{ userIds: [] }, {}, undefined]) {
      for (const [method, p] of [
        ['DELETE', deletePath(HC_A, BETA)],
        ['POST', postPath(BETA)],
      ] as const) {
        const res = await h.api(method, p, { body });
        expect(res.status).toBe(422);
        expect(await res.json()).toMatchObject({ errorCode: 'INVALID_DATA' });
      }
    }
    expect(await h.groupsOf(BOB)).toEqual([BETA]);
  });

  it('answers 404 (unpublished form) or 422 (published form) for an unknown group', async () => {
    const h = await useSandbox();
    const body = { userIds: [ALICE_A] };
    for (const p of [deletePath(HC_B, BETA), deletePath('42', BETA)]) {
      const res = await h.api('DELETE', p, { body });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ errorCode: 'RESOURCE_NOT_FOUND' });
    }
    const res = await h.api('POST', postPath('404'), { body });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ errors: [{ fieldName: '/groupId' }] });
  });
});

describe('sandbox group deletion', () => {
  it('really deletes the group and drops it from every user', async () => {
    const h = await useSandbox();
    const res = await h.api('DELETE', `/api/v1/groups/${BETA}`);
    expect(res.status).toBe(204);
    const state = await h.state();
    expect(state.groups.map((g) => g.id)).toEqual([ENTERPRISE, RESELLERS]);
    expect(state.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([ENTERPRISE]);
    expect(state.users.find((u) => u.id === BOB)?.groupIds).toEqual([]);
    expect(state.calls.at(-1)).toEqual({
      method: 'DELETE',
      path: `/api/v1/groups/${BETA}`,
      status: 204,
    });
    expect((await h.api('DELETE', `/api/v1/groups/${BETA}`)).status).toBe(422);
  });
});

describe('sandbox unpublished endpoints', () => {
  it.each([
    ['the option', { unpublished: false }],
    ['the seed flag', { seed: { ...testSeed(), unpublished: false } }],
  ] as const)(
    'answers 404 URL_NOT_FOUND to both mission DELETEs when %s turns them off',
    async (_how, options) => {
      const h = await useSandbox(options);
      const user = await h.api('DELETE', `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`);
      const group = await h.api('DELETE', `/api/v1/helpcenter/${HC_A}/groups/${BETA}/users`, {
        body: { userIds: [ALICE_A] },
      });
      for (const res of [user, group]) {
        expect(res.status).toBe(404);
        expect(await res.json()).toEqual({
          errorCode: 'URL_NOT_FOUND',
          message: 'The URL you requested could not be found.',
        });
      }
      expect(await h.groupsOf(ALICE_A)).toEqual([BETA, ENTERPRISE]);
      const published = await h.api('POST', `/api/v1/users/${ALICE_A}/groups/dissociate`, {
        body: { groupIds: [BETA] },
      });
      expect(published.status).toBe(200);
    },
  );

  it('follows SANDBOX_UNPUBLISHED=false when neither option nor seed says', async () => {
    const before = process.env.SANDBOX_UNPUBLISHED;
    process.env.SANDBOX_UNPUBLISHED = 'false';
    try {
      const h = await useSandbox();
      const res = await h.api('DELETE', `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`);
      expect(res.status).toBe(404);
    } finally {
      if (before === undefined) delete process.env.SANDBOX_UNPUBLISHED;
      else process.env.SANDBOX_UNPUBLISHED = before;
    }
  });
});

describe('sandbox portal user removal and help center listing', () => {
  it('removePortalUser drops the user from every group and answers 204', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', `/api/v1/portalUsers/${ALICE_A}/removeUser`);
    expect(res.status).toBe(204);
    expect(await h.groupsOf(ALICE_A)).toEqual([]);
    expect((await h.api('POST', '/api/v1/portalUsers/999/removeUser')).status).toBe(404);
  });

  it('getAllHelpCenters lists the seed help centers, 1-based', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', '/api/v1/helpCenters?from=1&limit=50');
    expect(await res.json()).toEqual({
      data: [
        { id: HC_A, name: 'Customer Portal', status: 'ACTIVE', isDefault: true },
        { id: HC_B, name: 'Partner Portal', status: 'ACTIVE', isDefault: false },
      ],
    });
    expect((await h.api('GET', '/api/v1/helpCenters?limit=51')).status).toBe(422);
  });
});
