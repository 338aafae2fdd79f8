import { describe, expect, it } from 'vitest';
import { BOB, HC_A, sharedTokenPlumbing, useSandbox, workerStack } from './sandbox-harness.ts';

describe('shared Zoho token across worker containers', () => {
  it('50 containers starting at once mint at most one token', async () => {
    const h = await useSandbox();
    const shared = sharedTokenPlumbing(h.url);
    const containers = Array.from({ length: 50 }, () => workerStack(h.url, { shared }));

    const results = await Promise.all(
      containers.map(({ client }) => client.findUsersByEmail('bob@example.com')),
    );

    expect(results.every((users) => users.length === 1 && users[0]?.id === BOB)).toBe(true);
    const state = await h.state();
    expect(state.tokensMinted).toBeLessThanOrEqual(1);
    expect(state.calls.filter((c) => c.path === '/oauth/v2/token')).toHaveLength(1);
    // One getUsers search per configured help center (rows do not name their help center).
    expect(state.calls.filter((c) => c.path === '/api/v1/users')).toHaveLength(50 * 2);
    expect(new Set(containers.map((c) => c.agent)).size).toBe(50);
  });

  it('50 containers all seeing their token rejected at once mint one replacement', async () => {
    let now = Date.now();
    const clock = { now: () => new Date(now) };
    const h = await useSandbox();
    const shared = sharedTokenPlumbing(h.url, { clock });
    const containers = Array.from({ length: 50 }, () => workerStack(h.url, { shared, clock }));
    await Promise.all(containers.map(({ client }) => client.listUserGroups(BOB)));
    await h.revokeTokens();
    now += 5 * 60_000;

    const results = await Promise.all(containers.map(({ client }) => client.listUserGroups(BOB)));

    expect(results.every((groups) => groups.length === 1 && groups[0]?.helpCenterId === HC_A)).toBe(
      true,
    );
    const state = await h.state();
    expect(state.tokensMinted).toBe(2);
    expect(state.calls.filter((c) => c.status === 401)).toHaveLength(50);
  });
});
