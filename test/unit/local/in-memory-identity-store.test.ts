import { describe, expect, it } from 'vitest';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';

const record = (id: string, extra: Partial<IdentityRecord> = {}): IdentityRecord => ({
  id,
  active: true,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...extra,
});

describe('InMemoryIdentityStore', () => {
  it('finds by userName and email case-insensitively, by externalId and idpUserId exactly', async () => {
    const store = new InMemoryIdentityStore([
      record('a', {
        userName: 'Alice@Example.org',
        email: 'ALICE@example.org',
        externalId: 'Ext-1',
        idpUserId: '00uA',
      }),
    ]);
    expect(await store.findBy('userName', 'alice@example.ORG')).toHaveLength(1);
    expect(await store.findBy('email', 'alice@EXAMPLE.org')).toHaveLength(1);
    expect(await store.findBy('externalId', 'Ext-1')).toHaveLength(1);
    expect(await store.findBy('externalId', 'ext-1')).toHaveLength(0);
    expect(await store.findBy('idpUserId', '00ua')).toHaveLength(0);
  });

  it('stores copies, keeps the version the caller set and deletes', async () => {
    const store = new InMemoryIdentityStore();
    const r = record('a', { version: 7, attributes: { displayName: 'A' } });
    await store.put(r);
    r.attributes = { displayName: 'changed' };
    const got = await store.get('a');
    expect(got?.version).toBe(7);
    expect(got?.attributes).toEqual({ displayName: 'A' });
    if (got) got.active = false;
    expect((await store.get('a'))?.active).toBe(true);
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('lists in id order with a 1-based startIndex', async () => {
    const store = new InMemoryIdentityStore([record('c'), record('a'), record('b')]);
    const page = await store.list({ startIndex: 2, count: 5 });
    expect(page.total).toBe(3);
    expect(page.records.map((r) => r.id)).toEqual(['b', 'c']);
    expect((await store.list({ startIndex: 1, count: 0 })).records).toEqual([]);
  });
});
