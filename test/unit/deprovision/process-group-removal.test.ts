import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
} from '#core/adapters/zoho/request-builders.ts';
import { type GroupMapping, parseGroupMapping } from '#core/config/group-mapping.ts';
import { processDeprovision } from '#core/deprovision/process-deprovision.ts';
import type { DeprovisionRequest, GroupScope } from '#core/domain/deprovision-request.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { processDeps } from '../../helpers/process-deps.ts';

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const NOW = new Date('2026-11-20T10:00:00.000Z');
const clock = { now: () => NOW };
const PARTNERS = { idpGroupId: '00gPARTNERS', helpCenterId: HC1, groupId: '8001' };
const mapping = parseGroupMapping(
  JSON.stringify([PARTNERS, { idpGroupId: '00gBETA', helpCenterId: HC2, groupId: '8003' }]),
);

function request(
  scope: GroupScope,
  overrides: Partial<DeprovisionRequest> = {},
): DeprovisionRequest {
  return {
    schemaVersion: 1,
    requestId: 'req-g1',
    source: 'okta-event-hook',
    subject: { idpUserId: '00uALICE', email: 'alice@example.com' },
    reason: 'group.user_membership.remove',
    occurredAt: '2026-11-20T09:59:00.000Z',
    receivedAt: '2026-11-20T09:59:01.000Z',
    scope,
    ...overrides,
  };
}

function setup(options: { groupMapping?: GroupMapping; verifyAfterRemove?: boolean } = {}) {
  const helpCenter = new InMemoryHelpCenter(
    [
      { id: '1001', email: 'alice@example.com', helpCenterId: HC1, groupIds: ['8001', '8002'] },
      { id: '2001', email: 'alice@example.com', helpCenterId: HC2, groupIds: ['8003'] },
    ],
    [
      { id: '8001', helpCenterId: HC1 },
      { id: '8002', helpCenterId: HC1 },
      { id: '8003', helpCenterId: HC2 },
    ],
  );
  const deadLetters = new InMemoryDeadLetterQueue();
  const deps = processDeps({
    helpCenter,
    deadLetters,
    clock,
    verifyAfterRemove: options.verifyAfterRemove ?? false,
    groupMapping: options.groupMapping ?? mapping,
  });
  return { deps, helpCenter, deadLetters };
}

const delivery = { messageId: 'msg-1', receiveCount: 1 };
const groupsOf = (hc: InMemoryHelpCenter, id: string) =>
  hc.users.find((u) => u.id === id)?.groupIds;

describe('processDeprovision with a group-level request', () => {
  it('removes exactly the mapped membership with the group-centric call, other groups kept', async () => {
    const { deps, helpCenter, deadLetters } = setup({ verifyAfterRemove: true });
    const outcome = await processDeprovision(
      deps,
      request({ kind: 'group', ...PARTNERS }),
      delivery,
    );
    expect(outcome).toMatchObject({
      kind: 'removed',
      removals: [{ helpCenterId: HC1, userId: '1001', outcome: 'removed', groupIds: ['8001'] }],
    });
    expect(groupsOf(helpCenter, '1001')).toEqual(['8002']);
    expect(groupsOf(helpCenter, '2001')).toEqual(['8003']);
    expect(helpCenter.calls.filter((c) => c.startsWith('remove'))).toEqual([
      `remove-from-group ${HC1} 8001 1001`,
    ]);
    expect(deadLetters.records).toHaveLength(0);
  });

  it('is a no-op when the person has no Help Center user in the mapped help center', async () => {
    const { deps, helpCenter } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ kind: 'group', ...PARTNERS }, { subject: { email: 'nobody@example.com' } }),
      delivery,
    );
    expect(outcome.kind).toBe('no-op');
    expect(helpCenter.calls.some((c) => c.startsWith('remove'))).toBe(false);
  });

  it('dead-letters (config) a scope that is not exactly in the mapping, removing nothing', async () => {
    for (const scope of [
      { kind: 'group' as const, ...PARTNERS, groupId: '8002' },
      { kind: 'group' as const, ...PARTNERS, idpGroupId: '00gUNMAPPED' },
      { kind: 'group' as const, ...PARTNERS, helpCenterId: HC2 },
    ]) {
      const { deps, helpCenter, deadLetters } = setup();
      const outcome = await processDeprovision(deps, request(scope), delivery);
      expect(outcome).toMatchObject({
        kind: 'dead-lettered',
        failure: { kind: 'config', errorCode: 'GROUP_NOT_MAPPED' },
      });
      expect(deadLetters.records).toHaveLength(1);
      expect(helpCenter.calls.some((c) => c.startsWith('remove'))).toBe(false);
      expect(groupsOf(helpCenter, '1001')).toEqual(['8001', '8002']);
    }
  });

  it('dead-letters (config) a mapped group whose help center the request narrows away', async () => {
    const { deps, helpCenter } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ kind: 'group', ...PARTNERS }, { helpCenterIds: [HC2] }),
      delivery,
    );
    expect(outcome).toMatchObject({
      kind: 'dead-lettered',
      failure: { kind: 'config', errorCode: 'HELPCENTER_NOT_CONFIGURED' },
    });
    expect(helpCenter.calls.some((c) => c.startsWith('remove'))).toBe(false);
  });
});

describe('group-level safety properties (fast-check)', () => {
  const GROUP_DELETE = /^\/api\/v1\/(helpcenter\/[^/]+\/)?groups\/[^/]+\/?$/;
  const id = fc.oneof(
    fc.constantFrom('8001', '8002', '8003', HC1, HC2, '', '0', '../8001', '8001/users'),
    fc.stringMatching(/^[0-9]{1,19}$/),
    fc.string(),
  );

  const entries = [...mapping.values()].map(({ idpGroupId, helpCenterId, groupId }) => ({
    idpGroupId,
    helpCenterId,
    groupId,
  }));
  // Mapped scopes, mapped scopes with one field changed, and arbitrary ones.
  const scopes = fc.oneof(
    fc.constantFrom(...entries),
    fc
      .tuple(
        fc.constantFrom(...entries),
        fc.constantFrom('idpGroupId', 'helpCenterId', 'groupId'),
        id,
      )
      .map(([e, key, value]) => ({ ...e, [key]: value })),
    fc.record({
      idpGroupId: fc.oneof(fc.constantFrom('00gPARTNERS', '00gBETA', '00gOTHER'), fc.string()),
      helpCenterId: fc.oneof(fc.constantFrom(HC1, HC2, '7009'), id),
      groupId: id,
    }),
  );

  it('a group-level request never removes a membership outside the mapping', async () => {
    await fc.assert(
      fc.asyncProperty(scopes, async (scope) => {
        const { deps, helpCenter } = setup();
        const valid = request({ kind: 'group', ...scope });
        await processDeprovision(deps, valid, delivery);
        const removed = helpCenter.calls.filter((c) => c.startsWith('remove'));
        for (const call of removed) {
          const [, hc, group, users] = call.split(' ');
          const entry = [...mapping.values()].find(
            (e) => e.helpCenterId === hc && e.groupId === group,
          );
          expect(entry?.idpGroupId).toBe(scope.idpGroupId);
          expect(users?.length ?? 0).toBeGreaterThan(0);
        }
        // Memberships outside the mapped target are untouched.
        const mappedTarget = mapping.get(scope.idpGroupId);
        for (const user of helpCenter.users) {
          const before = user.id === '1001' ? ['8001', '8002'] : ['8003'];
          const expected = before.filter(
            (g) =>
              !(
                mappedTarget &&
                mappedTarget.helpCenterId === scope.helpCenterId &&
                mappedTarget.groupId === scope.groupId &&
                user.helpCenterId === scope.helpCenterId &&
                g === scope.groupId
              ),
          );
          expect(user.groupIds).toEqual(expected);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('no input makes the group-centric builders produce the group-delete path or an empty userIds', () => {
    // Valid inputs (Zoho ids, 1–100 user ids) weighted up, so many runs build a request and the
    // property is checked on real output, not only on refusals; arbitrary ones cover the rest.
    const zohoId = fc.stringMatching(/^[0-9]{1,19}$/);
    const anyId = fc.oneof({ weight: 2, arbitrary: zohoId }, { weight: 1, arbitrary: id });
    const userIdLists = fc.oneof(
      { weight: 2, arbitrary: fc.array(zohoId, { minLength: 1, maxLength: 100 }) },
      { weight: 1, arbitrary: fc.array(id, { maxLength: 120 }) },
    );
    const RUNS = 1000;
    const builtCount = { inHelpCenter: 0, v1: 0 };
    fc.assert(
      fc.property(anyId, anyId, userIdLists, (hc, group, userIds) => {
        for (const [name, build] of [
          ['inHelpCenter', () => buildRemoveUsersFromGroupInHelpCenter(hc, group, userIds)],
          ['v1', () => buildRemoveUsersFromGroup(group, userIds)],
        ] as const) {
          let built: ReturnType<typeof build> | undefined;
          try {
            built = build();
          } catch {
            continue;
          }
          builtCount[name] += 1;
          expect(GROUP_DELETE.test(built.path)).toBe(false);
          expect(built.path).toMatch(/\/groups\/[0-9]{1,19}\/users(\/remove)?$/);
          const body = JSON.parse(built.body ?? '{}') as { userIds?: unknown[] };
          expect(body.userIds?.length ?? 0).toBeGreaterThan(0);
          expect(body.userIds?.length ?? 0).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: RUNS },
    );
    // A quarter of the runs at least built a request with each builder.
    expect(builtCount.inHelpCenter).toBeGreaterThanOrEqual(RUNS / 4);
    expect(builtCount.v1).toBeGreaterThanOrEqual(RUNS / 4);
  });
});
