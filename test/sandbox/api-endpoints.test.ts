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
  useSandbox,
} from './sandbox-helpers.ts';

describe('sandbox user search', () => {
  it('returns every user, across help centers, whose email contains the text case-insensitively', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', '/api/v1/users?searchBy=ALICE%40example');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: [
        { id: ALICE_A, emailId: 'alice@example.com', name: 'Alice', helpCenterId: HC_A },
        { id: ALICE_B, emailId: 'Alice@Example.com', name: 'Alice', helpCenterId: HC_B },
      ],
    });
  });

  it('matches on a part of the address, not only the whole of it', async () => {
    const h = await useSandbox();
    const body = (await (await h.api('GET', '/api/v1/users?searchBy=example.com')).json()) as {
      data: { id: string }[];
    };
    expect(body.data.map((u) => u.id)).toEqual([ALICE_A, ALICE_B, BOB]);
  });

  it('answers 204 with an empty body when nobody matches', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', '/api/v1/users?searchBy=nobody%40example.com');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('pages the search with from and limit, and answers 204 past the end', async () => {
    const h = await useSandbox();
    const page = async (query: string) => {
      const res = await h.api('GET', `/api/v1/users?searchBy=example&${query}`);
      return res.status === 204 ? [] : ((await res.json()) as { data: { id: string }[] }).data;
    };
    const all = await page('from=0&limit=100');
    expect(all.length).toBeGreaterThan(2);
    expect((await page('from=1&limit=2')).map((u) => u.id)).toEqual(
      all.slice(1, 3).map((u) => u.id),
    );
    expect(await page(`from=${all.length}&limit=10`)).toEqual([]);
  });

  it.each(['limit=0', 'limit=101', 'from=-1', 'from=x'])('answers 422 to %s', async (query) => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/users?searchBy=example&${query}`);
    expect(res.status).toBe(422);
  });

  it('answers 422 UNPROCESSABLE_ENTITY without searchBy', async () => {
    const h = await useSandbox();
    for (const path of ['/api/v1/users', '/api/v1/users?searchBy=']) {
      const res = await h.api('GET', path);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errorCode: 'UNPROCESSABLE_ENTITY' });
    }
  });
});

describe('sandbox user groups', () => {
  it('lists the groups of a user', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/users/${ALICE_A}/groups`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: [
        { id: BETA, name: 'Beta Program', helpCenterId: HC_A },
        { id: ENTERPRISE, name: 'Enterprise Customers', helpCenterId: HC_A },
      ],
    });
  });

  it('answers 204 for a user in no group', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', `/api/v1/users/${CAROL}/groups`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
  });

  it('answers 404 RESOURCE_NOT_FOUND for an unknown user', async () => {
    const h = await useSandbox();
    const res = await h.api('GET', '/api/v1/users/999/groups');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errorCode: 'RESOURCE_NOT_FOUND' });
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

describe('sandbox dissociate (zoho-desk-v1)', () => {
  const path = (userId: string) => `/api/v1/users/${userId}/groups/dissociate`;

  it('removes the user from the listed groups and reports success per group', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path(ALICE_A), { body: { groupIds: [BETA] } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ results: [{ id: BETA, success: true }] });
    expect(await h.groupsOf(ALICE_A)).toEqual([ENTERPRISE]);
    expect(await h.groupsOf(BOB)).toEqual([BETA]);
  });

  it('reports success false for a group the user is not in or that does not exist', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path(ALICE_A), {
      body: { groupIds: [ENTERPRISE, RESELLERS, '404'] },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      results: [
        { id: ENTERPRISE, success: true },
        {
          id: RESELLERS,
          success: false,
          errorCode: 'RESOURCE_NOT_FOUND',
          message: expect.any(String),
        },
        { id: '404', success: false, errorCode: 'RESOURCE_NOT_FOUND', message: expect.any(String) },
      ],
    });
    expect(await h.groupsOf(ALICE_A)).toEqual([BETA]);
    expect(await h.groupsOf(ALICE_B)).toEqual([RESELLERS]);
  });

  it('answers 422 for empty or missing groupIds', async () => {
    const h = await useSandbox();
    for (const body of [{ groupIds: [] }, {}, { groupIds: 'x' }, [], 'null']) {
      const res = await h.api('POST', path(ALICE_A), { body });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errorCode: 'UNPROCESSABLE_ENTITY' });
    }
    const noBody = await h.api('POST', path(ALICE_A));
    expect(noBody.status).toBe(422);
  });

  it('answers 400 INVALID_DATA for malformed JSON', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path(ALICE_A), { body: '{"groupIds": [' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'INVALID_DATA' });
  });

  it('answers 404 for an unknown user', async () => {
    const h = await useSandbox();
    const res = await h.api('POST', path('999'), { body: { groupIds: [BETA] } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ errorCode: 'RESOURCE_NOT_FOUND' });
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

  it('answers 422 UNPROCESSABLE_ENTITY for an empty or missing userIds in both forms', async () => {
    const h = await useSandbox();
    for (const body of [{ userIds: [] }, {}, undefined]) {
      for (const [method, p] of [
        ['DELETE', deletePath(HC_A, BETA)],
        ['POST', postPath(BETA)],
      ] as const) {
        const res = await h.api(method, p, { body });
        expect(res.status).toBe(422);
        expect(await res.json()).toMatchObject({ errorCode: 'UNPROCESSABLE_ENTITY' });
      }
    }
    expect(await h.groupsOf(BOB)).toEqual([BETA]);
  });

  it('answers 404 for a group that is unknown or of another help center', async () => {
    const h = await useSandbox();
    const body = { userIds: [ALICE_A] };
    for (const [method, p] of [
      ['DELETE', deletePath(HC_B, BETA)],
      ['DELETE', deletePath('42', BETA)],
      ['POST', postPath('404')],
    ] as const) {
      const res = await h.api(method, p, { body });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ errorCode: 'RESOURCE_NOT_FOUND' });
    }
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
    expect((await h.api('DELETE', `/api/v1/groups/${BETA}`)).status).toBe(404);
  });
});
