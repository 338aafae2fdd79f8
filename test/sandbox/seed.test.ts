import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSeed, SandboxSeedSchema } from '../../local/sandbox/server.ts';
import { testSeed } from './sandbox-helpers.ts';

const DEMO_SEED = 'local/seed.json';

describe('sandbox seed', () => {
  it('loads the demo seed: two help centers, one person in both, an ambiguous mailbox', async () => {
    const seed = await loadSeed(DEMO_SEED);
    expect(seed.orgId).toBe('60012345678');
    expect(seed.helpCenters.map((hc) => hc.name)).toEqual(['Customer Portal', 'Partner Portal']);
    const byEmail = (email: string) => seed.users.filter((u) => u.email === email);
    const alice = byEmail('alice@example.com');
    expect(new Set(alice.map((u) => u.helpCenterId)).size).toBe(2);
    expect(alice.every((u) => u.groupIds.length > 0)).toBe(true);
    const shared = byEmail('shared.mailbox@example.com');
    expect(shared).toHaveLength(2);
    expect(shared[0]?.helpCenterId).toBe(shared[1]?.helpCenterId);
    expect(byEmail('carol@example.com')[0]?.groupIds).toEqual([]);
    for (const user of seed.users) {
      expect(user.id).toMatch(/^\d{16}$/);
      for (const groupId of user.groupIds) {
        expect(seed.groups.find((g) => g.id === groupId)?.helpCenterId).toBe(user.helpCenterId);
      }
    }
    expect(seed.oauth.scopes).toEqual(['Desk.settings.ALL', 'Desk.basic.READ']);
  });

  it('rejects duplicate ids and references to unknown help centers or groups', () => {
    const seed = testSeed();
    const broken = {
      ...seed,
      groups: [...seed.groups, { id: 'g-x', helpCenterId: 'nowhere', name: 'Orphan' }],
      users: [
        ...seed.users,
        {
          id: seed.users[0]?.id,
          email: 'x@example.com',
          helpCenterId: 'nowhere',
          groupIds: ['g?'],
        },
      ],
    };
    const result = SandboxSeedSchema.safeParse(broken);
    expect(result.success).toBe(false);
    const messages = result.error?.issues.map((i) => i.message) ?? [];
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('duplicate id'),
        'unknown help center nowhere',
        'unknown group g?',
      ]),
    );
  });

  it('names the file and the invalid fields when loading a bad seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-seed-'));
    const path = join(dir, 'seed.json');
    await writeFile(path, JSON.stringify({ ...testSeed(), orgId: undefined }));
    await expect(loadSeed(path)).rejects.toThrow(new RegExp(`${path}[\\s\\S]*orgId`));
  });
});

describe('sandbox CLI', () => {
  it('serves the seed on SANDBOX_PORT, prints its URL and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/sandbox/main.ts'], {
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_SEED: DEMO_SEED },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
        if (match) resolve(match[0]);
      });
      child.on('exit', () => reject(new Error(`exited before listening: ${out}`)));
    });
    const state = (await (await fetch(`${url}/_sandbox/state`)).json()) as { users: unknown[] };
    expect(state.users).toHaveLength(8);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
