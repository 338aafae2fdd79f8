import { createHmac, randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { killGroup, type Running, sandboxState, startService, until } from './service.ts';

/**
 * The worker's link write-back through `npm start`: a deprovision that names the person by email
 * and an IdP id records the Help Center ids it found on the identity store (`.local/identities.json`);
 * a later request that carries only that IdP id (as a Graph `deleted` notification does) resolves
 * from the store, with no directory lookup.
 */

const HC1 = '7001000000000001';
const BOB = '7001000000118002';
const BOB_IDP_ID = 'hr-bob-4712';
const SIGNING_KEY = Buffer.from('bG9jYWwtc2lnbmluZy1rZXktMDEyMzQ1Njc=', 'base64');

async function signedWebhook(running: Running, subject: Record<string, string>): Promise<number> {
  const id = `msg_${randomUUID()}`;
  const timestamp = String(Math.floor(Date.now() / 1000));
  const body = JSON.stringify({ type: 'user.deprovisioned', subject, reason: 'offboarding' });
  const signature = createHmac('sha256', SIGNING_KEY)
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64');
  const res = await fetch(`${running.url}/webhooks/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${signature}`,
    },
    body,
  });
  return res.status;
}

async function bobLeftEveryGroupAndQueueIdle(running: Running): Promise<void> {
  await until('Bob to leave every group', async () => {
    const state = await sandboxState(running.sandboxUrl);
    return state.users.find((u) => u.id === BOB)?.groupIds.length === 0 ? true : undefined;
  });
  await until('the work queue to be idle', async () => {
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      queueDepth: number | null;
    };
    return health.queueDepth === 0 ? true : undefined;
  });
}

describe('link write-back through npm start', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startService();
  }, 40_000);

  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
  });

  it('records the links found by email, and a later request with only the IdP id resolves from the store', async () => {
    expect(await signedWebhook(running, { email: 'bob@example.com', idpUserId: BOB_IDP_ID })).toBe(
      200,
    );
    await bobLeftEveryGroupAndQueueIdle(running);

    const file = JSON.parse(await readFile(join(running.dataDir, 'identities.json'), 'utf8')) as {
      records: Array<Record<string, unknown>>;
    };
    expect(file.records).toEqual([
      expect.objectContaining({
        id: BOB_IDP_ID,
        idpUserId: BOB_IDP_ID,
        helpCenterUserIds: { [HC1]: BOB },
        version: 1,
      }),
    ]);
    expect(JSON.stringify(file)).not.toContain('bob@example.com');
    // The operator sees the same link with the CLI.
    const exported = await runCli(['identities', 'export'], {
      LOCAL_DATA_DIR: running.dataDir,
      PORT: new URL(running.url).port,
    });
    expect(exported.code).toBe(0);
    expect(
      exported.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([{ idpUserId: BOB_IDP_ID, helpCenterUserIds: { [HC1]: BOB } }]);

    // Bob is back in his groups (the seed again; issued tokens kept), and a request names him by
    // the IdP id alone: no email to look him up by.
    const reset = await fetch(`${running.sandboxUrl}/_sandbox/reset?keepTokens=true`, {
      method: 'POST',
    });
    expect(reset.status).toBe(200);
    expect(
      (await sandboxState(running.sandboxUrl)).users.find((u) => u.id === BOB)?.groupIds.length,
    ).toBeGreaterThan(0);
    expect(await signedWebhook(running, { idpUserId: BOB_IDP_ID })).toBe(200);
    await bobLeftEveryGroupAndQueueIdle(running);

    const { calls } = await sandboxState(running.sandboxUrl);
    // Resolved from the store: no directory search, straight to the removal.
    expect(calls.filter((c) => c.path === '/api/v1/users')).toEqual([]);
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([
      { method: 'DELETE', path: `/api/v1/helpcenter/${HC1}/users/${BOB}/groups`, status: 204 },
    ]);
    const writeBackLines = running
      .output()
      .split('\n')
      .filter((l) => l.includes('identity links written back'));
    expect(writeBackLines).toHaveLength(1);
    expect(writeBackLines[0]).not.toContain('bob@example.com');
  }, 40_000);
});
