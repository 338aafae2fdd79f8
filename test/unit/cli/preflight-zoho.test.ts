import { describe, expect, it } from 'vitest';
import type { HelpCenterRequest } from '#core/adapters/zoho/request-builders.ts';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { assertMappedGroupsExist } from '#core/config/group-mapping-check.ts';
import { ConfigError } from '#core/domain/errors.ts';
import type { HelpCenterGroup } from '#core/ports/help-center.ts';
import {
  dialectCheck,
  groupMappingChecks,
  type ProbeClient,
  scopeChecks,
} from '../../../cli/commands/preflight-zoho.ts';

const HC = '7001000000000001';
type Answer = { status: number; errorCode?: string };

/** A client answering by operation, recording every request it was asked to send. */
function client(
  answers: Partial<Record<HelpCenterRequest['operation'], Answer>>,
  groups: HelpCenterGroup[] = [],
) {
  const sent: HelpCenterRequest[] = [];
  const fake: ProbeClient = {
    inspect: async (request) => {
      sent.push(request);
      return answers[request.operation] ?? { status: 200 };
    },
    listHelpCenterGroups: async (helpCenterId) =>
      groups.filter((g) => g.helpCenterId === helpCenterId),
  };
  return { fake, sent };
}

const NOT_FOUND = { status: 404, errorCode: 'URL_NOT_FOUND' };
const NOT_ALLOWED = { status: 405, errorCode: 'METHOD_NOT_ALLOWED' };

describe('preflight dialect detection', () => {
  it.each([
    [NOT_ALLOWED, NOT_ALLOWED, 'user-groups-delete', true],
    [{ status: 404, errorCode: 'RESOURCE_NOT_FOUND' }, { status: 422 }, 'user-groups-delete', true],
    [NOT_FOUND, NOT_FOUND, 'zoho-desk-v1', false],
    [NOT_ALLOWED, NOT_FOUND, 'zoho-desk-v1', false],
  ] as const)('user %o, group %o → the org serves %s', async (user, group, served, ok) => {
    const { fake, sent } = client({
      'probe-user-groups-delete': user,
      'probe-group-users-delete': group,
    });
    const r = await dialectCheck(fake, 'user-groups-delete', HC);
    expect(r.finding.served).toBe(served);
    expect(r.check.ok).toBe(ok);
    if (!ok) expect(r.check.fix).toBe("set HELPCENTER_API=zoho-desk-v1 (Zoho's published API)");
    // Only the two GET probes were sent.
    expect(sent.map((q) => q.operation)).toEqual([
      'probe-user-groups-delete',
      'probe-group-users-delete',
    ]);
    expect(sent.map((q) => q.method)).toEqual(['GET', 'GET']);
  });

  it.each([
    [{ status: 401, errorCode: 'INVALID_OAUTH' }, /token was refused/],
    [{ status: 503 }, /unavailable or throttling/],
    [{ status: 429, errorCode: 'TOO_MANY_REQUESTS' }, /unavailable or throttling/],
  ])('cannot tell on %o, and fails with the fix', async (answer, fix) => {
    const { fake } = client({ 'probe-user-groups-delete': answer });
    const r = await dialectCheck(fake, 'zoho-desk-v1', HC);
    expect(r.finding.served).toBeUndefined();
    expect(r.check).toMatchObject({ ok: false, fix: expect.stringMatching(fix) });
  });

  it('passes zoho-desk-v1 on an org serving only the published endpoints', async () => {
    const { fake } = client({
      'probe-user-groups-delete': NOT_FOUND,
      'probe-group-users-delete': NOT_FOUND,
    });
    expect((await dialectCheck(fake, 'zoho-desk-v1', HC)).check.ok).toBe(true);
  });
});

describe('preflight scope checks', () => {
  const served = { configured: 'user-groups-delete', served: 'user-groups-delete' } as const;

  it('sends a write probe only after the read showed user 0 is nobody, and only for id 0', async () => {
    const { fake, sent } = client({
      'list-user-groups': { status: 422, errorCode: 'INVALID_DATA' },
      'remove-user-from-help-center-groups': { status: 403, errorCode: 'SCOPE_MISMATCH' },
    });
    const checks = await scopeChecks(fake, served, HC, { mapped: false, portalAccess: false });
    expect(checks.map((c) => c.ok)).toEqual([true, true, false, true]);
    expect(checks[2]?.fix).toMatch(/^add the scope Desk\.settings\.DELETE/);
    const writes = sent.filter((q) => q.method !== 'GET');
    expect(writes.map((q) => q.path)).toEqual([
      `/api/v1/helpcenter/${HC}/users/0/groups`,
      `/api/v1/helpcenter/${HC}/groups/0/users`,
    ]);
    expect(writes[1]?.body).toBe('{"userIds":["0"]}');
  });

  it('sends no write at all when user 0 turns out to exist (or the read fails)', async () => {
    for (const answer of [{ status: 200 }, { status: 403, errorCode: 'SCOPE_MISMATCH' }]) {
      const { fake, sent } = client({ 'list-user-groups': answer });
      const checks = await scopeChecks(fake, served, HC, { mapped: false, portalAccess: false });
      expect(sent.filter((q) => q.method !== 'GET')).toEqual([]);
      expect(sent.length).toBeGreaterThan(0);
      // Both write checks are reported, failed and "not checked" (an empty list is not enough).
      expect(checks.slice(2).map((c) => [c.ok, c.detail.startsWith('not checked')])).toEqual([
        [false, true],
        [false, true],
      ]);
    }
  });

  it('does not probe unpublished endpoints the org does not serve', async () => {
    const { fake, sent } = client({ 'list-user-groups': { status: 422 } });
    const checks = await scopeChecks(
      fake,
      { configured: 'user-groups-delete', served: 'zoho-desk-v1' },
      HC,
      { mapped: false, portalAccess: false },
    );
    expect(sent.every((q) => q.method === 'GET')).toBe(true);
    expect(checks[2]).toMatchObject({ ok: false, fix: 'set HELPCENTER_API=zoho-desk-v1' });
  });

  it('checks the zoho-desk-v1 writes, and the group list when a mapping is set', async () => {
    const { fake } = client({ 'list-user-groups': { status: 422 } });
    const checks = await scopeChecks(
      fake,
      { configured: 'zoho-desk-v1', served: 'zoho-desk-v1' },
      HC,
      { mapped: true, portalAccess: false },
    );
    expect(checks.map((c) => c.check.split(' (')[0])).toEqual([
      'scope for lookup',
      'scope for group listing',
      'scope for dissociate',
      'scope for group-centric remove',
      'scope for help center groups',
    ]);
    expect(checks.every((c) => c.ok)).toBe(true);
  });

  it('checks the portal access requests after the dialect reads when REMOVE_PORTAL_ACCESS is on', async () => {
    const { fake, sent } = client({
      'list-user-groups': { status: 422 },
      'remove-portal-user': { status: 403, errorCode: 'SCOPE_MISMATCH' },
      'get-user-details': { status: 404 },
    });
    const checks = await scopeChecks(
      fake,
      { configured: 'zoho-desk-v1', served: 'zoho-desk-v1' },
      HC,
      { mapped: false, portalAccess: true },
    );
    expect(checks.map((c) => c.check.split(' (')[0])).toEqual([
      'scope for lookup',
      'scope for group listing',
      'scope for dissociate',
      'scope for group-centric remove',
      'scope for portal removeUser',
      'scope for user details',
    ]);
    const portal = sent.find((q) => q.operation === 'remove-portal-user');
    expect(portal).toMatchObject({ method: 'POST', path: '/api/v1/portalUsers/0/removeUser' });
    expect(checks[4]).toMatchObject({ ok: false });
    expect(checks[4]?.fix).toContain('Desk.settings.DELETE');
    expect(checks[5]?.ok).toBe(true);
  });
});

describe('group mapping check', () => {
  const mapping = parseGroupMapping(
    JSON.stringify([
      { idpGroupId: 'okta-a', helpCenterId: HC, groupId: '11', name: 'A' },
      { idpGroupId: 'okta-b', helpCenterId: HC, groupId: '12' },
    ]),
  );
  const groups = [{ id: '11', helpCenterId: HC, name: 'Group A' }];

  it('one line per entry; the unknown group fails naming the entry', async () => {
    const { fake } = client({}, groups);
    const checks = await groupMappingChecks(fake, mapping);
    expect(checks).toEqual([
      {
        check: `group mapping okta-a (A) → help center ${HC}, group 11`,
        ok: true,
        detail: 'exists (Group A)',
      },
      {
        check: `group mapping okta-b → help center ${HC}, group 12`,
        ok: false,
        detail: `no group 12 in help center ${HC}`,
        fix: expect.stringMatching(/correct the groupId of okta-b in GROUP_MAPPING/),
      },
    ]);
  });

  it('at start: a ConfigError naming only the unknown entry', async () => {
    const { fake } = client({}, groups);
    const error = await assertMappedGroupsExist(mapping, fake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /GROUP_MAPPING: okta-b → help center .*, group 12: no group 12/,
    );
    expect((error as ConfigError).message).not.toMatch(/okta-a/);
    await expect(
      assertMappedGroupsExist(
        mapping,
        client({}, [...groups, { id: '12', helpCenterId: HC }]).fake,
      ),
    ).resolves.toBeUndefined();
  });
});
