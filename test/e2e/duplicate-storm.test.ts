import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup, ROOT, type Running, sandboxState, startService, until } from './service.ts';

const ALICE_IDS = ['7001000000118001', '7001000000218001'];

describe('npm start under a duplicate storm', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startService();
  }, 60_000);
  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
  });

  it('makes one removal call per help center for 50 concurrent copies of one Okta delivery', async () => {
    const body = await readFile(join(ROOT, 'local/examples/okta-deactivate-alice.json'));
    const statuses = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await fetch(`${running.url}/webhooks/okta`, {
          method: 'POST',
          headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
          body,
        });
        return res.status;
      }),
    );
    expect(statuses).toEqual(Array.from({ length: 50 }, () => 200));
    await until('the queue to be idle', async () => {
      const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
        queueDepth: number;
      };
      return health.queueDepth === 0 ? true : undefined;
    });
    const s = await sandboxState(running.sandboxUrl);
    const deletes = s.calls.filter((c) => c.method === 'DELETE');
    expect(deletes.map((c) => c.path).sort()).toEqual(
      ALICE_IDS.map((id, i) => `/api/v1/helpcenter/700100000000000${i + 1}/users/${id}/groups`),
    );
    expect(
      s.users.filter((u) => ALICE_IDS.includes(u.id)).every((u) => u.groupIds.length === 0),
    ).toBe(true);
  });
});
