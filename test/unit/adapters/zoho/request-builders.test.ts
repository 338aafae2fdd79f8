import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_REQUESTS,
  assertAllowed,
  buildDissociateUserGroups,
  buildFindUsersByEmail,
  buildGetUserDetails,
  buildListUserGroups,
  buildRemovePortalUser,
  buildRemoveUserFromHelpCenterGroups,
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
  type HelpCenterRequest,
} from '#core/adapters/zoho/request-builders.ts';
import { PermanentError } from '#core/domain/errors.ts';

const HC = '7001000000000001';
const USER = '7001000000118001';
const GROUP = '7001000000104001';

/** The request that deletes a group itself: nothing may ever build it. */
const DELETE_GROUP = /^\/api\/v1\/groups\/[^/]+\/?$/;

describe('Help Center request builders', () => {
  it('builds the user-centric DELETE of the user-groups-delete dialect', () => {
    expect(buildRemoveUserFromHelpCenterGroups(HC, USER)).toEqual({
      operation: 'remove-user-from-help-center-groups',
      method: 'DELETE',
      path: `/api/v1/helpcenter/${HC}/users/${USER}/groups`,
    });
  });

  it('builds the zoho-desk-v1 list (paged, 1-based, limit 50) and dissociate requests', () => {
    expect(buildListUserGroups(USER)).toMatchObject({
      method: 'GET',
      path: `/api/v1/users/${USER}/groups?from=1&limit=50`,
    });
    expect(buildListUserGroups(USER, { helpCenterId: HC, from: 51 }).path).toBe(
      `/api/v1/users/${USER}/groups?helpCenterId=${HC}&from=51&limit=50`,
    );
    const dissociate = buildDissociateUserGroups(USER, HC, [GROUP, '7001000000104003', GROUP]);
    expect(dissociate).toMatchObject({
      method: 'POST',
      path: `/api/v1/users/${USER}/groups/dissociate?helpCenterId=${HC}`,
    });
    expect(JSON.parse(dissociate.body ?? '')).toEqual({
      groupIds: [GROUP, '7001000000104003'],
    });
  });

  it('builds both group-centric removals with a non-empty user list', () => {
    const inHelpCenter = buildRemoveUsersFromGroupInHelpCenter(HC, GROUP, [USER]);
    expect(inHelpCenter).toMatchObject({
      method: 'DELETE',
      path: `/api/v1/helpcenter/${HC}/groups/${GROUP}/users`,
    });
    expect(JSON.parse(inHelpCenter.body ?? '')).toEqual({ userIds: [USER] });
    const remove = buildRemoveUsersFromGroup(GROUP, [USER]);
    expect(remove).toMatchObject({ method: 'POST', path: `/api/v1/groups/${GROUP}/users/remove` });
    expect(JSON.parse(remove.body ?? '')).toEqual({ userIds: [USER] });
  });

  it('builds the portal access removal (removePortalUser) and its verify read (getUserDetails)', () => {
    expect(buildRemovePortalUser(USER)).toEqual({
      operation: 'remove-portal-user',
      method: 'POST',
      path: `/api/v1/portalUsers/${USER}/removeUser`,
    });
    expect(buildGetUserDetails(USER, HC)).toEqual({
      operation: 'get-user-details',
      method: 'GET',
      path: `/api/v1/users/${USER}?helpCenterId=${HC}`,
    });
  });

  it('builds only POST /api/v1/portalUsers/{id}/removeUser with the portal builder, whatever the input (property)', () => {
    const input = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.constantFrom('..', '/', '%2F', GROUP, `${GROUP}/`, `../groups/${GROUP}`, ''),
    );
    let built = 0;
    fc.assert(
      fc.property(input, (userId) => {
        let request: HelpCenterRequest;
        try {
          request = buildRemovePortalUser(userId);
        } catch (error) {
          expect(error).toBeInstanceOf(PermanentError);
          return;
        }
        built += 1;
        expect(request.method).toBe('POST');
        expect(request.body).toBeUndefined();
        expect(request.path).toBe(`/api/v1/portalUsers/${userId}/removeUser`);
        expect(request.path).toMatch(/^\/api\/v1\/portalUsers\/[0-9]{1,19}\/removeUser$/);
      }),
      { numRuns: 1000 },
    );
    // A builder that always threw would pass the property: about a third of the inputs are int64
    // digit ids (1-19 digits) and must build.
    expect(built).toBeGreaterThan(200);
    // The allowlist entry accepts nothing else under that operation name.
    for (const [method, path] of [
      ['DELETE', `/api/v1/groups/${GROUP}`],
      ['DELETE', `/api/v1/portalUsers/${USER}/removeUser`],
      ['POST', `/api/v1/portalUsers/${USER}/removeUser?x=1`],
      ['POST', `/api/v1/portalUsers/${USER}`],
    ] as const) {
      expect(() => assertAllowed({ operation: 'remove-portal-user', method, path })).toThrow(
        PermanentError,
      );
    }
    expect(() =>
      assertAllowed({
        operation: 'remove-portal-user',
        method: 'POST',
        path: `/api/v1/portalUsers/${USER}/removeUser`,
        body: '{"userIds":["1"]}',
      }),
    ).toThrow(PermanentError);
  });

  it('refuses an empty user or group list', () => {
    expect(() => buildRemoveUsersFromGroup(GROUP, [])).toThrow(PermanentError);
    expect(() => buildRemoveUsersFromGroupInHelpCenter(HC, GROUP, [])).toThrow(PermanentError);
    expect(() => buildDissociateUserGroups(USER, HC, [])).toThrow(PermanentError);
  });

  it('encodes the email of a lookup as one query value, per help center, with a 1-based page', () => {
    expect(buildFindUsersByEmail('  A.Person+tag@Example.com ', HC).path).toBe(
      `/api/v1/users?searchBy=A.Person%2Btag%40Example.com&helpCenterId=${HC}&status=ALL&from=1&limit=50`,
    );
    expect(buildFindUsersByEmail('x&y=1/../groups@example.com', HC, 201).path).toBe(
      `/api/v1/users?searchBy=x%26y%3D1%2F..%2Fgroups%40example.com&helpCenterId=${HC}&status=ALL&from=201&limit=50`,
    );
  });

  it.each([0, -1, 1.5, 100_000, Number.NaN])('refuses a lookup page index of %s', (from) => {
    expect(() => buildFindUsersByEmail('a@example.com', HC, from)).toThrow(/page index/);
    expect(() => buildListUserGroups(USER, { from })).toThrow(/page index/);
  });

  it('refuses an address with characters the spec does not allow in searchBy', () => {
    expect(() => buildFindUsersByEmail('a#b@example.com', HC)).toThrow(PermanentError);
    expect(() => buildFindUsersByEmail('a%b@example.com', HC)).toThrow(PermanentError);
  });

  it.each([
    ['empty', ''],
    ['a slash', `${USER}/../../groups/${GROUP}`],
    ['a dot-dot', '..'],
    ['a percent escape', '%2e%2e'],
    ['a space', '70 01'],
    ['a query', `${USER}?x=1`],
    ['unicode', 'ü1'],
    ['letters (Zoho ids are int64 digits)', 'abc123'],
    ['twenty digits', '12345678901234567890'],
  ])('rejects an id with %s', (_what, id) => {
    expect(() => buildRemoveUserFromHelpCenterGroups(HC, id)).toThrow(PermanentError);
    expect(() => buildRemoveUserFromHelpCenterGroups(id, USER)).toThrow(PermanentError);
    expect(() => buildListUserGroups(id)).toThrow(PermanentError);
    expect(() => buildListUserGroups(USER, { helpCenterId: id })).toThrow(PermanentError);
    expect(() => buildFindUsersByEmail('a@example.com', id)).toThrow(PermanentError);
    expect(() => buildDissociateUserGroups(USER, HC, [id])).toThrow(PermanentError);
    expect(() => buildDissociateUserGroups(USER, id, [GROUP])).toThrow(PermanentError);
    expect(() => buildRemoveUsersFromGroup(id, [USER])).toThrow(PermanentError);
    expect(() => buildRemoveUsersFromGroupInHelpCenter(HC, id, [USER])).toThrow(PermanentError);
  });

  it.each(['', '   ', 'no-at-sign', 'a@b\nc', 'tab\t@example.com'])(
    'rejects the lookup email %j',
    (email) => {
      expect(() => buildFindUsersByEmail(email, HC)).toThrow(PermanentError);
    },
  );

  it('refuses to send a request outside the allowlist, including DELETE of a group', () => {
    const forged: HelpCenterRequest[] = [
      {
        operation: 'remove-users-from-group',
        method: 'DELETE',
        path: `/api/v1/groups/${GROUP}`,
      },
      {
        operation: 'remove-user-from-help-center-groups',
        method: 'DELETE',
        path: `/api/v1/helpcenter/${HC}/users/${USER}/groups/../../../groups/${GROUP}`,
      },
      {
        operation: 'remove-users-from-group',
        method: 'POST',
        path: `/api/v1/groups/${GROUP}/users/remove`,
        body: '{"userIds":[]}',
      },
      {
        operation: 'dissociate-user-groups',
        method: 'POST',
        path: `/api/v1/users/${USER}/groups/dissociate?helpCenterId=${HC}`,
        body: '{"groupIds":["1"],"deleteGroups":true}',
      },
      {
        operation: 'find-users-by-email',
        method: 'GET',
        path: `/api/v1/users?searchBy=a%40b.c&helpCenterId=${HC}&status=ALL&from=0&limit=50`,
      },
      {
        operation: 'find-users-by-email',
        method: 'GET',
        path: `/api/v1/users?searchBy=a%40b.c&helpCenterId=${HC}&status=ALL&from=1&limit=100`,
      },
      {
        operation: 'dissociate-user-groups',
        method: 'POST',
        path: `/api/v1/users/${USER}/groups/dissociate`,
        body: `{"groupIds":["${GROUP}"]}`,
      },
      {
        operation: 'list-user-groups',
        method: 'DELETE',
        path: `/api/v1/users/${USER}/groups?from=1&limit=50`,
      },
    ];
    for (const request of forged) {
      expect(() => assertAllowed(request)).toThrow(PermanentError);
    }
  });

  it('never builds a request outside the allowlist, whatever the input (property)', () => {
    const anyString = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
      fc.emailAddress(),
      fc.constantFrom('..', '.', '/', '%2F', '%2e%2e', '', ' ', '?', '#', GROUP, `${GROUP}/`),
      fc
        .array(fc.constantFrom('..', '/', GROUP, '%', 'users', 'groups', '?', '&'), {
          maxLength: 6,
        })
        .map((parts) => parts.join('')),
    );
    const ids = fc.array(anyString, { maxLength: 4 });
    const builders: ((a: string, b: string, c: string[]) => HelpCenterRequest)[] = [
      (a, b) => buildFindUsersByEmail(a, b),
      (a, b) => buildListUserGroups(a, { helpCenterId: b }),
      (a, b) => buildRemoveUserFromHelpCenterGroups(a, b),
      (a, b, c) => buildDissociateUserGroups(a, b, c),
      (a, b, c) => buildRemoveUsersFromGroupInHelpCenter(a, b, c),
      (a, _b, c) => buildRemoveUsersFromGroup(a, c),
      (a) => buildRemovePortalUser(a),
      (a, b) => buildGetUserDetails(a, b),
    ];
    fc.assert(
      fc.property(fc.nat(builders.length - 1), anyString, anyString, ids, (which, a, b, c) => {
        let request: HelpCenterRequest;
        try {
          request = builders[which]!(a, b, c);
        } catch (error) {
          expect(error).toBeInstanceOf(PermanentError);
          return;
        }
        expect(assertAllowed(request)).toBe(request);
        expect(request.method === 'DELETE' && DELETE_GROUP.test(request.path)).toBe(false);
        const pathOnly = request.path.split('?')[0] ?? '';
        expect(pathOnly.split('/')).not.toContain('..');
        expect(pathOnly).not.toMatch(/%|\/\/|\/\.\//);
      }),
      { numRuns: 2000 },
    );
  });

  it('allowlists exactly eight request shapes, none of them a group deletion', () => {
    expect(ALLOWED_REQUESTS).toHaveLength(8);
    for (const { operation } of ALLOWED_REQUESTS) {
      expect(() =>
        assertAllowed({ operation, method: 'DELETE', path: `/api/v1/groups/${GROUP}` }),
      ).toThrow(PermanentError);
    }
  });
});
