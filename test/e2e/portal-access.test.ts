import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oktaDelivery, oktaLogEvent } from '../fixtures/okta-events.ts';
import { killGroup, type Running, sandboxState, startService, until } from './service.ts';

/**
 * Portal access removal (REMOVE_PORTAL_ACCESS) through `npm start`: on, a deactivated person
 * leaves every group and then loses portal access (removePortalUser, counted in the sandbox's call
 * log); off (the default), the portal endpoint is never called.
 */

const BOB = '7001000000118002';
const REMOVE_PORTAL = `/api/v1/portalUsers/${BOB}/removeUser`;

async function deactivateBob(running: Running, uuid: string): Promise<number> {
  const res = await fetch(`${running.url}/webhooks/okta`, {
    method: 'POST',
    headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
    body: JSON.stringify(
      oktaDelivery(
        [
          oktaLogEvent({
            uuid,
            eventType: 'user.lifecycle.deactivate',
            targets: [{ id: '00uBOB00000000000001', type: 'User', alternateId: 'bob@example.com' }],
          }),
        ],
        `delivery-${uuid}`,
      ),
    ),
  });
  return res.status;
}

/** Bob has left every group and the local queue holds nothing queued or in flight. */
async function settled(running: Running): Promise<void> {
  await until('Bob to leave every group', async () => {
    const state = await sandboxState(running.sandboxUrl);
    return state.users.find((u) => u.id === BOB)?.groupIds.length === 0 ? true : undefined;
  });
  await until('the work queue to be idle', async () => {
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      queueDepth: number | null;
    };
    return health.queueDepth === 0 ? true : undefined;
  });
}

describe.each([
  { setting: 'true', removed: true },
  { setting: 'false', removed: false },
])('portal access through npm start (REMOVE_PORTAL_ACCESS=$setting)', ({ setting, removed }) => {
  let running: Running;

  beforeAll(async () => {
    running = await startService({ REMOVE_PORTAL_ACCESS: setting, VERIFY_AFTER_REMOVE: 'true' });
  }, 40_000);

  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
  });

  it('says in the banner whether portal access is removed', () => {
    expect(running.output()).toMatch(
      removed
        ? /Portal access\s+removed after a full deprovision \(REMOVE_PORTAL_ACCESS=true; token needs Desk\.settings\.DELETE\)/
        : /Portal access\s+kept \(REMOVE_PORTAL_ACCESS=false\)/,
    );
  });

  it(removed
    ? 'removes every group, then the portal access, of a deactivated person'
    : 'removes every group and never calls the portal endpoint', async () => {
    expect(await deactivateBob(running, `portal-${setting}`)).toBe(200);
    await settled(running);
    const { calls } = await sandboxState(running.sandboxUrl);
    const portal = calls.filter((c) => c.path.startsWith('/api/v1/portalUsers/'));
    if (removed) {
      expect(portal).toEqual([{ method: 'POST', path: REMOVE_PORTAL, status: 204 }]);
      const groupRemoval = calls.findIndex((c) => c.method === 'DELETE');
      expect(groupRemoval).toBeGreaterThanOrEqual(0);
      expect(calls.findIndex((c) => c.path === REMOVE_PORTAL)).toBeGreaterThan(groupRemoval);
      // verify-after read the user back (getUserDetails) after the removal.
      expect(calls.some((c) => c.method === 'GET' && c.path === `/api/v1/users/${BOB}`)).toBe(true);
    } else {
      expect(portal).toEqual([]);
      expect(calls.some((c) => c.method === 'DELETE')).toBe(true);
    }
    expect(calls.some((c) => /^\/api\/v1\/groups\/\d+$/.test(c.path))).toBe(false);
  }, 30_000);
});
