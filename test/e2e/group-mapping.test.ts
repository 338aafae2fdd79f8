import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oktaDelivery, oktaLogEvent } from '../fixtures/okta-events.ts';
import {
  killGroup,
  type Running,
  runToExit,
  sandboxState,
  startService,
  until,
} from './service.ts';

/**
 * Group mapping and app scoping through `npm start`: leaving a mapped Okta group removes exactly
 * that Help Center membership; an unmapped group, or unassignment from another app, changes
 * nothing; unassignment from the Zoho Desk app removes everything. Payloads follow Okta's
 * documented LogEvent shapes (targets `User` + `UserGroup`; `AppUser` + `AppInstance` + `User`).
 */

const HC2 = '7001000000000002';
const ALICE_HC1 = '7001000000118001';
const ALICE_HC2 = '7001000000218001';
const BOB = '7001000000118002';
const DAVE = '7001000000218004';
const JOHN = '7001000000118005';
const PARTNER_RESELLERS = '7001000000204001';
const PARTNERS_OKTA_GROUP = '00gPARTNERS0000000001';
const ZOHO_APP = '0oaZOHODESK000000001';
const WORKDAY_APP = '0oaWORKDAY0000000001';
const GROUP_MAPPING = JSON.stringify([
  {
    idpGroupId: PARTNERS_OKTA_GROUP,
    helpCenterId: HC2,
    groupId: PARTNER_RESELLERS,
    name: 'Partners',
  },
]);

const user = (id: string, email: string) => ({ id, type: 'User', alternateId: email });

function groupLeave(uuid: string, groupId: string, userId: string, email: string) {
  return oktaLogEvent({
    uuid,
    eventType: 'group.user_membership.remove',
    targets: [
      user(userId, email),
      { id: groupId, type: 'UserGroup', alternateId: 'unknown', displayName: 'Partners' },
    ],
  });
}

function appUnassign(uuid: string, appId: string, userId: string, email: string) {
  return oktaLogEvent({
    uuid,
    eventType: 'application.user_membership.remove',
    targets: [
      { id: `0ua${uuid}`, type: 'AppUser', alternateId: email },
      { id: appId, type: 'AppInstance', alternateId: 'App' },
      user(userId, email),
    ],
  });
}

async function okta(running: Running, events: unknown[]): Promise<number> {
  const res = await fetch(`${running.url}/webhooks/okta`, {
    method: 'POST',
    headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
    body: JSON.stringify(oktaDelivery(events, `delivery-${Math.random()}`)),
  });
  return res.status;
}

async function groupsOf(running: Running, userId: string): Promise<string[]> {
  const state = await sandboxState(running.sandboxUrl);
  return state.users.find((u) => u.id === userId)?.groupIds ?? [];
}

/**
 * Waits until the worker has done everything sent so far: a marker deprovision of John, sent
 * after, has finished (the worker runs), and then the local queue holds nothing, queued, waiting
 * for a redelivery or in flight (`/healthz` queueDepth; it runs up to 100 messages at once, so the
 * marker finishing alone does not prove the others did).
 */
async function drainWithMarker(running: Running, uuid: string): Promise<void> {
  expect(
    await okta(running, [
      oktaLogEvent({
        uuid,
        eventType: 'user.lifecycle.deactivate',
        targets: [user('00uJOHN0000000000001', 'john.doe@example.com')],
      }),
    ]),
  ).toBe(200);
  await until('the marker deprovision of John', async () =>
    (await groupsOf(running, JOHN)).length === 0 ? true : undefined,
  );
  await until('the work queue to be idle', async () => {
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      queueDepth: number | null;
    };
    return health.queueDepth === 0 ? true : undefined;
  });
}

/** The Help Center changes (non-GET `/api/` calls) the sandbox has seen so far. */
async function changes(running: Running): Promise<Array<{ method: string; path: string }>> {
  const { calls } = await sandboxState(running.sandboxUrl);
  return calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'));
}

const GROUP_DELETE = /^\/api\/v1\/(helpcenter\/\d+\/)?groups\/\d+$/;

describe.each([
  {
    dialect: 'user-groups-delete',
    call: { method: 'DELETE', path: `/api/v1/helpcenter/${HC2}/groups/${PARTNER_RESELLERS}/users` },
  },
  {
    dialect: 'zoho-desk-v1',
    call: { method: 'POST', path: `/api/v1/groups/${PARTNER_RESELLERS}/users/remove` },
  },
])('group mapping and app scoping through npm start ($dialect)', ({ dialect, call }) => {
  let running: Running;

  beforeAll(async () => {
    running = await startService({
      HELPCENTER_API: dialect,
      GROUP_MAPPING,
      OKTA_ZOHO_APP_INSTANCE_IDS: ZOHO_APP,
      // Listing the types must not widen them: group leaves stay group-level, apps stay scoped.
      OKTA_DEPROVISION_EVENT_TYPES:
        'user.lifecycle.deactivate,group.user_membership.remove,application.user_membership.remove',
    });
  }, 40_000);

  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
  });

  it('shows the mapping in the start-up banner', () => {
    expect(running.output()).toMatch(
      new RegExp(
        `Group mapping\\s+${PARTNERS_OKTA_GROUP} \\(Partners\\) → help center ${HC2}, group ${PARTNER_RESELLERS}`,
      ),
    );
  });

  it('leaving a mapped Okta group removes exactly that Help Center membership', async () => {
    expect(await groupsOf(running, ALICE_HC2)).toEqual([PARTNER_RESELLERS]);
    expect(
      await okta(running, [
        groupLeave('g-1', PARTNERS_OKTA_GROUP, '00uALICE000000000001', 'alice@example.com'),
      ]),
    ).toBe(200);
    await until('Alice to leave Partner Resellers', async () =>
      (await groupsOf(running, ALICE_HC2)).length === 0 ? true : undefined,
    );
    // Her memberships in the other help center are kept.
    expect(await groupsOf(running, ALICE_HC1)).toEqual(['7001000000104001', '7001000000104003']);
    const { calls } = await sandboxState(running.sandboxUrl);
    // The one Help Center change is the group-centric call for that group.
    const changes = calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'));
    expect(changes).toEqual([expect.objectContaining({ ...call, status: 204 })]);
    expect(calls.some((c) => GROUP_DELETE.test(c.path.split('?')[0] ?? ''))).toBe(false);
  });

  it('leaving an unmapped group, or unassignment from another app, changes nothing', async () => {
    const bobBefore = await groupsOf(running, BOB);
    const daveBefore = await groupsOf(running, DAVE);
    expect(bobBefore.length).toBeGreaterThan(0);
    const changesBefore = (await changes(running)).length;
    expect(
      await okta(running, [
        groupLeave('g-2', '00gEVERYONE0000000001', '00uBOB00000000000001', 'bob@example.com'),
        appUnassign('a-1', WORKDAY_APP, '00uDAVE0000000000001', 'dave@example.com'),
      ]),
    ).toBe(200);
    await drainWithMarker(running, 'marker-1');
    expect(await groupsOf(running, BOB)).toEqual(bobBefore);
    expect(await groupsOf(running, DAVE)).toEqual(daveBefore);
    const since = (await changes(running)).slice(changesBefore);
    expect(since.filter((c) => c.path.includes(BOB) || c.path.includes(DAVE))).toEqual([]);
    // The only changes since are the marker's (John's), so no group-centric call touched them.
    expect(since.length).toBeGreaterThan(0);
    expect(since.filter((c) => !c.path.includes(JOHN))).toEqual([]);
  });

  it('unassignment from the Zoho Desk app removes the person from every group', async () => {
    expect((await groupsOf(running, DAVE)).length).toBeGreaterThan(0);
    expect(
      await okta(running, [
        appUnassign('a-2', ZOHO_APP, '00uDAVE0000000000001', 'dave@example.com'),
      ]),
    ).toBe(200);
    await until('Dave to leave every group', async () =>
      (await groupsOf(running, DAVE)).length === 0 ? true : undefined,
    );
  });
});

describe('npm start with an invalid GROUP_MAPPING', () => {
  it('refuses to start (exit 2) naming a group mapped in a help center that is not configured', async () => {
    const { code, output } = await runToExit({
      GROUP_MAPPING: JSON.stringify([
        { idpGroupId: PARTNERS_OKTA_GROUP, helpCenterId: '7001000000000009', groupId: '7001' },
      ]),
    });
    expect(code).toBe(2);
    expect(output).toContain('GROUP_MAPPING');
    expect(output).toContain('7001000000000009');
  }, 40_000);
});
