import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, type Sandbox, startSandbox } from '../../local/sandbox/server.ts';
import { killGroup, ROOT, type Running, sandboxState, startService, until } from './service.ts';

const PEOPLE = 80;

function oktaDelivery(i: number) {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://example.okta.com/api/v1/eventHooks/whoKILL',
    eventId: `kill-delivery-${i}`,
    data: {
      events: [
        {
          uuid: `kill-event-${i}`,
          published: '2026-11-26T09:00:00.000Z',
          eventType: 'user.lifecycle.deactivate',
          version: '0',
          outcome: { result: 'SUCCESS', reason: null },
          target: [{ id: `00uKILL${i}`, type: 'User', alternateId: `kill${i}@example.com` }],
        },
      ],
    },
  });
}

/**
 * "200 means durably accepted": the sandbox runs in the test (so it outlives the runner), the
 * runner is killed with SIGKILL right after the last 200, and a restart on the same data dir must
 * finish every acknowledged deprovision.
 */
describe('npm start survives SIGKILL mid-burst', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  let env: Record<string, string>;
  let bystanderId: string;
  const running: Running[] = [];

  beforeAll(async () => {
    const seed = await loadSeed(join(ROOT, 'local/seed.json'));
    const hcs = seed.helpCenters.map((hc) => hc.id);
    const groupsOf = (hc: string) =>
      seed.groups.filter((g) => g.helpCenterId === hc).map((g) => g.id);
    seed.users = Array.from({ length: PEOPLE + 1 }, (_, i) => {
      const hc = hcs[i % hcs.length] ?? '';
      return {
        id: String(8_100_000_000_000 + i),
        email: i === PEOPLE ? 'bystander@example.com' : `kill${i}@example.com`,
        helpCenterId: hc,
        groupIds: groupsOf(hc),
      };
    });
    bystanderId = String(8_100_000_000_000 + PEOPLE);
    sandbox = await startSandbox({ seed });
    dataDir = await mkdtemp(join(tmpdir(), 'hcd-kill-'));
    env = {
      LOCAL_DATA_DIR: dataDir,
      HELPCENTER_BASE_URL: sandbox.url,
      ZOHO_ACCOUNTS_URL: sandbox.url,
      ZOHO_CLIENT_ID: seed.oauth.clientId,
      ZOHO_CLIENT_SECRET: seed.oauth.clientSecret,
      ZOHO_REFRESH_TOKEN: seed.oauth.refreshToken,
      ZOHO_ORG_ID: seed.orgId,
      HELPCENTER_IDS: hcs.join(','),
      GUARD_MAX_REQUESTS: '100000',
    };
  }, 60_000);

  afterAll(async () => {
    for (const r of running) killGroup(r.child, 'SIGKILL');
    await sandbox?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('loses none of the acknowledged deprovisions', async () => {
    // Slow removals (each DELETE held 3 s, under the 8 s client timeout; the worker runs at most 10
    // at once), so most of the burst is still queued or in flight when the process dies.
    const DELAY_MS = 3000;
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'DELETE',
        pathPrefix: '/api/',
        delayMs: DELAY_MS,
        times: 10_000,
      }),
    });
    const first = await startService(env);
    running.push(first);
    const statuses: number[] = [];
    for (let start = 0; start < PEOPLE; start += 20) {
      const batch = Array.from({ length: Math.min(20, PEOPLE - start) }, (_, k) => start + k);
      statuses.push(
        ...(await Promise.all(
          batch.map(async (i) => {
            const res = await fetch(`${first.url}/webhooks/okta`, {
              method: 'POST',
              headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
              body: oktaDelivery(i),
            });
            return res.status;
          }),
        )),
      );
    }
    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    killGroup(first.child, 'SIGKILL');
    await exited;
    expect(statuses.filter((s) => s === 200)).toHaveLength(PEOPLE);

    // A DELETE in flight at the kill still lands in the sandbox after its delay: let those land,
    // so what is counted is every removal the first process started.
    await new Promise((resolve) => setTimeout(resolve, DELAY_MS + 500));
    const removedBeforeKill = (await sandboxState(sandbox.url)).users.filter(
      (u) => u.id !== bystanderId && u.groupIds.length === 0,
    ).length;
    // At least half the acknowledged people were still pending at the kill: otherwise the test
    // proves little about the restart.
    expect(PEOPLE - removedBeforeKill).toBeGreaterThanOrEqual(PEOPLE / 2);

    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    const second = await startService(env);
    running.push(second);
    await until(
      'every acknowledged person to be removed after the restart',
      async () => {
        const s = await sandboxState(sandbox.url);
        const left = s.users.filter((u) => u.id !== bystanderId && u.groupIds.length > 0);
        return left.length === 0 ? true : undefined;
      },
      45_000,
    );
    const s = await sandboxState(sandbox.url);
    expect(s.users.find((u) => u.id === bystanderId)?.groupIds.length).toBeGreaterThan(0);
    expect(
      s.calls.some((c) => c.method === 'DELETE' && /^\/api\/v1\/groups\/\d+$/.test(c.path)),
    ).toBe(false);
    const exitedCleanly = new Promise((resolve) => second.child.once('exit', resolve));
    killGroup(second.child, 'SIGINT');
    expect(await exitedCleanly).toBe(0);
  }, 120_000);
});
