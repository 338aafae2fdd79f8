import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { killGroup, type Running, sandboxState, startService, until } from './service.ts';

/**
 * Microsoft Graph through `npm start` now that ingest calls nothing but the queue: a mixed POST
 * acts on its authentic notification only; an `updated` notification is checked in Graph by the
 * worker (ingest answers 202 while Graph fails, the queue retries); and a disabled account no
 * notification reported is found by the delta resync a `missed` lifecycle notification queues.
 */

const BOB = '7001000000118002';
const DAVE = '7001000000218004';
const BOB_OBJECT_ID = '5d2c1b7e-4f6a-4c1d-9e3b-0a1b2c3d4e02';
const DAVE_OBJECT_ID = '5d2c1b7e-4f6a-4c1d-9e3b-0a1b2c3d4e04';
const CLIENT_STATE = 'local-graph-client-state';
const SUBSCRIPTION_ID = 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b';
const TENANT_ID = '84bd8158-6d4d-4958-8b9f-9d6445542f95';

let running: Running;
/** The sandbox's calls and Dave's groups right after the initial sync (before any test resets). */
let afterInitialSync: {
  removals: unknown[];
  daveGroups: string[];
  standinUsers: StandinState['users'];
};

interface StandinState {
  calls: Array<{ method: string; path: string; status: number }>;
  users: Array<{ id: string; accountEnabled?: boolean }>;
}

async function standin(path: string, init?: RequestInit): Promise<Response> {
  const base = running.graphStateUrl?.replace(/\/_standin\/state$/, '');
  if (!base) throw new Error('the Graph stand-in URL was not in the banner');
  return fetch(`${base}${path}`, init);
}

async function standinCalls(): Promise<StandinState['calls']> {
  return ((await (await standin('/_standin/state')).json()) as StandinState).calls;
}

async function groupsOf(userId: string): Promise<string[]> {
  const state = await sandboxState(running.sandboxUrl);
  return state.users.find((u) => u.id === userId)?.groupIds ?? [];
}

async function waitUntilNoGroups(userId: string): Promise<void> {
  await until(`user ${userId} to leave every group`, async () =>
    (await groupsOf(userId)).length === 0 ? true : undefined,
  );
}

async function waitUntilQueueIdle(): Promise<void> {
  await until('the work queue to be idle', async () => {
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      queueDepth: number | null;
    };
    return health.queueDepth === 0 ? true : undefined;
  });
}

/** The runner's Graph state file once a delta round has stored a link (the initial sync). */
async function storedDelta(): Promise<{ deltaLink: string; version: number } | undefined> {
  try {
    const file = JSON.parse(await readFile(join(running.dataDir, 'graph-state.json'), 'utf8'));
    return file.delta?.deltaLink ? file.delta : undefined;
  } catch {
    return undefined;
  }
}

function userNotification(
  changeType: 'updated' | 'deleted',
  objectId: string,
  clientState = CLIENT_STATE,
) {
  return {
    changeType,
    clientState,
    resource: `Users/${objectId}`,
    resourceData: {
      '@odata.type': '#Microsoft.Graph.User',
      '@odata.id': `Users/${objectId}`,
      id: objectId,
      organizationId: TENANT_ID,
      eventTime: new Date().toISOString(),
      sequenceNumber: Date.now(),
    },
    subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
    subscriptionId: SUBSCRIPTION_ID,
    tenantId: TENANT_ID,
  };
}

async function postGraph(value: unknown[]): Promise<number> {
  const res = await fetch(`${running.url}/webhooks/graph`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ value }),
  });
  return res.status;
}

/** SCIM create as Entra sends it, linking the object id (externalId) to the person's email. */
async function scimCreate(email: string, objectId: string): Promise<void> {
  const res = await fetch(`${running.url}/scim/v2/Users`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer local-scim-token',
      'content-type': 'application/scim+json',
    },
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: `${randomUUID()}@contoso.example`,
      externalId: objectId,
      active: true,
      emails: [{ primary: true, type: 'work', value: email }],
    }),
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  running = await startService();
  // The runner queues a resync at start: on a fresh data dir it is the initial sync, which
  // records the delta link and removes nobody.
  await until('the initial Graph delta sync to store its link', storedDelta);
  await waitUntilQueueIdle();
  const { calls } = await sandboxState(running.sandboxUrl);
  afterInitialSync = {
    removals: calls.filter((c) => c.method !== 'GET'),
    daveGroups: await groupsOf(DAVE),
    standinUsers: ((await (await standin('/_standin/state')).json()) as StandinState).users,
  };
}, 60_000);

afterAll(async () => {
  if (running) {
    killGroup(running.child, 'SIGKILL');
    await rm(running.dataDir, { recursive: true, force: true });
  }
});

beforeEach(async () => {
  await waitUntilQueueIdle();
  const res = await fetch(`${running.sandboxUrl}/_sandbox/reset?keepTokens=true`, {
    method: 'POST',
  });
  expect(res.status).toBe(200);
});

describe('Microsoft Graph through npm start (worker-side Graph)', () => {
  it('the initial delta sync removed nobody, though the stand-in holds a disabled account', async () => {
    const initial = await standinCalls();
    expect(initial.some((c) => c.path === '/v1.0/users/delta' && c.status === 200)).toBe(true);
    // The premise: during the initial sync the stand-in lists Dave with his account disabled.
    expect(afterInitialSync.standinUsers.filter((u) => u.id === DAVE_OBJECT_ID)).toEqual([
      expect.objectContaining({ id: DAVE_OBJECT_ID, accountEnabled: false }),
    ]);
    expect(afterInitialSync.daveGroups).not.toEqual([]);
    expect(afterInitialSync.removals).toEqual([]);
  });

  it('a mixed batch (one authentic, one forged clientState) removes the authentic subject only, 202', async () => {
    // Bob is resolvable from his object id, so acting on the forged `deleted` would remove him.
    await scimCreate('bob@example.com', BOB_OBJECT_ID);
    const bobBefore = await groupsOf(BOB);
    expect(bobBefore.length).toBeGreaterThan(0);
    expect(
      await postGraph([
        userNotification('deleted', BOB_OBJECT_ID, 'forged-client-state'),
        userNotification('updated', DAVE_OBJECT_ID),
      ]),
    ).toBe(202);
    await waitUntilNoGroups(DAVE);
    await waitUntilQueueIdle();
    expect(await groupsOf(BOB)).toEqual(bobBefore);
    const { calls } = await sandboxState(running.sandboxUrl);
    expect(calls.filter((c) => c.method !== 'GET' && c.path.includes(BOB))).toEqual([]);
  });

  it('an updated notification is checked by the worker: 202 while Graph fails, then removed on retry', async () => {
    // Graph answers 503 to the next lookup: ingest, which calls nothing, still answers 202; the
    // worker's lookup fails, the queue redelivers, and the second lookup finds the account off.
    const fault = await standin('/_standin/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ target: 'users', status: 503, count: 1 }),
    });
    expect(fault.status).toBe(204);
    const before = (await standinCalls()).length;
    expect(await postGraph([userNotification('updated', DAVE_OBJECT_ID)])).toBe(202);
    await waitUntilNoGroups(DAVE);
    const lookups = (await standinCalls())
      .slice(before)
      .filter((c) => c.path === `/v1.0/users/${DAVE_OBJECT_ID}`);
    expect(lookups.map((c) => c.status)).toEqual([503, 200]);
  });

  it('a disabled account missed by notifications is removed by the delta resync a missed lifecycle notification queues', async () => {
    expect((await groupsOf(BOB)).length).toBeGreaterThan(0);
    const start = await storedDelta();
    // Disabled in Entra; no change notification is sent for it.
    const disable = await standin(`/_standin/users/${BOB_OBJECT_ID}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountEnabled: false }),
    });
    expect(disable.status).toBe(204);
    expect(
      await postGraph([
        {
          subscriptionId: SUBSCRIPTION_ID,
          subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
          tenantId: TENANT_ID,
          clientState: CLIENT_STATE,
          lifecycleEvent: 'missed',
        },
      ]),
    ).toBe(202);
    await waitUntilNoGroups(BOB);
    const after = await storedDelta();
    expect(after?.version).toBeGreaterThan(start?.version ?? 0);
  });

  it('status shows the last delta resync and that no subscription renewal is recorded locally', async () => {
    const out = await runCli(['status', '--json'], {
      LOCAL_DATA_DIR: running.dataDir,
      PORT: new URL(running.url).port,
    });
    const lines = JSON.parse(out.stdout).lines as Array<{ check: string; value: string }>;
    expect(lines.find((l) => l.check === 'graph delta resync')?.value).toMatch(
      /^last round \d+s ago \(\d+ round\(s\) recorded/,
    );
    expect(lines.find((l) => l.check === 'graph subscription')?.value).toMatch(
      /^no renewal recorded/,
    );
  });
});
