import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_REQUESTS,
  assertAllowed,
  buildDialectProbe,
  buildDissociateUserGroups,
  buildFindUsersByEmail,
  buildListHelpCenterGroups,
  buildListUserGroups,
  buildRemoveUserFromHelpCenterGroups,
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
  contractOperation,
  type HelpCenterRequest,
  PREFLIGHT_REQUESTS,
  PROBE_ID,
} from '#core/adapters/zoho/request-builders.ts';
import { matchOperation, ZOHO_OPERATIONS } from '#core/contract/zoho-desk.ts';
import { PermanentError } from '#core/domain/errors.ts';

const HC = '7001000000000001';
const GROUP = '7001000000104001';
/** The request that deletes a group itself: nothing may ever build it. */
const DELETE_GROUP = /^\/api\/v1\/groups\/[^/]+\/?$/;

describe('preflight request builders', () => {
  it('builds the two dialect probes as GETs on the unpublished DELETE paths, naming id 0', () => {
    expect(buildDialectProbe('user-groups-delete', HC)).toEqual({
      operation: 'probe-user-groups-delete',
      method: 'GET',
      path: `/api/v1/helpcenter/${HC}/users/0/groups`,
    });
    expect(buildDialectProbe('group-users-delete', HC)).toEqual({
      operation: 'probe-group-users-delete',
      method: 'GET',
      path: `/api/v1/helpcenter/${HC}/groups/0/users`,
    });
    // Each addresses the path of its DELETE-only contract operation, with another method.
    for (const endpoint of ['user-groups-delete', 'group-users-delete'] as const) {
      const probe = buildDialectProbe(endpoint, HC);
      const contract = ZOHO_OPERATIONS[contractOperation(probe.operation)];
      expect(contract.method).toBe('DELETE');
      expect(matchOperation('DELETE', probe.path, { includeUnpublished: true })?.operation).toBe(
        contract,
      );
    }
  });

  it('builds the help center group list (getHelpCenterGroupList), paged', () => {
    expect(buildListHelpCenterGroups(HC, 51)).toEqual({
      operation: 'list-help-center-groups',
      method: 'GET',
      path: `/api/v1/groups?helpCenterId=${HC}&from=51&limit=50`,
    });
    expect(() => buildListHelpCenterGroups('../1')).toThrow(PermanentError);
  });

  it('allowlists preflight shapes as bodiless GETs only: any other method or a body is refused', () => {
    expect(PREFLIGHT_REQUESTS.every((s) => s.method === 'GET' && s.bodyIds === undefined)).toBe(
      true,
    );
    const probes = [
      buildDialectProbe('user-groups-delete', HC),
      buildDialectProbe('group-users-delete', HC),
      buildListHelpCenterGroups(HC),
    ];
    for (const probe of probes) {
      for (const method of ['DELETE', 'POST'] as const) {
        expect(() => assertAllowed({ ...probe, method })).toThrow(PermanentError);
      }
      expect(() => assertAllowed({ ...probe, body: JSON.stringify({ userIds: ['1'] }) })).toThrow(
        PermanentError,
      );
      // A dialect probe takes only id 0 in the user or group position: a real id is refused.
      if (probe.operation !== 'list-help-center-groups') {
        expect(probe.path).toContain(`/${PROBE_ID}/`);
        expect(() =>
          assertAllowed({ ...probe, path: probe.path.replace(`/${PROBE_ID}/`, `/${GROUP}/`) }),
        ).toThrow(PermanentError);
      }
      expect(() =>
        assertAllowed({ ...probe, path: `/api/v1/groups/${GROUP}`, method: 'DELETE' }),
      ).toThrow(PermanentError);
    }
    // The regular allowlist is unchanged: six shapes, none a preflight one.
    expect(ALLOWED_REQUESTS.some((s) => PREFLIGHT_REQUESTS.includes(s))).toBe(false);
  });

  it('no input builds the group-delete path, and every preflight request is a GET (property)', () => {
    const anyString = fc.oneof(
      fc.string(),
      fc.stringMatching(/^[0-9]{1,20}$/),
      fc.constantFrom('0', HC, GROUP, '..', '/', '%2F', '', `${GROUP}/`, '0/../..'),
      fc
        .array(fc.constantFrom('..', '/', GROUP, '%', 'users', 'groups', '?', '&', '0'), {
          maxLength: 6,
        })
        .map((parts) => parts.join('')),
    );
    const ids = fc.array(anyString, { maxLength: 3 });
    const builders: ((a: string, b: string, c: string[]) => HelpCenterRequest)[] = [
      (a) => buildDialectProbe('user-groups-delete', a),
      (a) => buildDialectProbe('group-users-delete', a),
      (a) => buildListHelpCenterGroups(a),
      (a, b) => buildFindUsersByEmail(a, b),
      (a, b) => buildListUserGroups(a, { helpCenterId: b }),
      (a, b) => buildRemoveUserFromHelpCenterGroups(a, b),
      (a, b, c) => buildDissociateUserGroups(a, b, c),
      (a, b, c) => buildRemoveUsersFromGroupInHelpCenter(a, b, c),
      (a, _b, c) => buildRemoveUsersFromGroup(a, c),
    ];
    const preflightBuilders = 3;
    let preflightBuilt = 0;
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
        if (which < preflightBuilders) {
          preflightBuilt += 1;
          expect(request.method).toBe('GET');
          expect(request.body).toBeUndefined();
        }
      }),
      { numRuns: 2000 },
    );
    expect(preflightBuilt).toBeGreaterThan(20);
  });
});
