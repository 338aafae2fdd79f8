import { afterEach, describe, expect, it } from 'vitest';
import { loadSeed, type Sandbox, startSandbox } from '../../local/sandbox/server.ts';

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

describe('sandbox concurrencyLimit (the org limit)', () => {
  it('answers 429 TOO_MANY_REQUESTS to an /api/ call past the limit, and serves again once calls end', async () => {
    sandbox = await startSandbox({ seed: await loadSeed('local/seed.json'), concurrencyLimit: 2 });
    const url = sandbox.url;
    await fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPrefix: '/api/', delayMs: 300, times: 2 }),
    });
    const slow = [fetch(`${url}/api/v1/users`), fetch(`${url}/api/v1/users`)];
    await new Promise((r) => setTimeout(r, 100));
    const third = await fetch(`${url}/api/v1/users`);
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ errorCode: 'TOO_MANY_REQUESTS' });
    // The two slow calls were admitted (no token: 401 after the delay), not refused.
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([401, 401]);
    expect((await fetch(`${url}/api/v1/users`)).status).toBe(401);
    const state = (await (await fetch(`${url}/_sandbox/state`)).json()) as {
      calls: Array<{ status: number }>;
    };
    expect(state.calls.map((c) => c.status).sort()).toEqual([401, 401, 401, 429]);
  });
});
