import { describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { decodeScimGroupId, scimGroupId } from '#core/intake/scim/groups.ts';
import { ERROR, GROUP, NOW, patchBody, seededUser, setup } from './scim-test-kit.ts';

/**
 * SCIM /Groups as Entra ID and Okta group push drive it (payload shapes from Microsoft Learn's
 * "Develop and plan provisioning for a SCIM endpoint" and Okta's "SCIM 2.0 protocol reference").
 */

const HC = '7001000000000002';
const PARTNERS = '7001000000204001';
const SUPPORT = '7001000000204002';
const ENTRA_OBJECT_ID = '5b4c9e6a-8f1d-4a55-9c61-7a0e3f1d2b90';
const mapping = parseGroupMapping(
  JSON.stringify([
    { idpGroupId: 'Partners', helpCenterId: HC, groupId: PARTNERS },
    { idpGroupId: ENTRA_OBJECT_ID, helpCenterId: HC, groupId: SUPPORT },
  ]),
);
const people = ['u1', 'u2', 'u3'].map((id) => seededUser(id));

async function pushGroup(
  send: ReturnType<typeof setup>['send'],
  displayName: string,
  externalId?: string,
): Promise<string> {
  const res = await send('POST', '/scim/v2/Groups', {
    body: {
      schemas: [GROUP],
      displayName,
      ...(externalId ? { externalId } : {}),
      members: [],
    },
  });
  expect(res.status).toBe(201);
  expect(res.json).toMatchObject({ schemas: [GROUP], displayName });
  expect(res.headers.location).toMatch(/\/scim\/v2\/Groups\/g1\./);
  return String(res.json?.id);
}

describe('SCIM /Groups', () => {
  it('Okta: members[value eq "…"] removal of a mapped group (by displayName) enqueues one group-level request, answers 204', async () => {
    const { send, queue } = setup(people, { groupMapping: mapping });
    const id = await pushGroup(send, 'Partners');
    const res = await send('PATCH', `/scim/v2/Groups/${encodeURIComponent(id)}`, {
      body: patchBody({ op: 'remove', path: 'members[value eq "u1"]' }),
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(queue.sent).toHaveLength(1);
    const [request] = queue.sent;
    expect(DeprovisionRequestSchema.parse(request)).toEqual(request);
    expect(request).toMatchObject({
      source: 'scim',
      subject: { idpUserId: 'u1', login: 'u1@example.org', email: 'u1@example.org' },
      reason: 'scim.group.remove-member',
      receivedAt: NOW.toISOString(),
      scope: { kind: 'group', idpGroupId: 'Partners', helpCenterId: HC, groupId: PARTNERS },
    });
  });

  it('Entra: "Remove" with a members value array of a group mapped by its object id (externalId) enqueues one request per member', async () => {
    const { send, queue } = setup(people, { groupMapping: mapping });
    const id = await pushGroup(send, 'Support Staff', ENTRA_OBJECT_ID);
    const res = await send('PATCH', `/scim/v2/Groups/${encodeURIComponent(id)}`, {
      body: patchBody({
        op: 'Remove',
        path: 'members',
        value: [
          { $ref: null, value: 'u1' },
          { $ref: null, value: 'u2' },
        ],
      }),
    });
    expect(res.status).toBe(204);
    expect(queue.sent.map((r) => r.subject.idpUserId)).toEqual(['u1', 'u2']);
    for (const r of queue.sent) {
      expect(r.scope).toEqual({
        kind: 'group',
        idpGroupId: ENTRA_OBJECT_ID,
        helpCenterId: HC,
        groupId: SUPPORT,
      });
    }
    expect(new Set(queue.sent.map((r) => r.requestId)).size).toBe(2);
  });

  it('a retried PATCH produces the same request ids (the worker dedupes them)', async () => {
    const { send, queue } = setup(people, { groupMapping: mapping });
    const id = await pushGroup(send, 'Partners');
    const body = patchBody({ op: 'remove', path: 'members', value: [{ value: 'u3' }] });
    for (let i = 0; i < 2; i += 1) {
      expect((await send('PATCH', `/scim/v2/Groups/${id}`, { body })).status).toBe(204);
    }
    expect(queue.sent).toHaveLength(2);
    expect(queue.sent[0]?.requestId).toBe(queue.sent[1]?.requestId);
  });

  it('an unmapped group, an add, a rename and an unknown member enqueue nothing and answer 204', async () => {
    const { send, queue } = setup(people, { groupMapping: mapping });
    const unmapped = await pushGroup(send, 'Everyone');
    const mapped = await pushGroup(send, 'Partners');
    const cases = [
      [unmapped, patchBody({ op: 'remove', path: 'members[value eq "u1"]' })],
      [mapped, patchBody({ op: 'add', path: 'members', value: [{ value: 'u1' }] })],
      [mapped, patchBody({ op: 'Replace', path: 'displayName', value: 'Partners EU' })],
      [mapped, patchBody({ op: 'replace', value: { id: mapped, displayName: 'Partners EU' } })],
      [mapped, patchBody({ op: 'remove', path: 'members[value eq "nobody"]' })],
    ] as const;
    for (const [id, body] of cases) {
      const res = await send('PATCH', `/scim/v2/Groups/${id}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(204);
    }
    expect(queue.sent).toEqual([]);
  });

  it('without a mapping every group change enqueues nothing', async () => {
    const { send, queue } = setup(people);
    const id = await pushGroup(send, 'Partners');
    const res = await send('PATCH', `/scim/v2/Groups/${id}`, {
      body: patchBody({ op: 'remove', path: 'members[value eq "u1"]' }),
    });
    expect(res.status).toBe(204);
    expect(queue.sent).toEqual([]);
  });

  it('keeps the SCIM error schema for bad input', async () => {
    const { send, queue } = setup(people, { groupMapping: mapping });
    const id = await pushGroup(send, 'Partners');
    const bad = [
      [{ Operations: [{ op: 'remove', path: 'members' }] }, 'invalidSyntax'],
      [patchBody({ op: 'remove', path: 'members' }), 'noTarget'],
      [patchBody({ op: 'remove', path: 'members', value: [{ display: 'x' }] }), 'invalidValue'],
      [patchBody({ op: 'remove', path: 'owners[value eq "u1"]' }), 'invalidPath'],
      [patchBody({ op: 'delete', path: 'members' }), 'invalidSyntax'],
    ] as const;
    for (const [body, scimType] of bad) {
      const res = await send('PATCH', `/scim/v2/Groups/${id}`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json).toMatchObject({ schemas: [ERROR], status: '400', scimType });
    }
    const noName = await send('POST', '/scim/v2/Groups', { body: { schemas: [GROUP] } });
    expect(noName.status).toBe(400);
    expect(noName.json).toMatchObject({ schemas: [ERROR], scimType: 'invalidValue' });
    expect(queue.sent).toEqual([]);
  });

  it('answers 404 for a group id it never issued and no mapping names', async () => {
    const { send } = setup(people, { groupMapping: mapping });
    const res = await send('PATCH', '/scim/v2/Groups/00gUNKNOWN', {
      body: patchBody({ op: 'remove', path: 'members[value eq "u1"]' }),
    });
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it('acts on a group id the mapping names directly (a SCIM group id)', async () => {
    const byId = parseGroupMapping(
      JSON.stringify([{ idpGroupId: 'scim-group-7', helpCenterId: HC, groupId: PARTNERS }]),
    );
    const { send, queue } = setup(people, { groupMapping: byId });
    const res = await send('PATCH', '/scim/v2/Groups/scim-group-7', {
      body: patchBody({ op: 'remove', path: 'members[value eq "u2"]' }),
    });
    expect(res.status).toBe(204);
    expect(queue.sent.map((r) => r.scope?.idpGroupId)).toEqual(['scim-group-7']);
  });

  it('GET, PUT and DELETE of an issued group answer the group (DELETE 204) and change nothing', async () => {
    const { send, queue } = setup(people, { groupMapping: mapping });
    const id = await pushGroup(send, 'Partners', 'ext-1');
    const got = await send('GET', `/scim/v2/Groups/${id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id, displayName: 'Partners', externalId: 'ext-1' });
    const put = await send('PUT', `/scim/v2/Groups/${id}`, {
      body: { schemas: [GROUP], displayName: 'Partners', members: [] },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ id, displayName: 'Partners' });
    expect((await send('DELETE', `/scim/v2/Groups/${id}`)).status).toBe(204);
    expect(queue.sent).toEqual([]);
  });

  it('issues ids that decode back to the pushed group and refuses forged ones', () => {
    const group = { displayName: 'Partners Ω', externalId: 'x' };
    expect(decodeScimGroupId(scimGroupId(group))).toEqual(group);
    expect(decodeScimGroupId(scimGroupId({ displayName: 'A' }))).toEqual({ displayName: 'A' });
    expect(decodeScimGroupId('g1.not-base64-json')).toBeUndefined();
    expect(decodeScimGroupId(`g1.${Buffer.from('[1]').toString('base64url')}`)).toBeUndefined();
  });
});
