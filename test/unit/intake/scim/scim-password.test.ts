import { describe, expect, it } from 'vitest';
import { patchBody, seededUser, setup, USER } from './scim-test-kit.ts';

const SECRET = 'Pa55-never-kept';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
// SCIM attribute names are case-insensitive (RFC 7643 section 2.1).
const SPELLINGS = ['password', 'Password', 'PASSWORD'] as const;

const userBody = (key: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER],
  userName: 'pat.doe@contoso.example',
  active: true,
  [key]: SECRET,
  ...extra,
});

describe.each(SPELLINGS)('SCIM Users never keep a password sent as "%s"', (key) => {
  it('POST stores and returns no password', async () => {
    const { send, store } = setup();
    const res = await send('POST', '/scim/v2/Users', { body: userBody(key) });
    expect(res.status).toBe(201);
    expect(res.text).not.toContain(SECRET);
    expect(JSON.stringify(await store.get(res.json?.id as string))).not.toContain(SECRET);
  });

  it('PUT stores and returns no password', async () => {
    const { send, store } = setup([seededUser('u1', { userName: 'pat.doe@contoso.example' })]);
    const res = await send('PUT', '/scim/v2/Users/u1', { body: userBody(key) });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(SECRET);
    expect(JSON.stringify(await store.get('u1'))).not.toContain(SECRET);
  });

  it('PATCH with a path stores and returns no password', async () => {
    const { send, store } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'replace', path: key, value: SECRET }),
    });
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(SECRET);
    expect(JSON.stringify(await store.get('u1'))).not.toContain(SECRET);
  });

  it('PATCH without a path stores and returns no password', async () => {
    const { send, store } = setup([seededUser('u1')]);
    const res = await send('PATCH', '/scim/v2/Users/u1', {
      body: patchBody({ op: 'replace', value: { [key]: SECRET, displayName: 'Pat' } }),
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ displayName: 'Pat' });
    expect(res.text).not.toContain(SECRET);
    expect(JSON.stringify(await store.get('u1'))).not.toContain(SECRET);
  });

  it('drops a password nested in an extension object or named by its schema URN', async () => {
    const { send, store } = setup();
    const res = await send('POST', '/scim/v2/Users', {
      body: {
        schemas: [USER, ENTERPRISE],
        userName: 'pat.doe@contoso.example',
        [`${USER}:${key}`]: SECRET,
        [ENTERPRISE]: { department: 'Sales', [key]: SECRET },
      },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ [ENTERPRISE]: { department: 'Sales' } });
    expect(res.text).not.toContain(SECRET);
    expect(JSON.stringify(await store.get(res.json?.id as string))).not.toContain(SECRET);
  });
});

describe('SCIM Users with a password stored before it was filtered', () => {
  it('never return it', async () => {
    const seeded = seededUser('u1');
    const { send } = setup([
      {
        ...seeded,
        attributes: { ...seeded.attributes, Password: SECRET, name: { PASSWORD: SECRET } },
      },
    ]);
    const res = await send('GET', '/scim/v2/Users/u1');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(SECRET);
  });
});
