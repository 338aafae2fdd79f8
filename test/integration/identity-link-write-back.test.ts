import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdentityLinks } from '#core/adapters/aws/dynamodb-identity-links.ts';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { writeBackLinks } from '#core/deprovision/link-write-back.ts';
import type { IdentityRecord, IdentityStore } from '#core/ports/identity-store.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { WorkerResources } from './worker-resources.ts';

/**
 * The identity store's conditional writes on DynamoDB (moto or a real endpoint), on a table made
 * from the synthesized template: the conditional create, the version-conditional link update that
 * sets only the links, and the worker's write-back racing a SCIM deactivation.
 */

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const clock = { now: () => new Date('2026-12-04T19:00:00.000Z') };

function scimRecord(overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id: 'scim-1',
    userName: 'dave@example.com',
    externalId: 'entra-obj-dave',
    email: 'dave@example.com',
    active: true,
    attributes: { displayName: 'Dave' },
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    version: 3,
    ...overrides,
  };
}

describe('DynamoDbIdentityStore conditional writes (integration)', () => {
  const aws = new WorkerResources('links');
  let store: DynamoDbIdentityStore;
  let links: DynamoDbIdentityLinks;

  beforeAll(async () => {
    const table = await aws.identityTable();
    store = new DynamoDbIdentityStore(aws.documents, table);
    links = new DynamoDbIdentityLinks(aws.documents, table);
  }, 60_000);

  afterAll(async () => {
    await aws.cleanup();
  });

  it('create writes a new record once and refuses an existing id', async () => {
    const record = scimRecord({ id: 'create-1' });
    expect(await links.create(record)).toBe(true);
    expect(await links.create({ ...record, active: false, version: 9 })).toBe(false);
    expect(await store.get('create-1')).toEqual(record);
  });

  it('linkHelpCenterUsers sets only the links, version and updatedAt, while the version matches', async () => {
    await store.put(scimRecord({ id: 'link-1' }));
    const ok = await links.linkHelpCenterUsers(
      'link-1',
      { [HC1]: '7001000000118001' },
      { expectedVersion: 3, updatedAt: '2026-12-04T19:00:00.000Z' },
    );
    expect(ok).toBe(true);
    expect(await store.get('link-1')).toEqual({
      ...scimRecord({ id: 'link-1' }),
      helpCenterUserIds: { [HC1]: '7001000000118001' },
      version: 4,
      updatedAt: '2026-12-04T19:00:00.000Z',
    });
    // A stale version, or a record that does not exist, writes nothing.
    expect(
      await links.linkHelpCenterUsers(
        'link-1',
        { [HC2]: '7001000000218001' },
        { expectedVersion: 3, updatedAt: '2026-12-04T19:01:00.000Z' },
      ),
    ).toBe(false);
    expect(
      await links.linkHelpCenterUsers(
        'nobody',
        { [HC1]: '1' },
        { expectedVersion: 1, updatedAt: '2026-12-04T19:01:00.000Z' },
      ),
    ).toBe(false);
    expect(await store.get('nobody')).toBeUndefined();
    expect((await store.get('link-1'))?.helpCenterUserIds).toEqual({ [HC1]: '7001000000118001' });
  });

  it('a SCIM deactivation between the write-back read and its write is not undone', async () => {
    await store.put(scimRecord({ id: 'race-1', externalId: 'entra-obj-race' }));
    // The write-back reads version 3 (active); SCIM then PATCHes active=false (version 4) before
    // the write-back's first write arrives.
    let raced = false;
    const racing: IdentityStore = {
      get: (id) => store.get(id),
      findBy: async (key, value) => {
        const found = await store.findBy(key, value);
        if (!raced && found.length === 1) {
          raced = true;
          const current = (await store.get(found[0]!.id))!;
          await store.put({ ...current, active: false, version: current.version + 1 });
        }
        return found;
      },
      put: (record) => store.put(record),
      delete: (id) => store.delete(id),
      list: (options) => store.list(options),
    };

    const result = await writeBackLinks(
      { identityStore: racing, identityLinks: links, clock, logger: silentLogger },
      { idpUserId: 'entra-obj-race', email: 'dave@example.com' },
      [{ helpCenterId: HC1, userId: '7001000000118009' }],
      { requestId: 'r-race' },
    );

    expect(raced).toBe(true);
    expect(result).toBe('linked');
    const after = await store.get('race-1');
    expect(after).toMatchObject({
      active: false,
      version: 5,
      userName: 'dave@example.com',
      attributes: { displayName: 'Dave' },
      helpCenterUserIds: { [HC1]: '7001000000118009' },
    });
  });

  it('a blind write that raced the same way would have restored active (why the condition exists)', async () => {
    await store.put(scimRecord({ id: 'race-2' }));
    const read = (await store.get('race-2'))!;
    const current = (await store.get('race-2'))!;
    await store.put({ ...current, active: false, version: current.version + 1 });
    // The conditional write with the version it read is refused...
    expect(
      await links.linkHelpCenterUsers(
        'race-2',
        { [HC1]: '1' },
        { expectedVersion: read.version, updatedAt: '2026-12-04T19:00:00.000Z' },
      ),
    ).toBe(false);
    expect((await store.get('race-2'))?.active).toBe(false);
    // ...while a blind write of what it read (plus the links) puts the person back to active.
    await store.put({
      ...read,
      helpCenterUserIds: { [HC1]: '1' },
      version: read.version + 1,
      updatedAt: '2026-12-04T19:00:00.000Z',
    });
    expect(read.active).toBe(true);
    expect(await store.get('race-2')).toMatchObject({
      active: true,
      helpCenterUserIds: { [HC1]: '1' },
    });
  });

  it('creates a record keyed by the IdP id when none exists; a later lookup by that id finds the links', async () => {
    const result = await writeBackLinks(
      { identityStore: store, identityLinks: links, clock, logger: silentLogger },
      { idpUserId: '00uNEW0000000000001', email: 'new@example.com' },
      [
        { helpCenterId: HC1, userId: '7001000000118011' },
        { helpCenterId: HC2, userId: '7001000000218011' },
      ],
      { requestId: 'r-new' },
    );
    expect(result).toBe('created');
    const record = await store.get('00uNEW0000000000001');
    expect(record).toEqual({
      id: '00uNEW0000000000001',
      idpUserId: '00uNEW0000000000001',
      active: false,
      helpCenterUserIds: { [HC1]: '7001000000118011', [HC2]: '7001000000218011' },
      createdAt: '2026-12-04T19:00:00.000Z',
      updatedAt: '2026-12-04T19:00:00.000Z',
      version: 1,
    });
    // No email was invented onto the record.
    expect(await store.findBy('email', 'new@example.com')).toEqual([]);
    expect((await store.findBy('idpUserId', '00uNEW0000000000001')).map((r) => r.id)).toEqual([
      '00uNEW0000000000001',
    ]);
  });
});
