import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

const OKTA_HEADERS = { authorization: 'local-okta-secret', 'content-type': 'application/json' };

async function postJson(url: string, body: unknown, method = 'POST'): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return res;
}

/** Sends Bob's deactivation while the Help Center refuses removals; resolves with his DLQ record. */
async function deadLetterBob(running: Running, uuid: string) {
  await postJson(`${running.sandboxUrl}/_sandbox/faults`, {
    method: 'DELETE',
    pathPrefix: '/api/v1/helpcenter/',
    status: 403,
    errorCode: 'SCOPE_MISMATCH',
    times: 5,
  });
  const res = await fetch(`${running.url}/webhooks/okta`, {
    method: 'POST',
    headers: OKTA_HEADERS,
    body: JSON.stringify(oktaDelivery(uuid, '00uE2EBOB', 'bob@example.com')),
  });
  expect(res.status).toBe(200);
  return until('a DLQ record', async () => {
    const text = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.includes(uuid));
    return line ? JSON.parse(line) : undefined;
  });
}

async function stopAndClean(running: Running | undefined): Promise<void> {
  if (running === undefined) return;
  if (running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
  await rm(running.dataDir, { recursive: true, force: true });
}

describe('npm start (local mode, end to end)', () => {
  let running: Running;

  beforeAll(async () => {
    running = await startService();
  }, 60_000);

  afterAll(() => stopAndClean(running));

  // Every test starts from the seed directory with no faults (tokens stay valid), so none depends
  // on another having run.
  beforeEach(async () => {
    await postJson(`${running.sandboxUrl}/_sandbox/reset?keepTokens=true`, {});
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
      headers: OKTA_HEADERS,
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
    const record = await deadLetterBob(running, 'e2e-bob-1');
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

  it('rejects an invalid redrive filter with 400 naming the field', async () => {
    const res = await fetch(`${running.url}/_local/redrive`, {
      method: 'POST',
      body: JSON.stringify({ failureKind: 'bogus' }),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/failureKind/);
  });

  it('never prints a secret the user did not leave at its local default', async () => {
    // A full deprovision (token mint, lookup, removal) runs before the output is checked.
    // Bob's removal, not the Graph delta resync the runner queues at start (also "finished").
    const finished = () =>
      running.output().match(/deprovision finished .*subject=00uE2EBOB.*outcome=removed/g)
        ?.length ?? 0;
    const before = finished();
    const res = await fetch(`${running.url}/webhooks/okta`, {
      method: 'POST',
      headers: OKTA_HEADERS,
      body: JSON.stringify(oktaDelivery('e2e-secrets-1', '00uE2EBOB', 'bob@example.com')),
    });
    expect(res.status).toBe(200);
    await until('the deprovision to finish', async () => (finished() > before ? true : undefined));
    expect(running.output()).not.toMatch(
      /Zoho-oauthtoken|access_token|local-sandbox-client-secret|1000\.local-sandbox-refresh-token/,
    );
  });
});

describe('npm start redrive', () => {
  let running: Running | undefined;
  afterEach(() => stopAndClean(running));

  it('redrives the dead-lettered request after the fault clears, and the user is removed', async () => {
    running = await startService();
    const service = running;
    await deadLetterBob(service, 'e2e-bob-2');
    await postJson(`${service.sandboxUrl}/_sandbox/faults`, {}, 'DELETE');
    const res = await fetch(`${service.url}/_local/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ failureKind: 'scope' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ moved: 1, movedRequestIds: ['e2e-bob-2'] });
    await until('Bob to leave every group', async () => {
      const s = await state(service.sandboxUrl);
      return s.users.find((u) => u.id === BOB_ID)?.groupIds.length === 0 ? true : undefined;
    });
    const text = await readFile(join(service.dataDir, 'dlq.jsonl'), 'utf8');
    expect(text).not.toContain('e2e-bob-2');
  }, 60_000);
});

describe('npm start shutdown', () => {
  let running: Running | undefined;
  afterEach(() => stopAndClean(running));

  it('drains and exits 0 on SIGINT, finishing the removal in flight', async () => {
    running = await startService();
    const service = running;
    // The removal call hangs in the Help Center for 3 s, so SIGINT arrives while it is in flight.
    await postJson(`${service.sandboxUrl}/_sandbox/faults`, {
      method: 'DELETE',
      pathPrefix: '/api/v1/helpcenter/',
      delayMs: 3_000,
      times: 1,
    });
    const res = await fetch(`${service.url}/webhooks/okta`, {
      method: 'POST',
      headers: OKTA_HEADERS,
      body: JSON.stringify(oktaDelivery('e2e-sigint-1', '00uE2EBOB', 'bob@example.com')),
    });
    expect(res.status).toBe(200);
    // The sandbox consumes the fault when the call arrives; it answers 3 s later.
    await until('the removal to be in flight at the Help Center', async () => {
      const res = await fetch(`${service.sandboxUrl}/_sandbox/faults`);
      const { faults } = (await res.json()) as { faults: unknown[] };
      return faults.length === 0 ? true : undefined;
    });
    // (Bob's removal; the Graph delta resync the runner queues at start finishes on its own.)
    expect(service.output()).not.toMatch(/deprovision finished .*subject=00uE2EBOB/);

    expect(await stopService(service)).toBe(0);

    const output = service.output();
    const signalled = output.indexOf('stopping: finishing the requests in flight');
    const finished = output.search(/deprovision finished .*subject=00uE2EBOB.*outcome=removed/);
    const stopped = output.lastIndexOf('stopped');
    expect(signalled).toBeGreaterThan(-1);
    // The removal in flight completed after the signal and before the process said it stopped.
    expect(finished).toBeGreaterThan(signalled);
    expect(stopped).toBeGreaterThan(finished);
    // Nothing was left to save for the next start.
    expect(output).not.toMatch(/saved queued work/);
    await expect(readFile(join(service.dataDir, 'queue.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  }, 60_000);
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
        // Alice's removal (pretty `k=v` or JSON `"k":"v"`), not the Graph delta resync the
        // runner queues at start, which also logs "deprovision finished".
        await until('the deprovision to finish', async () =>
          /deprovision finished.*subject(=|":")00uLOCALALICE000001.*outcome(=|":")removed/.test(
            service.output(),
          )
            ? true
            : undefined,
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
      GROUP_MAPPING: 'not json',
    });
    expect(code).toBe(2);
    expect(output).toMatch(/HELPCENTER_BASE_URL/);
    expect(output).toMatch(/HELPCENTER_API/);
    expect(output).toMatch(/^Invalid group mapping: GROUP_MAPPING: not valid JSON$/m);
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
