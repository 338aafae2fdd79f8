import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { CustomDeprovisionDetailSchema } from '#core/intake/eventbridge/normalise.ts';
import {
  bash,
  killGroup,
  ROOT,
  type Running,
  sandboxState,
  startService,
  until,
} from './service.ts';

/**
 * The group-level section of local/examples/README.md (```bash group-mapping blocks), run word for
 * word against `npm start` with the documented `GROUP_MAPPING` (local/examples/group-mapping.json):
 * each example removes one person from exactly one Help Center group and keeps the others.
 */

const ALICE_HC1 = '7001000000118001';
const ALICE_HC2 = '7001000000218001';
const BOB = '7001000000118002';
const DAVE = '7001000000218004';

describe('local/examples/README.md group-level examples, run word for word against npm start', () => {
  let running: Running;
  let blocks: string[];

  beforeAll(async () => {
    const mapping = await readFile(join(ROOT, 'local/examples/group-mapping.json'), 'utf8');
    running = await startService({ GROUP_MAPPING: mapping });
    const text = await readFile(join(ROOT, 'local/examples/README.md'), 'utf8');
    expect(text).toContain('GROUP_MAPPING="$(cat local/examples/group-mapping.json)" npm start');
    const service = new URL(running.url).host;
    blocks = [...text.matchAll(/```bash group-mapping\n([\s\S]*?)```/g)].map((m) =>
      (m[1] ?? '').replaceAll('127.0.0.1:3000', service),
    );
  }, 60_000);

  afterAll(async () => {
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    if (running) await rm(running.dataDir, { recursive: true, force: true });
  });

  it('every block succeeds and removes exactly the mapped membership', async () => {
    expect(blocks).toHaveLength(3);
    for (const block of blocks) {
      const { code, output } = await bash(block);
      expect({ block, code, output }).toMatchObject({ code: 0 });
      expect(output).not.toMatch(/"status":\s*"?[45]\d\d|Unauthorized|error|"ignored"/i);
    }
    const expected: Record<string, string[]> = {
      [ALICE_HC1]: ['7001000000104001', '7001000000104003'],
      [ALICE_HC2]: [],
      [BOB]: ['7001000000104002'],
      [DAVE]: [],
    };
    await until('each example to remove its one membership', async () => {
      const { users } = await sandboxState(running.sandboxUrl);
      const now = Object.fromEntries(
        Object.keys(expected).map((id) => [id, users.find((u) => u.id === id)?.groupIds]),
      );
      return JSON.stringify(now) === JSON.stringify(expected) ? true : undefined;
    });
    // Each example made exactly one group-centric member removal (one person, one Help Center
    // user each), and none a user-centric removal: a full deprovision would leave the same
    // `groupIds` for a person in only one group.
    const { calls } = await sandboxState(running.sandboxUrl);
    const writes = calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'));
    const groupCentric = (c: { method: string; path: string }) =>
      (c.method === 'DELETE' &&
        /^\/api\/v1\/(helpcenter\/\d+\/)?groups\/\d+\/users$/.test(c.path)) ||
      (c.method === 'POST' &&
        /^\/api\/v1\/(helpcenter\/\d+\/)?groups\/\d+\/users\/remove$/.test(c.path));
    expect(writes.filter((c) => !groupCentric(c))).toEqual([]);
    expect(writes.filter((c) => /\/users\/\d+\/groups$/.test(c.path))).toEqual([]);
    expect(writes).toHaveLength(blocks.length);
    expect(writes.every((c) => c.status !== undefined && c.status < 300)).toBe(true);
    const dlq = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8').catch(() => '');
    expect(dlq).toBe('');
  });

  it('the example mapping is valid and the EventBridge example carries a valid group-level detail', async () => {
    const mapping = parseGroupMapping(
      await readFile(join(ROOT, 'local/examples/group-mapping.json'), 'utf8'),
      { helpCenterIds: ['7001000000000001', '7001000000000002'] },
    );
    const entries = JSON.parse(
      await readFile(
        join(ROOT, 'local/examples/eventbridge-group-membership-removed.json'),
        'utf8',
      ),
    ) as Array<{ Source: string; DetailType: string; Detail: string }>;
    expect(entries[0]).toMatchObject({
      Source: 'helpcenter.deprovisioner',
      DetailType: 'Group Membership Removed',
    });
    const detail = CustomDeprovisionDetailSchema.parse(JSON.parse(entries[0]!.Detail));
    expect(mapping.has(detail.idpGroupId ?? '')).toBe(true);
  });
});
