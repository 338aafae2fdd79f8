import { describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { oktaEventsToRequests } from '#core/intake/okta/normalise.ts';
import { groupLeaveEvent, oktaLogEvent } from '../../../fixtures/okta-events.ts';

const HC = '7001000000000001';
const mapping = parseGroupMapping(
  JSON.stringify([{ idpGroupId: '00gPARTNERS000000001', helpCenterId: HC, groupId: '8001' }]),
);
const receivedAt = new Date('2026-11-20T09:15:02.000Z');
const deprovisionEventTypes = new Set([
  'user.lifecycle.deactivate',
  // Listing it must not turn a group leave into a full deprovision.
  'group.user_membership.remove',
]);

describe('Okta group.user_membership.remove', () => {
  it('becomes a group-level request for exactly the mapped membership', () => {
    const result = oktaEventsToRequests(
      [
        groupLeaveEvent({
          uuid: '33333333-aaaa-4bbb-8ccc-000000000001',
          groupId: '00gPARTNERS000000001',
          userId: '00uDANA0000000000001',
        }),
      ],
      { deprovisionEventTypes, groupMapping: mapping, receivedAt },
    );
    expect(result.requests).toEqual([
      {
        schemaVersion: 1,
        requestId: '33333333-aaaa-4bbb-8ccc-000000000001',
        source: 'okta-event-hook',
        subject: {
          idpUserId: '00uDANA0000000000001',
          login: '00uDANA0000000000001@example.org',
          email: '00udana0000000000001@example.org',
        },
        reason: 'group.user_membership.remove',
        occurredAt: '2026-11-20T09:15:00.000Z',
        receivedAt: receivedAt.toISOString(),
        scope: {
          kind: 'group',
          idpGroupId: '00gPARTNERS000000001',
          helpCenterId: HC,
          groupId: '8001',
        },
      },
    ]);
  });

  it('ignores an unmapped group, a missing mapping and a failed outcome', () => {
    const unmapped = groupLeaveEvent({
      uuid: '33333333-aaaa-4bbb-8ccc-000000000002',
      groupId: '00gEVERYONE000000001',
      userId: '00uDANA0000000000001',
    });
    const failed = {
      ...groupLeaveEvent({
        uuid: '33333333-aaaa-4bbb-8ccc-000000000003',
        groupId: '00gPARTNERS000000001',
        userId: '00uDANA0000000000001',
      }),
      outcome: { result: 'FAILURE', reason: null },
    };
    expect(
      oktaEventsToRequests([unmapped, failed], {
        deprovisionEventTypes,
        groupMapping: mapping,
        receivedAt,
      }),
    ).toEqual({ requests: [], ignored: 2, invalid: 0 });
    const mapped = groupLeaveEvent({
      uuid: '33333333-aaaa-4bbb-8ccc-000000000004',
      groupId: '00gPARTNERS000000001',
      userId: '00uDANA0000000000001',
    });
    expect(oktaEventsToRequests([mapped], { deprovisionEventTypes, receivedAt }).requests).toEqual(
      [],
    );
  });

  it('ignores an event naming several groups (never guesses which one)', () => {
    const event = oktaLogEvent({
      uuid: '33333333-aaaa-4bbb-8ccc-000000000005',
      eventType: 'group.user_membership.remove',
      targets: [
        { id: '00uDANA0000000000001', type: 'User' },
        { id: '00gPARTNERS000000001', type: 'UserGroup' },
        { id: '00gOTHER000000000001', type: 'UserGroup' },
      ],
    });
    expect(
      oktaEventsToRequests([event], { deprovisionEventTypes, groupMapping: mapping, receivedAt })
        .requests,
    ).toEqual([]);
  });
});
