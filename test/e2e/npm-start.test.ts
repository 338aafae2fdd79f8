import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  killGroup,
  ROOT,
  type Running,
  runToExit,
  sandboxState,
  startService,
  stopService,
  until,
} from './service.ts';

const ALICE_IDS = ['7001000000118001', '7001000000218001'];
const BOB_ID = '7001000000118002';

const state = sandboxState;

function oktaDelivery(uuid: string, userId: string, email: string) {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://example.okta.com/api/v1/eventHooks/whoE2E',
    eventId: `delivery-${uuid}`,
    data: {
      events: [
        {
          uuid,
          published: '2026-11-26T09:00:00.000Z',
          eventType: 'user.lifecycle.deactivate',
          version: '0',
          outcome: { result: 'SUCCESS', reason: null },
          target: [{ id: userId, type: 'User', alternateId: email, displayName: 'E2E' }],
        },
      ],
    },
  };
}

describe('npm start (local mode, end to end)', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startService();
  }, 60_000);

  afterAll(async () => {
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    if (running) await rm(running.dataDir, { recursive: true, force: true });
  });

  it('answers /healthz once ready', async () => {
    const res = await fetch(`${running.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'local' });
  });

  it('removes Alice from every group of both help centers after the README curl payload', async () => {
    const body = await readFile(join(ROOT, 'local/examples/okta-deactivate-alice.json'));
    const res = await fetch(`${running.url}/webhooks/okta`, {
      method: 'POST',
      headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    await until('Alice to leave every group', async () => {
      const s = await state(running.sandboxUrl);
      const alice = s.users.filter((u) => ALICE_IDS.includes(u.id));
      return alice.every((u) => u.groupIds.length === 0) ? true : undefined;
    });
    await until('the outcome log line', async () =>
      /deprovision finished .*subject=00uLOCALALICE000001.*outcome=removed/.test(running.output())
        ? true
        : undefined,
    );
    const s = await state(running.sandboxUrl);
    expect(s.calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(
      ALICE_IDS.map((id, i) => `/api/v1/helpcenter/700100000000000${i + 1}/users/${id}/groups`),
    );
    expect(s.users.find((u) => u.id === BOB_ID)?.groupIds).toHaveLength(2);
  });

  it('dead-letters a removal the Help Center refuses, with kind and hint, in the DLQ file', async () => {
    await fetch(`${running.sandboxUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'DELETE',
        pathPrefix: '/api/v1/helpcenter/',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 5,
      }),
    });
    const res = await fetch(`${running.url}/webhooks/okta`, {
      method: 'POST',
      headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
      body: JSON.stringify(oktaDelivery('e2e-bob-1', '00uE2EBOB', 'bob@example.com')),
    });
    expect(res.status).toBe(200);
    const record = await until('a DLQ record', async () => {
      const text = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8').catch(() => '');
      const line = text.split('\n').find((l) => l.includes('e2e-bob-1'));
      return line ? JSON.parse(line) : undefined;
    });
    expect(record).toMatchObject({
      schemaVersion: 1,
      request: {
        requestId: 'e2e-bob-1',
        source: 'okta-event-hook',
        subject: { idpUserId: '00uE2EBOB' },
      },
      failure: {
        kind: 'scope',
        httpStatus: 403,
        errorCode: 'SCOPE_MISMATCH',
        hint: expect.stringMatching(/Desk\.settings\.DELETE/),
      },
      attempts: 1,
    });
    const s = await state(running.sandboxUrl);
    expect(s.users.find((u) => u.id === BOB_ID)?.groupIds).toHaveLength(2);
    expect(
      s.calls.some((c) => c.method === 'DELETE' && /^\/api\/v1\/groups\/\d+$/.test(c.path)),
    ).toBe(false);
  });

  it('redrives the dead-lettered request after the fault clears, and the user is removed', async () => {
    await fetch(`${running.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' });
    const res = await fetch(`${running.url}/_local/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failureKind: 'scope' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ moved: 1, movedRequestIds: ['e2e-bob-1'] });
    await until('Bob to leave every group', async () => {
      const s = await state(running.sandboxUrl);
      return s.users.find((u) => u.id === BOB_ID)?.groupIds.length === 0 ? true : undefined;
    });
    const text = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8');
    expect(text).not.toContain('e2e-bob-1');
  });

  it('rejects an invalid redrive filter with 400 naming the field', async () => {
    const res = await fetch(`${running.url}/_local/redrive`, {
      method: 'POST',
      body: JSON.stringify({ failureKind: 'bogus' }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/failureKind/);
  });

  it('never prints a secret the user did not leave at its local default', () => {
    expect(running.output()).not.toMatch(
      /Zoho-oauthtoken|access_token|local-sandbox-client-secret|1000\.local-sandbox-refresh-token/,
    );
  });

  it('drains and exits 0 on SIGINT', async () => {
    expect(await stopService(running)).toBe(0);
    expect(running.output()).toMatch(/stopped/);
  });
});

describe('npm start with secrets the user set', () => {
  const userSecrets = {
    OKTA_EVENT_HOOK_AUTHORIZATION: 'user-okta-8f2c1e',
    SCIM_BEARER_TOKEN: 'user-scim-5b7d9a',
    GRAPH_CLIENT_STATE: 'user-graph-3e1f44',
    WEBHOOK_SIGNING_SECRET: 'whsec_dXNlci1zaWduaW5nLWtleS05OTk5',
  };

  it.each(['pretty', 'json'])(
    'never prints or stores them (LOG_FORMAT=%s)',
    async (format) => {
      const service = await startService({ ...userSecrets, LOG_FORMAT: format });
      try {
        const body = await readFile(join(ROOT, 'local/examples/okta-deactivate-alice.json'));
        const ok = await fetch(`${service.url}/webhooks/okta`, {
          method: 'POST',
          headers: {
            authorization: userSecrets.OKTA_EVENT_HOOK_AUTHORIZATION,
            'content-type': 'application/json',
          },
          body,
        });
        expect(ok.status).toBe(200);
        const wrong = await fetch(`${service.url}/webhooks/okta`, {
          method: 'POST',
          headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
          body,
        });
        expect(wrong.status).toBe(401);
        await until('the deprovision to finish', async () =>
          /deprovision finished/.test(service.output()) ? true : undefined,
        );
        expect(await stopService(service)).toBe(0);
        const stored = await Promise.all(
          (await readdir(service.dataDir)).map((f) => readFile(join(service.dataDir, f), 'utf8')),
        );
        for (const value of Object.values(userSecrets)) {
          expect(service.output()).not.toContain(value);
          for (const text of stored) expect(text).not.toContain(value);
        }
        expect(service.output()).not.toMatch(/Zoho-oauthtoken|access_token/);
      } finally {
        killGroup(service.child, 'SIGKILL');
        await rm(service.dataDir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

describe('npm start configuration errors', () => {
  it('exits 2 naming every bad key before listening', async () => {
    const { code, output } = await runToExit({
      HELPCENTER_BASE_URL: 'not a url',
      HELPCENTER_API: 'soap',
      ZOHO_ORG_ID: '',
    });
    expect(code).toBe(2);
    expect(output).toMatch(/HELPCENTER_BASE_URL/);
    expect(output).toMatch(/HELPCENTER_API/);
    expect(output).not.toMatch(/Service\s+http/);
  });

  it('names the missing org id and Zoho secrets when pointed at a real Help Center', async () => {
    const { code, output } = await runToExit({
      HELPCENTER_BASE_URL: 'https://desk.zoho.eu',
      ZOHO_DATA_CENTRE: 'eu',
      ZOHO_CLIENT_SECRET: 'user-supplied-secret-value',
    });
    expect(code).toBe(2);
    expect(output).toMatch(/ZOHO_ORG_ID/);
    expect(output).toMatch(/ZOHO_CLIENT_ID/);
    expect(output).toMatch(/ZOHO_REFRESH_TOKEN/);
    expect(output).not.toContain('user-supplied-secret-value');
  });
});
