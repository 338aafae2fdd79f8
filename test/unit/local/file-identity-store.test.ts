import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { FileIdentityStore } from '../../../local/adapters/file-identity-store.ts';
import { identityRecord } from '../../helpers/identity-record.ts';

const record = identityRecord;

describe('FileIdentityStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcd-identity-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens an absent file as an empty store and creates the file (and its folder) on the first write', async () => {
    const path = join(dir, 'nested', 'identities.json');
    const store = await FileIdentityStore.open(path);
    expect(await store.list({ startIndex: 1, count: 10 })).toEqual({ total: 0, records: [] });
    await store.put(record('a'));
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ records: [record('a')] });
  });

  it('keeps every put and delete across a reopen, looked up the way SCIM looks them up', async () => {
    const path = join(dir, 'identities.json');
    const first = await FileIdentityStore.open(path);
    await first.put(record('a', { userName: 'Alice@Example.org' }));
    await first.put(record('b'));
    await first.put(record('c'));
    await first.delete('b');

    const reopened = await FileIdentityStore.open(path);
    expect(await reopened.get('a')).toEqual(record('a', { userName: 'Alice@Example.org' }));
    expect(await reopened.get('b')).toBeUndefined();
    expect((await reopened.findBy('userName', 'alice@example.ORG')).map((r) => r.id)).toEqual([
      'a',
    ]);
    expect((await reopened.list({ startIndex: 1, count: 10 })).records.map((r) => r.id)).toEqual([
      'a',
      'c',
    ]);
  });

  it('writes concurrent puts one after another, ending with all of them in the file', async () => {
    const path = join(dir, 'identities.json');
    const store = await FileIdentityStore.open(path);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => store.put(record(id))));
    const saved = JSON.parse(await readFile(path, 'utf8')) as { records: IdentityRecord[] };
    expect(saved.records.map((r) => r.id).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('lets writes made while a rewrite waits share it: 200 concurrent creates cost at most 2 rewrites, and each resolves once a finished rewrite holds it', async () => {
    const path = join(dir, 'identities.json');
    const finished: string[] = [];
    const store = await FileIdentityStore.open(path, {
      writeFile: async (target, text) => {
        await writeFile(target, text, 'utf8');
        finished.push(text);
      },
    });
    await store.put(record('first'));
    expect(finished).toHaveLength(1);
    const ids = Array.from({ length: 200 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    await Promise.all(
      ids.map(async (id) => {
        await store.create(record(id));
        // Resolved: the last finished rewrite already holds this record.
        expect(finished.at(-1)).toContain(`"id": "${id}"`);
      }),
    );
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(finished.length).toBeLessThanOrEqual(3);
    const saved = JSON.parse(await readFile(path, 'utf8')) as { records: IdentityRecord[] };
    expect(saved.records.map((r) => r.id)).toEqual(['first', ...ids]);
  });

  it('writes that follow a rewrite under way wait for it, then share one rewrite of their own that holds them all', async () => {
    const path = join(dir, 'identities.json');
    let release: () => void = () => undefined;
    const texts: string[] = [];
    const store = await FileIdentityStore.open(path, {
      writeFile: async (_target, text) => {
        texts.push(text);
        if (texts.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    const first = store.put(record('a'));
    await new Promise((resolve) => setImmediate(resolve)); // the first rewrite has started
    const second = store.put(record('b'));
    await new Promise((resolve) => setImmediate(resolve));
    const third = store.put(record('c')); // joins the rewrite that waits behind the first
    await new Promise((resolve) => setImmediate(resolve));
    // Nothing starts while the first rewrite is under way.
    expect(texts).toHaveLength(1);
    release();
    await Promise.all([first, second, third]);
    expect(texts).toHaveLength(2);
    expect(texts[0]).not.toContain('"id": "b"');
    expect(texts[1]).toContain('"id": "b"');
    expect(texts[1]).toContain('"id": "c"');
  });

  it('fails every write that shared a failed rewrite, and the next write rewrites everything again', async () => {
    const path = join(dir, 'identities.json');
    let fail = true;
    const store = await FileIdentityStore.open(path, {
      writeFile: async (target, text) => {
        if (fail) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        await writeFile(target, text, 'utf8');
      },
    });
    const results = await Promise.allSettled([store.put(record('a')), store.put(record('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await store.put(record('c'));
    const saved = JSON.parse(await readFile(path, 'utf8')) as { records: IdentityRecord[] };
    expect(saved.records.map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to open a file that is not JSON rather than starting empty', async () => {
    const path = join(dir, 'identities.json');
    await writeFile(path, '{ not json', 'utf8');
    await expect(FileIdentityStore.open(path)).rejects.toThrow(SyntaxError);
  });
});
