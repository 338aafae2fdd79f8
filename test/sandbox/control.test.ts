import { describe, expect, it } from 'vitest';
import { ALICE_A, BETA, BOB, ENTERPRISE, HC_A, ORG_ID, useSandbox } from './sandbox-helpers.ts';

const GROUPS_OF_ALICE = `/api/v1/users/${ALICE_A}/groups`;
const REMOVE_ALICE = `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`;

/** Waits until every queued fault was taken, i.e. the faulted call has arrived. */
async function waitForNoPendingFault(url: string): Promise<void> {
  for (;;) {
    const { faults } = (await (await fetch(`${url}/_sandbox/faults`)).json()) as { faults: [] };
    if (faults.length === 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('sandbox faults', () => {
  it('answers the given status, errorCode and Retry-After for the next `times` matching calls', async () => {
    const h = await useSandbox();
    await h.authorize();
    const queued = await h.fault({
      status: 429,
      errorCode: 'TOO_MANY_REQUESTS',
      retryAfter: 7,
      times: 2,
    });
    expect(queued.status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await h.api('GET', GROUPS_OF_ALICE);
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(await res.json()).toEqual({
        errorCode: 'TOO_MANY_REQUESTS',
        message: expect.any(String),
      });
    }
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(200);
  });

  it('answers 500 by default and picks an errorCode that fits the status', async () => {
    const h = await useSandbox();
    await h.authorize();
    await h.fault([{ times: 1 }, { status: 503, times: 1 }, { status: 401, times: 1 }]);
    const first = await h.api('GET', GROUPS_OF_ALICE);
    expect(first.status).toBe(500);
    expect(first.headers.get('retry-after')).toBeNull();
    expect(await first.json()).toMatchObject({ errorCode: 'INTERNAL_SERVER_ERROR' });
    const second = await h.api('GET', GROUPS_OF_ALICE);
    expect(second.status).toBe(503);
    expect(await second.json()).toMatchObject({ errorCode: 'SERVICE_UNAVAILABLE' });
    const third = await h.api('GET', GROUPS_OF_ALICE);
    expect(third.status).toBe(401);
    expect(await third.json()).toMatchObject({ errorCode: 'INVALID_OAUTH' });
  });

  it('leaves state untouched when a removal is faulted', async () => {
    const h = await useSandbox();
    await h.authorize();
    await h.fault({ method: 'DELETE', status: 500, times: 1 });
    expect((await h.api('DELETE', REMOVE_ALICE)).status).toBe(500);
    expect(await h.groupsOf(ALICE_A)).toEqual([BETA, ENTERPRISE]);
  });

  it('applies a fault only to calls matching its method and path prefix', async () => {
    const h = await useSandbox();
    await h.fault({ method: 'delete', pathPrefix: '/api/v1/helpcenter/', status: 503, times: 1 });
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(200);
    expect(
      (await h.api('POST', `/api/v1/groups/${BETA}/users/remove`, { body: { userIds: [BOB] } }))
        .status,
    ).toBe(204);
    expect((await h.api('DELETE', REMOVE_ALICE)).status).toBe(503);
    expect((await h.api('DELETE', REMOVE_ALICE)).status).toBe(204);
  });

  it('lets a call consume the first queued fault that matches it', async () => {
    const h = await useSandbox();
    await h.authorize();
    await h.fault([
      { pathPrefix: '/api/v1/users', status: 502, times: 1 },
      { status: 504, times: 1 },
    ]);
    expect(await h.mint()).toMatchObject({ error: 'GATEWAY_TIMEOUT' });
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(502);
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(200);
  });

  it('answers a faulted token request with an OAuth error body as well', async () => {
    const h = await useSandbox();
    await h.fault({
      pathPrefix: '/oauth/v2/token',
      status: 200,
      errorCode: 'Access Denied',
      times: 1,
    });
    expect(await h.mint()).toMatchObject({
      error: 'Access Denied',
      errorCode: 'Access Denied',
      status: 'failure',
    });
    expect((await h.state()).tokensMinted).toBe(0);
  });

  it('resets the connection without answering and records status 0', async () => {
    const h = await useSandbox();
    await h.authorize();
    await h.fault({ pathPrefix: REMOVE_ALICE, reset: true, times: 1 });
    await expect(h.api('DELETE', REMOVE_ALICE)).rejects.toThrow();
    expect(await h.groupsOf(ALICE_A)).toEqual([BETA, ENTERPRISE]);
    expect((await h.state()).calls.at(-1)).toEqual({
      method: 'DELETE',
      path: REMOVE_ALICE,
      status: 0,
    });
    expect((await h.api('DELETE', REMOVE_ALICE)).status).toBe(204);
  });

  it('delays a call then serves it normally when the fault has no status', async () => {
    const h = await useSandbox();
    const token = await h.authorize();
    await h.fault({ pathPrefix: GROUPS_OF_ALICE, delayMs: 300, times: 1 });
    const headers = { Authorization: `Zoho-oauthtoken ${token}`, orgId: ORG_ID };
    const finished: string[] = [];
    const slow = fetch(`${h.url}${GROUPS_OF_ALICE}`, { headers }).then((res) => {
      finished.push('slow');
      return res;
    });
    await waitForNoPendingFault(h.url);
    const fast = await fetch(`${h.url}/api/v1/users?searchBy=bob`, { headers });
    finished.push('fast');
    expect(fast.status).toBe(200);
    expect((await slow).status).toBe(200);
    expect(finished).toEqual(['fast', 'slow']);
    const paths = (await h.state()).calls.map((c) => c.path);
    expect(paths.slice(-2)).toEqual([GROUPS_OF_ALICE, '/api/v1/users']);
  });

  it('delays a call then answers the fault status', async () => {
    const h = await useSandbox();
    await h.authorize();
    await h.fault({ delayMs: 20, status: 503, retryAfter: '1', times: 1 });
    const res = await h.api('GET', GROUPS_OF_ALICE);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
  });

  it('lists pending faults and clears them with DELETE', async () => {
    const h = await useSandbox();
    await h.authorize();
    await h.fault({ method: 'GET', status: 500, times: 3 });
    await h.api('GET', GROUPS_OF_ALICE);
    const listed = await (await fetch(`${h.url}/_sandbox/faults`)).json();
    expect(listed).toEqual({ faults: [{ method: 'GET', status: 500, times: 2 }] });
    const cleared = await fetch(`${h.url}/_sandbox/faults`, { method: 'DELETE' });
    expect(cleared.status).toBe(200);
    expect((await h.api('GET', GROUPS_OF_ALICE)).status).toBe(200);
  });

  it('rejects an invalid fault with 422 and malformed JSON with 400', async () => {
    const h = await useSandbox();
    for (const fault of [{}, { times: 0 }, { times: 1, status: 'x' }]) {
      const res = await h.fault(fault);
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errorCode: 'UNPROCESSABLE_ENTITY' });
    }
    const res = await fetch(`${h.url}/_sandbox/faults`, { method: 'POST', body: '{' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errorCode: 'INVALID_DATA' });
  });
});

describe('sandbox state', () => {
  it('logs every token and API call in arrival order without query strings or control calls', async () => {
    const h = await useSandbox();
    await h.api('GET', '/api/v1/users?searchBy=alice');
    await h.api('GET', '/api/v1/nothing-here');
    await h.api('DELETE', REMOVE_ALICE);
    await fetch(`${h.url}/_sandbox/faults`);
    const state = await h.state();
    expect(state.calls).toEqual([
      { method: 'POST', path: '/oauth/v2/token', status: 200 },
      { method: 'GET', path: '/api/v1/users', status: 200 },
      { method: 'GET', path: '/api/v1/nothing-here', status: 404 },
      { method: 'DELETE', path: REMOVE_ALICE, status: 204 },
    ]);
    expect(state.tokensMinted).toBe(1);
  });

  it('exposes users and groups in the seed format', async () => {
    const h = await useSandbox();
    const state = await h.state();
    expect(state.users[0]).toEqual({
      id: ALICE_A,
      email: 'alice@example.com',
      helpCenterId: HC_A,
      groupIds: [BETA, ENTERPRISE],
    });
    expect(state.groups[0]).toEqual({ id: BETA, helpCenterId: HC_A, name: 'Beta Program' });
  });

  it('restores the seed and forgets calls, faults, tokens and mints on reset', async () => {
    const h = await useSandbox({ mintLimit: { max: 2, windowMs: 600_000 } });
    const oldToken = await h.authorize();
    await h.mint();
    await h.api('DELETE', `/api/v1/groups/${BETA}`, {
      headers: { Authorization: `Zoho-oauthtoken ${oldToken}` },
    });
    await h.fault({ status: 500, times: 5 });
    const res = await fetch(`${h.url}/_sandbox/reset`, { method: 'POST' });
    expect(res.status).toBe(200);

    const state = await h.state();
    expect(state.calls).toEqual([]);
    expect(state.tokensMinted).toBe(0);
    expect(state.groups.map((g) => g.id)).toContain(BETA);
    expect(state.users.find((u) => u.id === BOB)?.groupIds).toEqual([BETA]);
    const stale = await fetch(`${h.url}${GROUPS_OF_ALICE}`, {
      headers: { Authorization: `Zoho-oauthtoken ${oldToken}`, orgId: ORG_ID },
    });
    expect(stale.status).toBe(401);
    expect(await h.mint()).toHaveProperty('access_token');
    expect(await h.mint()).toHaveProperty('access_token');
  });

  it('keeps issued tokens valid on reset with keepTokens=true', async () => {
    const h = await useSandbox();
    const token = await h.authorize();
    await h.api('DELETE', `/api/v1/groups/${BETA}`, {
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
    });
    const res = await fetch(`${h.url}/_sandbox/reset?keepTokens=true`, { method: 'POST' });
    expect(res.status).toBe(200);
    const state = await h.state();
    expect(state.groups.map((g) => g.id)).toContain(BETA);
    const still = await fetch(`${h.url}${GROUPS_OF_ALICE}`, {
      headers: { Authorization: `Zoho-oauthtoken ${token}`, orgId: ORG_ID },
    });
    expect(still.status).toBe(200);
  });

  it('answers 404 for an unknown control path', async () => {
    const h = await useSandbox();
    expect((await fetch(`${h.url}/_sandbox/nothing`)).status).toBe(404);
  });
});
