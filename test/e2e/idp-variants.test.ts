import { createHmac, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { killGroup, type Running, sandboxState, startService, until } from './service.ts';

/**
 * Every deactivation form Entra ID and Okta document, sent to `npm start` the way the IdP sends
 * it, ends with the person out of every Help Center group; re-enabling and profile-only updates
 * remove nothing. Payloads follow the vendors' documented shapes (Entra SCIM guide, Okta SCIM 2.0
 * reference, Microsoft Graph change notifications).
 */

const BOB = '7001000000118002';
const DAVE = '7001000000218004';
const JOHN = '7001000000118005';
const SCIM_AUTH = { authorization: 'Bearer local-scim-token' };
const DAVE_OBJECT_ID = '5d2c1b7e-4f6a-4c1d-9e3b-0a1b2c3d4e04';
const BOB_OBJECT_ID = '5d2c1b7e-4f6a-4c1d-9e3b-0a1b2c3d4e02';

let running: Running;

async function groupsOf(userId: string): Promise<string[]> {
  const state = await sandboxState(running.sandboxUrl);
  return state.users.find((u) => u.id === userId)?.groupIds ?? [];
}

async function waitUntilNoGroups(userId: string): Promise<void> {
  await until(`user ${userId} to leave every group`, async () =>
    (await groupsOf(userId)).length === 0 ? true : undefined,
  );
}

/** Resolves once the local queue holds nothing, queued or in flight (`/healthz` queueDepth). */
async function waitUntilQueueIdle(): Promise<void> {
  await until('the work queue to be idle', async () => {
    const res = await fetch(`${running.url}/healthz`);
    const health = (await res.json()) as { queueDepth: number | null };
    return health.queueDepth === 0 ? true : undefined;
  });
}

/**
 * Proves nothing was removed for `userId` once all work is done: a marker deprovision of John
 * (sent after the request under test) finishes, the queue is idle, the user keeps every group and
 * the Help Center saw no removal call for them.
 */
async function expectNothingRemovedFor(userId: string): Promise<void> {
  const before = await groupsOf(userId);
  expect(before.length).toBeGreaterThan(0);
  const marker = await scimCreate(`marker-${randomUUID()}@idp.example`, 'john.doe@example.com');
  const res = await scim('PATCH', `/scim/v2/Users/${marker}`, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', path: 'active', value: false }],
  });
  expect(res.status).toBe(200);
  await waitUntilNoGroups(JOHN);
  await waitUntilQueueIdle();
  expect(await groupsOf(userId)).toEqual(before);
  const { calls } = await sandboxState(running.sandboxUrl);
  expect(calls.filter((c) => c.method !== 'GET' && c.path.includes(userId))).toEqual([]);
}

async function scim(method: string, path: string, body?: unknown, base = running.url) {
  return fetch(`${base}${path}`, {
    method,
    headers: { ...SCIM_AUTH, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** What Entra and Okta send first: POST /Users. Returns our SCIM id. */
async function scimCreate(userName: string, email: string, externalId?: string): Promise<string> {
  const res = await scim('POST', '/scim/v2/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    ...(externalId ? { externalId } : {}),
    active: true,
    name: { givenName: 'Test', familyName: 'User' },
    emails: [{ primary: true, type: 'work', value: email }],
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

function graphNotification(
  changeType: 'updated' | 'deleted',
  objectId: string,
  clientState = 'local-graph-client-state',
) {
  return {
    value: [
      {
        changeType,
        clientState,
        resource: `Users/${objectId}`,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.User',
          '@odata.id': `Users/${objectId}`,
          id: objectId,
          organizationId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
          eventTime: new Date().toISOString(),
          sequenceNumber: Date.now(),
        },
        subscriptionExpirationDateTime: new Date(Date.now() + 86_400_000).toISOString(),
        subscriptionId: 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b',
        tenantId: '84bd8158-6d4d-4958-8b9f-9d6445542f95',
      },
    ],
  };
}

async function postGraph(body: unknown): Promise<number> {
  const res = await fetch(`${running.url}/webhooks/graph`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status;
}

beforeAll(async () => {
  running = await startService();
}, 60_000);

afterAll(async () => {
  if (running) {
    killGroup(running.child, 'SIGKILL');
    await rm(running.dataDir, { recursive: true, force: true });
  }
});

beforeEach(async () => {
  const res = await fetch(`${running.sandboxUrl}/_sandbox/reset?keepTokens=true`, {
    method: 'POST',
  });
  expect(res.status).toBe(200);
});

describe('Entra ID SCIM deactivations through npm start', () => {
  it('PATCH Replace active=false (boolean, the tutorial form) removes the user', async () => {
    const id = await scimCreate('bob.entra1@contoso.example', 'bob@example.com');
    const res = await scim('PATCH', `/scim/v2/Users/${id}`, {
      Operations: [{ op: 'Replace', path: 'active', value: false }],
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    });
    expect(res.status).toBe(200);
    await waitUntilNoGroups(BOB);
  });

  it('PATCH Replace active "False" (string, without aadOptscim062020) on the /scim tenant URL removes the user', async () => {
    const id = await scimCreate('bob.entra2@contoso.example', 'bob@example.com');
    const res = await scim('PATCH', `/scim/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(res.status).toBe(200);
    await waitUntilNoGroups(BOB);
  });

  it('PATCH with several operations including active=false removes the user', async () => {
    const id = await scimCreate('bob.entra3@contoso.example', 'bob@example.com');
    const res = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'replace', path: 'displayName', value: 'Bob (leaver)' },
        { op: 'replace', path: 'active', value: false },
      ],
    });
    expect(res.status).toBe(200);
    await waitUntilNoGroups(BOB);
  });

  it('DELETE (hard delete) removes the user and a repeat answers 404', async () => {
    const id = await scimCreate('dave.entra@contoso.example', 'dave@example.com');
    expect((await scim('DELETE', `/scim/v2/Users/${id}`)).status).toBe(204);
    await waitUntilNoGroups(DAVE);
    expect((await scim('DELETE', `/scim/v2/Users/${id}`)).status).toBe(404);
  });

  it('re-enabling (active=true) removes nothing', async () => {
    const id = await scimCreate('bob.entra4@contoso.example', 'bob@example.com');
    const res = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Replace', path: 'active', value: 'True' }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, active: true });
    await expectNothingRemovedFor(BOB);
  });

  it('a profile-only update removes nothing', async () => {
    const id = await scimCreate('bob.entra5@contoso.example', 'bob@example.com');
    const res = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'Add', path: 'name.givenName', value: 'Robert' }],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, active: true, name: { givenName: 'Robert' } });
    await expectNothingRemovedFor(BOB);
  });
});

describe('Okta SCIM deactivations through npm start', () => {
  it('PATCH replace with a value object {active:false} (OIN apps) removes the user', async () => {
    const id = await scimCreate('bob.okta1@okta.example', 'bob@example.com');
    const res = await scim('PATCH', `/scim/v2/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    expect(res.status).toBe(200);
    await waitUntilNoGroups(BOB);
  });

  it('PUT with the full user and active=false (AIW apps) removes the user', async () => {
    const id = await scimCreate('bob.okta2@okta.example', 'bob@example.com');
    const res = await scim('PUT', `/scim/v2/Users/${id}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id,
      userName: 'bob.okta2@okta.example',
      name: { givenName: 'Bob', familyName: 'Example' },
      emails: [
        { primary: true, value: 'bob@example.com', type: 'work', display: 'bob@example.com' },
      ],
      active: false,
      groups: [],
      meta: { resourceType: 'User' },
    });
    expect(res.status).toBe(200);
    await waitUntilNoGroups(BOB);
  });

  it('a repeated deactivation of an inactive user queues nothing new', async () => {
    const id = await scimCreate('bob.okta3@okta.example', 'bob@example.com');
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { active: false } }],
    };
    expect((await scim('PATCH', `/scim/v2/Users/${id}`, patch)).status).toBe(200);
    await waitUntilNoGroups(BOB);
    await waitUntilQueueIdle();
    const reset = await fetch(`${running.sandboxUrl}/_sandbox/reset?keepTokens=true`, {
      method: 'POST',
    });
    expect(reset.status).toBe(200);
    const repeat = await scim('PATCH', `/scim/v2/Users/${id}`, patch);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toMatchObject({ id, active: false });
    await expectNothingRemovedFor(BOB);
  });
});

describe('Microsoft Graph change notifications through npm start', () => {
  it('answers the validation request with the decoded token as text/plain', async () => {
    const token =
      'Validation: Testing client application reachability for subscription Request-Id: 1';
    const res = await fetch(
      `${running.url}/webhooks/graph?validationToken=${encodeURIComponent(token)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(token);
  });

  it('updated + accountEnabled=false (looked up in Graph) removes the user by their mail', async () => {
    expect(await postGraph(graphNotification('updated', DAVE_OBJECT_ID))).toBe(202);
    await waitUntilNoGroups(DAVE);
  });

  it('deleted removes the user SCIM provisioned with the object id as externalId', async () => {
    await scimCreate('dave.graph@contoso.example', 'dave@example.com', DAVE_OBJECT_ID);
    expect(await postGraph(graphNotification('deleted', DAVE_OBJECT_ID))).toBe(202);
    await waitUntilNoGroups(DAVE);
  });

  it('updated for an enabled account removes nothing', async () => {
    expect(await postGraph(graphNotification('updated', BOB_OBJECT_ID))).toBe(202);
    await expectNothingRemovedFor(BOB);
  });

  it('a wrong clientState is refused and removes nothing', async () => {
    expect(
      await postGraph(graphNotification('updated', DAVE_OBJECT_ID, 'not-the-client-state')),
    ).toBe(401);
    await expectNothingRemovedFor(DAVE);
  });
});

describe('signed webhook through npm start', () => {
  it('a Standard Webhooks signed user.deprovisioned event removes the user', async () => {
    const key = Buffer.from('whsec_bG9jYWwtc2lnbmluZy1rZXktMDEyMzQ1Njc='.slice(6), 'base64');
    const id = `msg_${randomUUID()}`;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body = JSON.stringify({
      type: 'user.deprovisioned',
      subject: { email: 'bob@example.com' },
      reason: 'offboarding',
    });
    const signature = createHmac('sha256', key)
      .update(`${id}.${timestamp}.${body}`)
      .digest('base64');
    const res = await fetch(`${running.url}/webhooks/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    await waitUntilNoGroups(BOB);
  });
});
