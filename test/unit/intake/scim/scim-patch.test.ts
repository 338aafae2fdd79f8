import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyPatch, parsePatchRequest } from '#core/intake/scim/patch.ts';
import { PATCH_OP, patchBody, SCIM_TOKEN, seededUser, setup } from './scim-test-kit.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describe('PATCH /Users/{id}: deactivation in every documented form', () => {
  it.each([
    [
      'Entra tutorial: Replace, path active, boolean false',
      { op: 'Replace', path: 'active', value: false },
    ],
    [
      'Entra without aadOptscim062020: Replace, string "False"',
      { op: 'Replace', path: 'active', value: 'False' },
    ],
    [
      'Entra with aadOptscim062020: replace, boolean false',
      { op: 'replace', path: 'active', value: false },
    ],
    [
      'Okta OIN: replace, no path, value {active: false}',
      { op: 'replace', value: { active: false } },
    ],
    ['no path, value {active: "False"}', { op: 'Replace', value: { active: 'False' } }],
    [
      'path with the core schema URN',
      { op: 'replace', path: `urn:ietf:params:scim:schemas:core:2.0:User:active`, value: false },
    ],
    ['add instead of replace', { op: 'Add', path: 'ACTIVE', value: 'false' }],
  ])('%s → 200, one request, user inactive', async (_, operation) => {
    const { send, queue, store } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/v2/Users/u1', { body: patchBody(operation) });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: 'u1', active: false });
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatchObject({
      requestId: 'scim:u1:v2',
      source: 'scim',
      reason: 'scim.patch.active=false',
      subject: {
        idpUserId: 'u1',
        login: 'u1@example.org',
        email: 'u1@example.org',
        externalId: 'ext-u1',
      },
    });
    expect((await store.get('u1'))?.active).toBe(false);
  });

  it('handles several operations in one request (profile changes plus deactivation)', async () => {
    const { send, queue, store } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/Users/u1', {
      body: patchBody(
        { op: 'Replace', path: 'displayName', value: 'Pvlo' },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.org' },
        { op: 'Replace', path: 'name.givenName', value: 'Gtfd' },
        { op: 'Replace', path: 'externalId', value: 'Eqpj' },
        { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '42' },
        { op: 'Replace', path: 'active', value: 'False' },
      ),
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      displayName: 'Pvlo',
      externalId: 'Eqpj',
      name: { givenName: 'Gtfd', familyName: 'Family' },
      emails: [{ value: 'new@example.org', type: 'work', primary: true }],
      [ENTERPRISE]: { employeeNumber: '42' },
      active: false,
    });
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]?.subject).toMatchObject({ email: 'new@example.org', externalId: 'Eqpj' });
    expect((await store.get('u1'))?.email).toBe('new@example.org');
  });

  it('does not enqueue again for an identical deactivation (already inactive)', async () => {
    const { send, queue } = setup([seededUser('u1')]);
    const body = patchBody({ op: 'Replace', path: 'active', value: false });
    expect((await send('PATCH', '/scim/v2/Users/u1', { body })).status).toBe(200);
    expect((await send('PATCH', '/scim/v2/Users/u1', { body })).status).toBe(200);
    expect(
      (
        await send('PATCH', '/scim/v2/Users/u1', {
          body: patchBody({ op: 'replace', value: { active: 'False' } }),
        })
      ).status,
    ).toBe(200);
    expect(queue.sent).toHaveLength(1);
  });

  it('enqueues nothing for re-enabling or profile-only updates, and again once on the next disable', async () => {
    const { send, queue } = setup([seededUser('u1', { active: false, version: 5 })]);
    // Each update is accepted first (a 400 or 500 would also enqueue nothing).
    const enable = await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'replace', value: { active: true } }),
    });
    expect(enable.status).toBe(200);
    expect(enable.json).toMatchObject({ id: 'u1', active: true });
    const rename = await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'Replace', path: 'name.familyName', value: 'Other' }),
    });
    expect(rename.status).toBe(200);
    expect(rename.json).toMatchObject({ active: true, name: { familyName: 'Other' } });
    const password = await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'replace', value: { password: 'secret-not-stored' } }),
    });
    expect(password.status).toBe(200);
    expect(queue.sent).toHaveLength(0);
    await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
    expect(queue.sent.map((r) => r.requestId)).toEqual(['scim:u1:v8']);
  });

  it('leaves the user active and answers 503 when the enqueue fails; the retry deprovisions', async () => {
    const { send, queue, store } = setup([seededUser('u1')]);
    const body = patchBody({ op: 'Replace', path: 'active', value: false });
    queue.failNext = true;
    const failed = await send('PATCH', '/scim/v2/Users/u1', { body });
    expect(failed.status).toBe(503);
    expect(failed.json).toMatchObject({ status: '503' });
    expect(await store.get('u1')).toMatchObject({ active: true, version: 1 });
    queue.failNext = false;
    expect((await send('PATCH', '/scim/v2/Users/u1', { body })).status).toBe(200);
    expect(queue.sent.map((r) => r.requestId)).toEqual(['scim:u1:v2']);
  });

  it('re-enqueues the same requestId when the store write fails after the enqueue', async () => {
    const { send, queue, store } = setup([seededUser('u1')]);
    const put = store.put.bind(store);
    let failWrite = true;
    store.put = async (record) => {
      if (failWrite) throw new Error('store down');
      return put(record);
    };
    const body = patchBody({ op: 'replace', value: { active: false } });
    expect((await send('PATCH', '/scim/v2/Users/u1', { body })).status).toBe(500);
    failWrite = false;
    expect((await send('PATCH', '/scim/v2/Users/u1', { body })).status).toBe(200);
    expect(queue.sent.map((r) => r.requestId)).toEqual(['scim:u1:v2', 'scim:u1:v2']);
  });

  it('answers 404 for an unknown id and enqueues nothing', async () => {
    const { send, queue } = setup();
    const res = await send('PATCH', '/scim/v2/Users/23a35c27-23d3-4c03-b4c5-6443c09e7173', {
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
    expect(res.status).toBe(404);
    expect(queue.sent).toHaveLength(0);
  });

  it.each([
    [
      'an unknown op',
      patchBody({ op: 'deactivate', path: 'active', value: false }),
      'invalidSyntax',
    ],
    [
      'no PatchOp schema',
      { Operations: [{ op: 'replace', value: { active: false } }] },
      'invalidSyntax',
    ],
    ['empty Operations', patchBody(), 'invalidSyntax'],
    ['active "no"', patchBody({ op: 'replace', path: 'active', value: 'no' }), 'invalidValue'],
    ['active 0', patchBody({ op: 'replace', value: { active: 0 } }), 'invalidValue'],
    ['remove active', patchBody({ op: 'remove', path: 'active' }), 'invalidValue'],
    ['remove without path', patchBody({ op: 'remove' }), 'noTarget'],
    ['a read-only id', patchBody({ op: 'replace', path: 'id', value: 'x' }), 'mutability'],
    [
      'a malformed path',
      patchBody({ op: 'replace', path: 'emails[type eq', value: 'x' }),
      'invalidPath',
    ],
    ['a value that is not an object', patchBody({ op: 'replace', value: false }), 'invalidValue'],
    [
      'a deactivation followed by an invalid op',
      patchBody(
        { op: 'replace', value: { active: false } },
        { op: 'replace', path: 'userName', value: 7 },
      ),
      'invalidValue',
    ],
  ])('answers 400 (%s) with its scimType and changes nothing', async (_, body, scimType) => {
    const { send, queue, store } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/v2/Users/u1', { body });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ status: '400', scimType });
    expect(queue.sent).toHaveLength(0);
    expect(await store.get('u1')).toMatchObject({ active: true, version: 1 });
  });
});

describe('applyPatch', () => {
  const state = () => ({
    userName: 'u@example.org',
    active: true,
    name: { givenName: 'A', familyName: 'B' },
    emails: [{ value: 'u@example.org', type: 'work', primary: true }],
  });

  it('applies Entra aadOptscim062020 value objects with dotted and URN member names', () => {
    const next = applyPatch(
      state(),
      parsePatchRequest(
        patchBody({
          op: 'replace',
          value: {
            displayName: 'Bjfe',
            'name.givenName': 'Kkom',
            'name.familyName': 'Unua',
            [`${ENTERPRISE}:employeeNumber`]: 'Aklq',
          },
        }),
      ),
    );
    expect(next).toMatchObject({
      displayName: 'Bjfe',
      name: { givenName: 'Kkom', familyName: 'Unua' },
      [ENTERPRISE]: { employeeNumber: 'Aklq' },
    });
  });

  it('adds a work email when none exists, removes by filter and clears on null', () => {
    const withHome = { ...state(), emails: [{ value: 'h@example.org', type: 'home' }] };
    const added = applyPatch(
      withHome,
      parsePatchRequest(
        patchBody({ op: 'Add', path: 'emails[type eq "work"].value', value: 'w@example.org' }),
      ),
    );
    expect(added.emails).toEqual([
      { value: 'h@example.org', type: 'home' },
      { type: 'work', value: 'w@example.org' },
    ]);
    const removed = applyPatch(
      added,
      parsePatchRequest(
        patchBody(
          { op: 'Remove', path: 'emails[type eq "home"]' },
          { op: 'Replace', path: 'name.givenName', value: null },
        ),
      ),
    );
    expect(removed.emails).toEqual([{ type: 'work', value: 'w@example.org' }]);
    expect(removed.name).toEqual({ familyName: 'B' });
  });

  it('matches member names and attribute paths case-insensitively and does not mutate its input', () => {
    const input = state();
    const next = applyPatch(
      input,
      parsePatchRequest({
        SCHEMAS: [PATCH_OP.toLowerCase()],
        operations: [{ OP: 'REPLACE', Path: 'NAME.GIVENNAME', Value: 'Z' }],
      }),
    );
    expect(next.name).toEqual({ givenName: 'Z', familyName: 'B' });
    expect(input.name.givenName).toBe('A');
  });

  it('never writes through __proto__ or constructor', () => {
    const next = applyPatch(
      state(),
      parsePatchRequest(
        JSON.parse(
          `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":{"__proto__":{"polluted":true},"name":{"__proto__":{"x":1}}}}]}`,
        ),
      ),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(() =>
      applyPatch(
        state(),
        parsePatchRequest(patchBody({ op: 'add', path: 'constructor.x', value: 1 })),
      ),
    ).toThrow(/Unsupported path/);
  });
});

describe('PATCH properties (fast-check)', () => {
  const opName = fc.constantFrom(
    'add',
    'Add',
    'replace',
    'Replace',
    'REPLACE',
    'remove',
    'Remove',
    'delete',
    '',
    'x',
  );
  const path = fc.oneof(
    fc.constantFrom(
      'active',
      'Active',
      'userName',
      'externalId',
      'displayName',
      'name.givenName',
      'emails[type eq "work"].value',
      'emails[type eq "work"]',
      'emails',
      `${ENTERPRISE}:department`,
      'id',
      'meta.created',
      'password',
      'emails[type eq',
      'name.',
      '[',
    ),
    fc.string({ maxLength: 20 }),
  );
  const value = fc.oneof(
    fc.boolean(),
    fc.constantFrom('True', 'False', 'true', 'false', 'yes', '', null),
    fc.string({ maxLength: 10 }),
    fc.integer(),
    fc.dictionary(
      fc.oneof(
        fc.constantFrom('active', 'displayName', 'name.givenName', 'userName', 'password', 'id'),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(fc.boolean(), fc.string({ maxLength: 8 }), fc.constantFrom('False', null)),
      { maxKeys: 4 },
    ),
    fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }),
  );
  const operation = fc.record({ op: opName, path, value }, { requiredKeys: ['op'] });
  const body = fc.oneof(
    fc.record({
      schemas: fc.constantFrom([PATCH_OP], [], ['urn:other']),
      Operations: fc.array(operation, { maxLength: 5 }),
    }),
    fc.anything({ maxDepth: 3 }),
  );

  it('never answers 5xx with a healthy queue, and deprovisions only on a real active true → false', async () => {
    await fc.assert(
      fc.asyncProperty(body, async (candidate) => {
        const { send, queue, store } = setup([seededUser('u1')]);
        const res = await send('PATCH', '/scim/v2/Users/u1', { body: candidate as object });
        expect(res.status).toBeLessThan(500);
        expect(res.headers['content-type']).toBe('application/scim+json');
        const after = await store.get('u1');
        if (res.status !== 200) {
          expect(queue.sent).toHaveLength(0);
          expect(after?.version).toBe(1);
        } else {
          expect(queue.sent).toHaveLength(after?.active === false ? 1 : 0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('never deprovisions from an unauthenticated request, whatever the body', async () => {
    const auth = fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
      fc.constantFrom(`Basic ${SCIM_TOKEN}`, `Bearer ${SCIM_TOKEN}x`, `Bearer${SCIM_TOKEN}`),
    );
    await fc.assert(
      fc.asyncProperty(auth, body, async (authorization, candidate) => {
        fc.pre(authorization?.trim().toLowerCase() !== `bearer ${SCIM_TOKEN}`.toLowerCase());
        const { send, queue, store } = setup([seededUser('u1')]);
        const res = await send('PATCH', '/scim/Users/u1', {
          auth: authorization,
          body: candidate as object,
        });
        expect(res.status).toBe(401);
        expect(queue.sent).toHaveLength(0);
        expect((await store.get('u1'))?.version).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('PATCH on imported records', () => {
  it('keeps the stored email (the Help Center lookup key) when the record has no emails attribute', async () => {
    const { send, queue } = setup([
      {
        id: 'imp1',
        userName: 'imported@example.org',
        email: 'Imported@Example.org',
        active: true,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        version: 1,
      },
    ]);
    const res = await send('PATCH', '/scim/Users/imp1', {
      body: patchBody({ op: 'Replace', path: 'active', value: false }),
    });
    expect(res.status).toBe(200);
    expect(queue.sent[0]?.subject).toEqual({
      idpUserId: 'imp1',
      login: 'imported@example.org',
      email: 'imported@example.org',
    });
  });
});
