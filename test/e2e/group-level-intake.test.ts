import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSigningSecret, signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import { LOCAL_DEFAULT_SECRETS } from '../../local/config.ts';
import { killGroup, ROOT, type Running, sandboxState, startService, until } from './service.ts';

/**
 * Group-level intake through `npm start`: SCIM `/Groups` PATCH remove-members as Okta group push
 * (`members[value eq "…"]`) and as Entra ID (`"op":"Remove"` with a `members` value array), the
 * signed webhook's `group.membership.removed`, and the EventBridge "Group Membership Removed"
 * custom event (through the runner's `/_local/events` stand-in for PutEvents). Each removes exactly
 * the mapped membership; unmapped groups change nothing; 30 people leaving one mapped group in one
 * PATCH reach the Help Center as ONE group-centric call (the worker's coalescer, shared by the
 * local queue's concurrent invocations).
 */

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const BETA = '7001000000104001';
const ENTERPRISE = '7001000000104002';
const SUPPORT_INSIDERS = '7001000000104003';
const PARTNER_RESELLERS = '7001000000204001';
const PARTNER_ONBOARDING = '7001000000204002';
const ALICE_HC1 = '7001000000118001';
const ALICE_HC2 = '7001000000218001';
const BOB = '7001000000118002';
const ENTRA_SUPPORT_GROUP = '2f9a6c1e-7b4d-4e8a-9c3f-5d1e0a7b6c42';
const MEMBERS = 34;

const GROUP_MAPPING = JSON.stringify([
  { idpGroupId: 'Partners', helpCenterId: HC2, groupId: PARTNER_RESELLERS, name: 'Partners' },
  { idpGroupId: ENTRA_SUPPORT_GROUP, helpCenterId: HC1, groupId: SUPPORT_INSIDERS },
  { idpGroupId: '00gBETA000000000001', helpCenterId: HC1, groupId: BETA, name: 'Beta' },
]);

const memberEmail = (n: number) => `member${String(n).padStart(2, '0')}@example.com`;
const memberId = (n: number) => `70010000002${String(90000 + n)}`;

/** The shipped seed plus MEMBERS partners, each in Partner Resellers and Partner Onboarding. */
async function writeSeed(dir: string): Promise<string> {
  const seed = JSON.parse(await readFile(join(ROOT, 'local/seed.json'), 'utf8')) as {
    users: unknown[];
  };
  for (let n = 1; n <= MEMBERS; n += 1) {
    seed.users.push({
      id: memberId(n),
      email: memberEmail(n),
      helpCenterId: HC2,
      groupIds: [PARTNER_RESELLERS, PARTNER_ONBOARDING],
    });
  }
  const path = join(dir, 'group-seed.json');
  await writeFile(path, JSON.stringify(seed));
  return path;
}

const SCIM = { authorization: 'Bearer local-scim-token', 'content-type': 'application/scim+json' };
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function scim(running: Running, method: string, path: string, body?: unknown) {
  const res = await fetch(`${running.url}/scim/v2${path}`, {
    method,
    headers: SCIM,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function createUser(running: Running, email: string): Promise<string> {
  const res = await scim(running, 'POST', '/Users', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName: email,
    active: true,
    emails: [{ primary: true, type: 'work', value: email }],
  });
  expect(res.status).toBe(201);
  return String(res.json.id);
}

async function pushGroup(running: Running, displayName: string, externalId?: string) {
  const res = await scim(running, 'POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName,
    ...(externalId ? { externalId } : {}),
    members: [],
  });
  expect(res.status).toBe(201);
  return encodeURIComponent(String(res.json.id));
}

async function groupsOf(running: Running, userId: string): Promise<string[]> {
  const state = await sandboxState(running.sandboxUrl);
  return state.users.find((u) => u.id === userId)?.groupIds ?? [];
}

async function idle(running: Running): Promise<void> {
  await until('the work queue to be idle', async () => {
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      queueDepth: number | null;
    };
    return health.queueDepth === 0 ? true : undefined;
  });
}

/** Help Center changes (non-GET `/api/` calls) seen so far. */
async function changes(running: Running) {
  const { calls } = await sandboxState(running.sandboxUrl);
  return calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'));
}

const GROUP_DELETE = /^\/api\/v1\/(helpcenter\/\d+\/)?groups\/\d+$/;

describe.each([
  {
    dialect: 'user-groups-delete',
    groupCall: (hc: string, group: string) => `/api/v1/helpcenter/${hc}/groups/${group}/users`,
  },
  {
    dialect: 'zoho-desk-v1',
    groupCall: (_hc: string, group: string) => `/api/v1/groups/${group}/users/remove`,
  },
])('group-level intake through npm start ($dialect)', ({ dialect, groupCall }) => {
  let running: Running;
  let seedDir: string;
  const scimIds = new Map<number, string>();

  beforeAll(async () => {
    seedDir = await mkdtemp(join(tmpdir(), 'hcd-group-seed-'));
    running = await startService({
      HELPCENTER_API: dialect,
      GROUP_MAPPING,
      SANDBOX_SEED: await writeSeed(seedDir),
    });
    for (let n = 1; n <= MEMBERS; n += 1) scimIds.set(n, await createUser(running, memberEmail(n)));
  }, 60_000);

  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
    if (seedDir) await rm(seedDir, { recursive: true, force: true });
  });

  it('Okta group push: members[value eq "…"] removes exactly that membership; an unmapped group changes nothing', async () => {
    const partners = await pushGroup(running, 'Partners');
    const everyone = await pushGroup(running, 'Everyone');
    const before = (await changes(running)).length;
    const okta = (id: string) => ({
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${id}"]` }],
    });
    expect(
      (await scim(running, 'PATCH', `/Groups/${everyone}`, okta(scimIds.get(2)!))).status,
    ).toBe(204);
    expect(
      (await scim(running, 'PATCH', `/Groups/${partners}`, okta(scimIds.get(1)!))).status,
    ).toBe(204);
    await until('member01 to leave Partner Resellers', async () =>
      (await groupsOf(running, memberId(1))).includes(PARTNER_RESELLERS) ? undefined : true,
    );
    await idle(running);
    expect(await groupsOf(running, memberId(1))).toEqual([PARTNER_ONBOARDING]);
    expect(await groupsOf(running, memberId(2))).toEqual([PARTNER_RESELLERS, PARTNER_ONBOARDING]);
    expect((await changes(running)).slice(before)).toEqual([
      expect.objectContaining({ path: groupCall(HC2, PARTNER_RESELLERS) }),
    ]);
  });

  it('Entra ID: "Remove" with a members value array of a group mapped by object id removes exactly that membership', async () => {
    const alice = await createUser(running, 'alice@example.com');
    const support = await pushGroup(running, 'Support Insiders', ENTRA_SUPPORT_GROUP);
    const res = await scim(running, 'PATCH', `/Groups/${support}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: alice }] }],
    });
    expect(res.status).toBe(204);
    await until('Alice to leave Support Insiders', async () =>
      (await groupsOf(running, ALICE_HC1)).includes(SUPPORT_INSIDERS) ? undefined : true,
    );
    await idle(running);
    expect(await groupsOf(running, ALICE_HC1)).toEqual([BETA]);
    expect(await groupsOf(running, ALICE_HC2)).toEqual([PARTNER_RESELLERS]);
  });

  it('30 people leaving one mapped group in one PATCH go out as ONE group-centric call', async () => {
    const partners = await pushGroup(running, 'Partners');
    const leaving = Array.from({ length: 30 }, (_, i) => i + 3);
    const before = (await changes(running)).length;
    const res = await scim(running, 'PATCH', `/Groups/${partners}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Remove', path: 'members', value: leaving.map((n) => ({ value: scimIds.get(n) })) },
      ],
    });
    expect(res.status).toBe(204);
    await until('the 30 to leave Partner Resellers', async () => {
      const state = await sandboxState(running.sandboxUrl);
      const left = state.users.filter(
        (u) => leaving.map(memberId).includes(u.id) && !u.groupIds.includes(PARTNER_RESELLERS),
      );
      return left.length === 30 ? true : undefined;
    });
    await idle(running);
    for (const n of leaving)
      expect(await groupsOf(running, memberId(n))).toEqual([PARTNER_ONBOARDING]);
    const since = (await changes(running)).slice(before);
    expect(since).toEqual([
      expect.objectContaining({
        path: groupCall(HC2, PARTNER_RESELLERS),
        status: expect.any(Number),
      }),
    ]);
    expect(since[0]?.status).toBeLessThan(300);
    const { calls } = await sandboxState(running.sandboxUrl);
    expect(calls.some((c) => GROUP_DELETE.test(c.path.split('?')[0] ?? ''))).toBe(false);
  });

  it('signed webhook group.membership.removed removes exactly the mapped membership; an unmapped group changes nothing', async () => {
    const key = decodeSigningSecret(LOCAL_DEFAULT_SECRETS.WEBHOOK_SIGNING_SECRET) as Buffer;
    const send = async (id: string, body: unknown) => {
      const bytes = Buffer.from(JSON.stringify(body));
      const timestamp = String(Math.floor(Date.now() / 1000));
      const res = await fetch(`${running.url}/webhooks/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signWebhook(key, id, timestamp, bytes),
        },
        body: bytes,
      });
      return res.status;
    };
    const subject = { email: 'bob@example.com', idpUserId: 'hr-bob' };
    const before = (await changes(running)).length;
    expect(
      await send('msg_group_unmapped', {
        type: 'group.membership.removed',
        subject,
        idpGroupId: '00gEVERYONE00000001',
      }),
    ).toBe(200);
    expect(
      await send('msg_group_beta', {
        type: 'group.membership.removed',
        subject,
        idpGroupId: '00gBETA000000000001',
      }),
    ).toBe(200);
    await until('Bob to leave Beta', async () =>
      (await groupsOf(running, BOB)).includes(BETA) ? undefined : true,
    );
    await idle(running);
    expect(await groupsOf(running, BOB)).toEqual([ENTERPRISE]);
    expect((await changes(running)).slice(before)).toEqual([
      expect.objectContaining({ path: groupCall(HC1, BETA) }),
    ]);
  });

  it('EventBridge "Group Membership Removed" (local PutEvents stand-in) removes exactly the mapped membership', async () => {
    const put = async (detail: unknown) => {
      const res = await fetch(`${running.url}/_local/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            Source: 'helpcenter.deprovisioner',
            DetailType: 'Group Membership Removed',
            Detail: JSON.stringify(detail),
          },
        ]),
      });
      return { status: res.status, json: (await res.json()) as { Entries: { kind: string }[] } };
    };
    const subject = { email: memberEmail(33) };
    const before = (await changes(running)).length;
    const unmapped = await put({ subject, idpGroupId: '00gEVERYONE00000001' });
    expect(unmapped).toMatchObject({ status: 200, json: { Entries: [{ kind: 'ignored' }] } });
    const mapped = await put({ subject, idpGroupId: 'Partners' });
    expect(mapped).toMatchObject({ status: 200, json: { Entries: [{ kind: 'custom' }] } });
    await until('member33 to leave Partner Resellers', async () =>
      (await groupsOf(running, memberId(33))).includes(PARTNER_RESELLERS) ? undefined : true,
    );
    await idle(running);
    expect(await groupsOf(running, memberId(33))).toEqual([PARTNER_ONBOARDING]);
    expect(await groupsOf(running, memberId(34))).toEqual([PARTNER_RESELLERS, PARTNER_ONBOARDING]);
    expect((await changes(running)).slice(before)).toEqual([
      expect.objectContaining({ path: groupCall(HC2, PARTNER_RESELLERS) }),
    ]);
  });
});
