import { describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import {
  ERROR,
  GROUP,
  LIST,
  NOW,
  patchBody,
  resourceIds,
  SCIM_TOKEN,
  seededUser,
  setup,
  USER,
} from './scim-test-kit.ts';

const BASES = ['/scim/v2', '/scim'] as const;

describe.each(BASES)('SCIM Users at %s', (base) => {
  describe('GET /Users with a filter (RFC 7644 3.4.2)', () => {
    it('matches userName case-insensitively and answers a ListResponse with the resource', async () => {
      const { send, queue } = setup([seededUser('u1', { userName: 'Test.User@Okta.Local' })]);
      const res = await send('GET', `${base}/Users`, {
        query: { filter: 'userName eq "test.user@okta.local"', startIndex: '1', count: '100' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/scim+json');
      expect(res.json).toMatchObject({
        schemas: [LIST],
        totalResults: 1,
        startIndex: 1,
        itemsPerPage: 1,
      });
      const [resource] = (res.json?.Resources ?? []) as Record<string, unknown>[];
      expect(resource).toMatchObject({ id: 'u1', userName: 'Test.User@Okta.Local', active: true });
      expect(resource?.meta).toMatchObject({
        resourceType: 'User',
        location: `https://scim.example.test${base}/Users/u1`,
        version: 'W/"1"',
      });
      expect(queue.sent).toHaveLength(0);
    });

    it('accepts case-insensitive attribute names and operators, and escaped quotes', async () => {
      const { send } = setup([seededUser('u1', { userName: 'say "hi"' })]);
      const res = await send('GET', `${base}/Users`, {
        query: { filter: 'USERNAME EQ "say \\"hi\\""' },
      });
      expect(res.json?.totalResults).toBe(1);
    });

    it('matches externalId exactly (caseExact)', async () => {
      const { send } = setup([seededUser('u1', { externalId: 'Ext-ABC' })]);
      const hit = await send('GET', `${base}/Users`, {
        query: { filter: 'externalId eq "Ext-ABC"' },
      });
      const miss = await send('GET', `${base}/Users`, {
        query: { filter: 'externalId eq "ext-abc"' },
      });
      expect(hit.json?.totalResults).toBe(1);
      expect(miss.json?.totalResults).toBe(0);
    });

    it('matches emails[type eq "work"].value and "and" conjunctions', async () => {
      const { send } = setup([seededUser('u1'), seededUser('u2')]);
      const res = await send('GET', `${base}/Users`, {
        query: {
          filter: 'emails[type eq "work"].value eq "U2@example.org" and externalId eq "ext-u2"',
        },
      });
      expect(resourceIds(res.json)).toEqual(['u2']);
    });

    it('answers an empty ListResponse (200) when nothing matches', async () => {
      const { send } = setup([seededUser('u1')]);
      const res = await send('GET', `${base}/Users`, {
        query: { filter: 'userName eq "non-existent user"' },
      });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({
        schemas: [LIST],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
    });

    it.each([
      'userName co "x"',
      'displayName eq "x"',
      'userName eq "x" or userName eq "y"',
      'userName eq x',
      'userName eq "unterminated',
      '(userName eq "x")',
    ])('answers 400 invalidFilter to %s', async (filter) => {
      const { send } = setup();
      const res = await send('GET', `${base}/Users`, { query: { filter } });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({
        schemas: [ERROR],
        status: '400',
        scimType: 'invalidFilter',
      });
    });

    it('pages without a filter with a 1-based startIndex and count', async () => {
      const { send } = setup(['a', 'b', 'c', 'd', 'e'].map((id) => seededUser(id)));
      const res = await send('GET', `${base}/Users`, { query: { startIndex: '2', count: '2' } });
      expect(res.json).toMatchObject({ totalResults: 5, startIndex: 2, itemsPerPage: 2 });
      expect(resourceIds(res.json)).toEqual(['b', 'c']);
      const zero = await send('GET', `${base}/Users`, { query: { startIndex: '0', count: '-1' } });
      expect(zero.json).toMatchObject({ totalResults: 5, startIndex: 1, itemsPerPage: 0 });
    });

    it('answers 400 invalidValue to a non-numeric count', async () => {
      const { send } = setup();
      const res = await send('GET', `${base}/Users`, { query: { count: 'ten' } });
      expect(res.json).toMatchObject({ status: '400', scimType: 'invalidValue' });
    });
  });

  describe('GET /Users/{id}', () => {
    it('returns the resource with an ETag, inactive users included', async () => {
      const { send } = setup([seededUser('u1', { active: false, version: 4 })]);
      const res = await send('GET', `${base}/Users/u1`);
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('W/"4"');
      expect(res.json).toMatchObject({ schemas: [USER], id: 'u1', active: false });
    });

    it('answers 404 with the SCIM error schema for an unknown id', async () => {
      const { send } = setup();
      const res = await send('GET', `${base}/Users/5171a35d82074e068ce2`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toBe('application/scim+json');
      expect(res.json).toMatchObject({ schemas: [ERROR], status: '404' });
      expect(typeof res.json?.detail).toBe('string');
    });
  });

  describe('POST /Users', () => {
    const entraCreate = {
      schemas: [USER, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
      externalId: 'c2c1c5a4-0000-4000-8000-000000000001',
      userName: 'Pat.Doe@Contoso.example',
      active: true,
      emails: [
        { primary: false, type: 'other', value: 'pat@home.example' },
        { primary: true, type: 'work', value: 'Pat.Doe@Contoso.example' },
      ],
      meta: { resourceType: 'User' },
      name: { formatted: 'Pat Doe', familyName: 'Doe', givenName: 'Pat' },
      roles: [],
    };

    it('records the identity and answers 201 with the resource, meta and Location', async () => {
      const { send, store, queue } = setup();
      const res = await send('POST', `${base}/Users`, { body: entraCreate });
      expect(res.status).toBe(201);
      const id = res.json?.id as string;
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.location).toBe(`https://scim.example.test${base}/Users/${id}`);
      expect(res.json).toMatchObject({
        userName: 'Pat.Doe@Contoso.example',
        externalId: entraCreate.externalId,
        active: true,
        name: entraCreate.name,
        meta: {
          resourceType: 'User',
          created: NOW.toISOString(),
          lastModified: NOW.toISOString(),
          version: 'W/"1"',
        },
      });
      const record = await store.get(id);
      expect(record).toMatchObject({
        userName: 'Pat.Doe@Contoso.example',
        email: 'Pat.Doe@Contoso.example',
        externalId: entraCreate.externalId,
        active: true,
        version: 1,
      });
      expect(queue.sent).toHaveLength(0);
    });

    it('uses the first email when none is primary, and never stores or returns a password', async () => {
      const { send, store } = setup();
      const res = await send('POST', `${base}/Users`, {
        headers: { 'Content-Type': 'application/json' },
        body: {
          schemas: [USER],
          userName: 'test.user@okta.local',
          emails: [{ value: 'first@okta.local', type: 'work' }, { value: 'second@okta.local' }],
          password: '1mz050nq',
          groups: [],
          active: true,
        },
      });
      expect(res.status).toBe(201);
      expect(res.text).not.toContain('1mz050nq');
      const record = await store.get(res.json?.id as string);
      expect(record?.email).toBe('first@okta.local');
      expect(JSON.stringify(record)).not.toContain('1mz050nq');
    });

    it('answers 409 uniqueness to a duplicate userName, whatever its case', async () => {
      const { send } = setup([seededUser('u1', { userName: 'pat.doe@contoso.example' })]);
      const res = await send('POST', `${base}/Users`, { body: entraCreate });
      expect(res.status).toBe(409);
      expect(res.json).toMatchObject({ schemas: [ERROR], status: '409', scimType: 'uniqueness' });
    });

    it('answers 400 invalidValue without a userName', async () => {
      const { send, store } = setup();
      const res = await send('POST', `${base}/Users`, { body: { schemas: [USER], active: true } });
      expect(res.json).toMatchObject({ status: '400', scimType: 'invalidValue' });
      expect(store.snapshot()).toHaveLength(0);
    });

    it('records an inactive create without deprovisioning anyone', async () => {
      const { send, queue } = setup();
      const res = await send('POST', `${base}/Users`, {
        body: { schemas: [USER], userName: 'x@example.org', active: 'False' },
      });
      expect(res.json?.active).toBe(false);
      expect(queue.sent).toHaveLength(0);
    });
  });

  describe('PUT /Users/{id}', () => {
    const oktaPut = (active: boolean, givenName = 'Another') => ({
      schemas: [USER],
      id: 'u1',
      userName: 'u1@example.org',
      name: { givenName, middleName: 'Excited', familyName: 'User' },
      emails: [{ primary: true, value: 'u1@example.org', type: 'work', display: 'u1@example.org' }],
      active,
      groups: [],
      meta: { resourceType: 'User' },
    });

    it('replaces the user and deprovisions once on active true → false', async () => {
      const { send, queue, store } = setup([seededUser('u1')]);
      const res = await send('PUT', `${base}/Users/u1`, {
        body: oktaPut(false),
        headers: { 'User-Agent': 'Okta SCIM Client 1.0.0', 'content-type': 'application/json' },
      });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: 'u1', active: false, name: { givenName: 'Another' } });
      expect(res.json).not.toHaveProperty('displayName');
      expect(queue.sent).toEqual([
        {
          schemaVersion: 1,
          requestId: 'scim:u1:v2',
          source: 'scim',
          subject: {
            idpUserId: 'u1',
            login: 'u1@example.org',
            email: 'u1@example.org',
            externalId: 'ext-u1',
          },
          reason: 'scim.put.active=false',
          occurredAt: NOW.toISOString(),
          receivedAt: NOW.toISOString(),
        },
      ]);
      expect(DeprovisionRequestSchema.parse(queue.sent[0])).toEqual(queue.sent[0]);
      expect((await store.get('u1'))?.version).toBe(2);
      await send('PUT', `${base}/Users/u1`, { body: oktaPut(false) });
      expect(queue.sent).toHaveLength(1);
    });

    it('enqueues nothing for profile-only updates and for re-enabling', async () => {
      const { send, queue } = setup([seededUser('u1', { active: false })]);
      // Each update is accepted first (a 400 or 500 would also enqueue nothing).
      const renamed = await send('PUT', `${base}/Users/u1`, { body: oktaPut(false, 'Renamed') });
      expect(renamed.status).toBe(200);
      expect(renamed.json).toMatchObject({ id: 'u1', active: false });
      for (const body of [oktaPut(true), oktaPut(true, 'Again')]) {
        const res = await send('PUT', `${base}/Users/u1`, { body });
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ id: 'u1', active: true });
      }
      expect(queue.sent).toHaveLength(0);
    });

    it('keeps the current active value when the body leaves it out', async () => {
      const { send, queue } = setup([seededUser('u1')]);
      const { active: _, ...body } = oktaPut(true);
      const res = await send('PUT', `${base}/Users/u1`, { body });
      expect(res.json?.active).toBe(true);
      expect(queue.sent).toHaveLength(0);
    });

    it('answers 404 for an unknown id and 409 when taking another userName', async () => {
      const { send } = setup([seededUser('u1'), seededUser('u2')]);
      expect((await send('PUT', `${base}/Users/nope`, { body: oktaPut(true) })).status).toBe(404);
      const clash = await send('PUT', `${base}/Users/u2`, { body: oktaPut(true) });
      expect(clash.json).toMatchObject({ status: '409', scimType: 'uniqueness' });
    });
  });

  describe('DELETE /Users/{id}', () => {
    it('answers 204, enqueues one request, removes the record, then 404 on repeats', async () => {
      const { send, queue, store } = setup([seededUser('u1', { version: 3 })]);
      const res = await send('DELETE', `${base}/Users/u1`);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(queue.sent).toHaveLength(1);
      expect(queue.sent[0]).toMatchObject({
        requestId: 'scim:u1:delete:v3',
        reason: 'scim.delete',
        subject: { idpUserId: 'u1', login: 'u1@example.org' },
      });
      expect(await store.get('u1')).toBeUndefined();
      const again = await send('DELETE', `${base}/Users/u1`);
      expect(again.status).toBe(404);
      expect(again.json).toMatchObject({ schemas: [ERROR], status: '404' });
      expect(queue.sent).toHaveLength(1);
    });

    it('keeps the record and answers 503 when the enqueue fails, so the retry deprovisions', async () => {
      const { send, queue, store } = setup([seededUser('u1')]);
      queue.failNext = true;
      const res = await send('DELETE', `${base}/Users/u1`);
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ schemas: [ERROR], status: '503' });
      expect(await store.get('u1')).toBeDefined();
      queue.failNext = false;
      expect((await send('DELETE', `${base}/Users/u1`)).status).toBe(204);
      expect(queue.sent).toHaveLength(1);
    });
  });
});

describe('SCIM authentication', () => {
  it.each([
    ['missing', null],
    ['wrong', 'Bearer not-the-configured-token'],
    ['a prefix of the token', `Bearer ${SCIM_TOKEN.slice(0, 8)}`],
    ['the wrong scheme', `Basic ${SCIM_TOKEN}`],
    ['the bare token', SCIM_TOKEN],
  ])('answers 401 with a SCIM error and changes nothing when the token is %s', async (_, auth) => {
    const { send, queue, store } = setup([seededUser('u1')]);
    for (const [method, path, body] of [
      ['PATCH', '/scim/Users/u1', patchBody({ op: 'Replace', path: 'active', value: 'False' })],
      ['DELETE', '/scim/v2/Users/u1', undefined],
      ['GET', '/scim/v2/Users', undefined],
      ['GET', '/scim/v2/Nothing/here', undefined],
    ] as const) {
      const res = await send(method, path, { auth, ...(body ? { body } : {}) });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toBe('application/scim+json');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="scim"');
      expect(res.json).toEqual({ schemas: [ERROR], status: '401', detail: 'Unauthorized' });
    }
    expect(queue.sent).toHaveLength(0);
    expect((await store.get('u1'))?.active).toBe(true);
  });

  it('accepts the scheme in any case', async () => {
    const { send } = setup();
    expect((await send('GET', '/scim/v2/Users', { auth: `bearer ${SCIM_TOKEN}` })).status).toBe(
      200,
    );
  });
});

describe('SCIM request bodies and content types', () => {
  it.each([
    ['application/scim+json', 'application/scim+json'],
    ['application/json with charset', 'application/json; charset=utf-8'],
  ])('accepts %s', async (_, type) => {
    const { send, queue } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/v2/Users/u1', {
      headers: { 'Content-Type': type },
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
    expect(res.status).toBe(200);
    expect(queue.sent).toHaveLength(1);
  });

  it('accepts a JSON body without a Content-Type (Okta sends none)', async () => {
    const { send, queue } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/v2/Users/u1', {
      headers: { 'User-Agent': 'Okta SCIM Client 1.0.0', 'content-type': '' },
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
    expect(res.status).toBe(200);
    expect(queue.sent).toHaveLength(1);
  });

  it('answers 400 to another media type and to malformed JSON', async () => {
    const { send, queue } = setup([seededUser('u1')]);
    const text = await send('PATCH', '/scim/v2/Users/u1', {
      headers: { 'Content-Type': 'text/plain' },
      body: patchBody({ op: 'replace', value: { active: false } }),
    });
    expect(text.json).toMatchObject({ schemas: [ERROR], status: '400' });
    const broken = await send('PATCH', '/scim/v2/Users/u1', { body: '{"Operations": [' });
    expect(broken.json).toMatchObject({ schemas: [ERROR], status: '400' });
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 413 to a body over maxBodyBytes', async () => {
    const { send, queue } = setup([seededUser('u1')], { maxBodyBytes: 512 });
    const res = await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'replace', value: { active: false, displayName: 'x'.repeat(600) } }),
    });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ schemas: [ERROR], status: '413' });
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 405 with Allow and 404 for unknown SCIM paths, in the SCIM error schema', async () => {
    const { send } = setup();
    const post = await send('POST', '/scim/v2/ServiceProviderConfig', { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect(post.json).toMatchObject({ schemas: [ERROR], status: '405' });
    const head = await send('HEAD', '/scim/v2/Users');
    expect(head.status).toBe(405);
    const unknown = await send('GET', '/scim/v2/Users/u1/extra');
    expect(unknown.json).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it('leaves non-SCIM error bodies alone', async () => {
    const { send } = setup();
    const res = await send('GET', '/webhooks/nowhere');
    expect(res.json).toEqual({ message: 'No route for /webhooks/nowhere' });
  });
});

describe('SCIM discovery and /Groups', () => {
  it('serves an honest ServiceProviderConfig', async () => {
    const { send } = setup();
    const res = await send('GET', '/scim/v2/ServiceProviderConfig');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 100 },
      sort: { supported: false },
      etag: { supported: false },
      changePassword: { supported: false },
      authenticationSchemes: [{ type: 'oauthbearertoken', primary: true }],
    });
  });

  it('lists the User and Group resource types and the schemas as ListResponses', async () => {
    const { send } = setup();
    const types = await send('GET', '/scim/ResourceTypes');
    expect(types.json).toMatchObject({ schemas: [LIST], totalResults: 2 });
    expect((await send('GET', '/scim/ResourceTypes/User')).json).toMatchObject({
      id: 'User',
      endpoint: '/Users',
      schema: USER,
    });
    const schemas = await send('GET', '/scim/v2/Schemas');
    expect(schemas.json).toMatchObject({ schemas: [LIST], totalResults: 2 });
    expect((await send('GET', `/scim/v2/Schemas/${USER}`)).json).toMatchObject({ id: USER });
    expect((await send('GET', '/scim/v2/Schemas/urn:nope')).status).toBe(404);
  });

  it('answers an empty list for /Groups, 404 for a group id it never issued, 201 for creating one', async () => {
    const { send, queue } = setup();
    const list = await send('GET', '/scim/v2/Groups', {
      query: { excludedAttributes: 'members', filter: 'displayName eq "x"' },
    });
    expect(list.json).toEqual({
      schemas: [LIST],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
    expect((await send('GET', '/scim/v2/Groups/g1')).status).toBe(404);
    const create = await send('POST', '/scim/v2/Groups', {
      body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'g' },
    });
    expect(create.status).toBe(201);
    expect(create.json).toMatchObject({ schemas: [GROUP], displayName: 'g' });
    expect(queue.sent).toEqual([]);
  });
});
