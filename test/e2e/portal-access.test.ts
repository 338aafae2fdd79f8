import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
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
  return deactivate(running, uuid, '00uBOB00000000000001', 'bob@example.com');
}

async function deactivate(
  running: Running,
  uuid: string,
  userId: string,
  email: string,
): Promise<number> {
  const res = await fetch(`${running.url}/webhooks/okta`, {
    method: 'POST',
    headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
    body: JSON.stringify(
      oktaDelivery(
        [
          oktaLogEvent({
            uuid,
            eventType: 'user.lifecycle.deactivate',
            targets: [{ id: userId, type: 'User', alternateId: email }],
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

describe('portal access failure, dead letter and redrive through npm start', () => {
  let running: Running;
  const DAVE = '7001000000218004';

  beforeAll(async () => {
    running = await startService({ REMOVE_PORTAL_ACCESS: 'true' });
  }, 40_000);

  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
  });

  it('a refused portal removal dead-letters with the scope hint; the redrive repeats only the idempotent group DELETE and completes it', async () => {
    const fault = await fetch(`${running.sandboxUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'POST',
        pathPrefix: '/api/v1/portalUsers/',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 1,
      }),
    });
    expect(fault.status).toBe(200);
    expect(
      await deactivate(running, 'portal-dave', '00uDAVE0000000000001', 'dave@example.com'),
    ).toBe(200);
    const dlqPath = join(running.dataDir, 'dlq.jsonl');
    const record = await until('the dead letter', async () => {
      const text = await readFile(dlqPath, 'utf8').catch(() => '');
      const line = text.trim().split('\n').filter(Boolean)[0];
      return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
    });
    expect(record).toMatchObject({
      request: { subject: { idpUserId: '00uDAVE0000000000001' } },
      failure: {
        kind: 'scope',
        httpStatus: 403,
        errorCode: 'SCOPE_MISMATCH',
        helpCenterId: '7001000000000002',
        message: expect.stringContaining('removePortalUser'),
        hint: expect.stringContaining('Desk.settings.DELETE'),
      },
    });
    // The groups went before the portal call failed.
    const before = await sandboxState(running.sandboxUrl);
    expect(before.users.find((u) => u.id === DAVE)?.groupIds).toEqual([]);

    const redrive = await fetch(`${running.url}/_local/redrive`, {
      method: 'POST',
      body: JSON.stringify({ failureKind: 'scope' }),
    });
    expect(redrive.status).toBe(200);
    await until('the redriven portal removal', async () => {
      const { calls } = await sandboxState(running.sandboxUrl);
      return calls.some(
        (c) => c.path === `/api/v1/portalUsers/${DAVE}/removeUser` && c.status === 204,
      )
        ? true
        : undefined;
    });
    await until('the redriven request to finish', async () =>
      /deprovision finished .*subject=00uDAVE0000000000001.*outcome=removed/.test(running.output())
        ? true
        : undefined,
    );
    // The default dialect has no group listing: the redrive repeats its one idempotent
    // user-centric DELETE (the groups are already gone, nothing else is sent), then the portal call.
    const after = await sandboxState(running.sandboxUrl);
    const redriveCalls = after.calls
      .slice(before.calls.length)
      .filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'));
    expect(redriveCalls).toEqual([
      {
        method: 'DELETE',
        path: `/api/v1/helpcenter/7001000000000002/users/${DAVE}/groups`,
        status: 204,
      },
      { method: 'POST', path: `/api/v1/portalUsers/${DAVE}/removeUser`, status: 204 },
    ]);
    expect(after.users.find((u) => u.id === DAVE)?.groupIds).toEqual([]);
  }, 40_000);
});
