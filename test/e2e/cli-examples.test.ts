import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

const REMOVED = {
  scimEntra: '7001000000118005',
  scimOkta: '7001000000118002',
  graph: '7001000000218004',
  signedWebhook: '7001000000118001',
  signedWebhookSecondHelpCenter: '7001000000218001',
};

describe('local/examples/README.md, run word for word against npm start', () => {
  let running: Running;
  let blocks: string[];

  beforeAll(async () => {
    running = await startService();
    const text = await readFile(join(ROOT, 'local/examples/README.md'), 'utf8');
    const service = new URL(running.url).host;
    const sandbox = new URL(running.sandboxUrl).host;
    blocks = [...text.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) =>
      (m[1] ?? '').replaceAll('127.0.0.1:3000', service).replaceAll('127.0.0.1:3001', sandbox),
    );
  }, 60_000);

  afterAll(async () => {
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    if (running) await rm(running.dataDir, { recursive: true, force: true });
  });

  it('every command block succeeds and each example removes its user from every group', async () => {
    expect(blocks).toHaveLength(4);
    for (const block of blocks) {
      const { code, output } = await bash(block);
      expect({ block, code, output }).toMatchObject({ code: 0 });
      expect(output).not.toMatch(/"status":\s*"?[45]\d\d|Unauthorized|error/i);
    }
    await until('every example user to leave every group', async () => {
      const s = await sandboxState(running.sandboxUrl);
      const left = s.users.filter((u) => Object.values(REMOVED).includes(u.id));
      return left.length === 5 && left.every((u) => u.groupIds.length === 0) ? true : undefined;
    });
    const dlq = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8').catch(() => '');
    expect(dlq).toBe('');
  });

  it('the EventBridge example carries a valid custom "User Deprovisioned" detail', async () => {
    const entries = JSON.parse(
      await readFile(join(ROOT, 'local/examples/eventbridge-user-deprovisioned.json'), 'utf8'),
    ) as Array<{ Source: string; DetailType: string; Detail: string }>;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      Source: 'helpcenter.deprovisioner',
      DetailType: 'User Deprovisioned',
    });
    expect(CustomDeprovisionDetailSchema.parse(JSON.parse(entries[0]!.Detail))).toMatchObject({
      subject: { email: 'carol@example.com' },
    });
  });
});
