import { describe, expect, it } from 'vitest';
import {
  ALICE_A,
  ALICE_B,
  BETA,
  BOB,
  CAROL,
  ENTERPRISE,
  ERIN,
  HC_A,
  HC_B,
  RESELLERS,
  recordingLogger,
  seed,
  useSandbox,
  workerStack,
} from './sandbox-harness.ts';

const TOKEN = { method: 'POST', path: '/oauth/v2/token', status: 200 };
const LOOKUP = { method: 'GET', path: '/api/v1/users', status: 200 };

describe('ZohoHelpCenterClient, dialect user-groups-delete, against the sandbox', () => {
  it('finds the user by exact email and removes them from every group of each help center', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);

    const users = await client.findUsersByEmail('  ALICE@example.com ');
    expect(users).toEqual([
      { id: ALICE_A, email: 'alice@example.com', helpCenterId: HC_A },
      { id: ALICE_B, email: 'Alice@Example.com', helpCenterId: HC_B },
    ]);
    const results = [];
    for (const user of users) {
      results.push(await client.removeUserFromAllGroups(user.helpCenterId, user.id));
    }

    expect(results).toEqual([
      {
        helpCenterId: HC_A,
        userId: ALICE_A,
        outcome: 'removed',
        httpStatus: 204,
        calls: 1,
        dryRun: false,
      },
      {
        helpCenterId: HC_B,
        userId: ALICE_B,
        outcome: 'removed',
        httpStatus: 204,
        calls: 1,
        dryRun: false,
      },
    ]);
    const state = await h.state();
    expect(state.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([]);
    expect(state.users.find((u) => u.id === ALICE_B)?.groupIds).toEqual([]);
    expect(state.groups).toHaveLength(3);
    expect(state.calls).toEqual([
      TOKEN,
      LOOKUP,
      LOOKUP,
      { method: 'DELETE', path: `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`, status: 204 },
      { method: 'DELETE', path: `/api/v1/helpcenter/${HC_B}/users/${ALICE_B}/groups`, status: 204 },
    ]);
  });

  it('leaves groups of other help centers alone', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { helpCenterIds: [HC_A] });

    expect(await client.findUsersByEmail('alice@example.com')).toEqual([
      { id: ALICE_A, email: 'alice@example.com', helpCenterId: HC_A },
    ]);
    await client.removeUserFromAllGroups(HC_A, ERIN);

    const state = await h.state();
    expect(state.users.find((u) => u.id === ERIN)?.groupIds).toEqual([RESELLERS]);
    expect(state.users.find((u) => u.id === ALICE_B)?.groupIds).toEqual([RESELLERS]);
    await expect(client.removeUserFromAllGroups(HC_B, ALICE_B)).rejects.toMatchObject({
      kind: 'config',
      errorCode: 'HELPCENTER_NOT_CONFIGURED',
    });
  });

  it('reads every page of a contains-search to find the exact address on a later page', async () => {
    const base = seed();
    // 250 users whose address contains "bob@example.com" (a contains-search matches them all),
    // with the exact one last: alone on the sixth page of 50.
    const lookalikes = Array.from({ length: 250 }, (_, i) => ({
      id: String(7001000000900000 + i),
      email: `x${i}.bob@example.com`,
      helpCenterId: HC_A,
      groupIds: [BETA],
    }));
    const bob = base.users.find((u) => u.email === 'bob@example.com');
    const h = await useSandbox({
      seed: { ...base, users: [...base.users.filter((u) => u !== bob), ...lookalikes, bob!] },
    });
    const { client } = workerStack(h.url);
    expect(await client.findUsersByEmail('bob@example.com')).toEqual([
      { id: BOB, email: 'bob@example.com', helpCenterId: HC_A },
    ]);
    const lookups = (await h.state()).calls.filter((c) => c.path === '/api/v1/users');
    // Six pages in help center A (from=1, 51, …, 251), one empty answer (204) in help center B.
    expect(lookups.map((c) => c.status)).toEqual([200, 200, 200, 200, 200, 200, 204]);
  });

  it('answers an empty lookup (204) with no users', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);
    expect(await client.findUsersByEmail('nobody@example.net')).toEqual([]);
  });

  it('in dry run logs the exact DELETE and sends nothing that changes the Help Center', async () => {
    const h = await useSandbox();
    const { logger, lines } = recordingLogger();
    const { client } = workerStack(h.url, { logger });

    const result = await client.removeUserFromAllGroups(HC_A, ALICE_A, { dryRun: true });

    expect(result).toMatchObject({ outcome: 'removed', dryRun: true, calls: 0 });
    const state = await h.state();
    expect(state.calls).toEqual([]);
    expect(state.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([BETA, ENTERPRISE]);
    const dryRunLine = lines.find((l) => l.message.startsWith('Dry run'));
    expect(dryRunLine?.extra).toMatchObject({
      method: 'DELETE',
      path: `/api/v1/helpcenter/${HC_A}/users/${ALICE_A}/groups`,
    });
    expect(JSON.stringify(lines)).not.toMatch(/oauthtoken|authorization/i);
  });
});

describe('ZohoHelpCenterClient, dialect zoho-desk-v1, against the sandbox', () => {
  it('lists the user groups, dissociates those of the help center and reports them', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });

    const users = await client.findUsersByEmail('alice@example.com');
    const results = [];
    for (const user of users) {
      results.push(await client.removeUserFromAllGroups(user.helpCenterId, user.id));
    }

    expect(results).toEqual([
      {
        helpCenterId: HC_A,
        userId: ALICE_A,
        outcome: 'removed',
        groupIds: [BETA, ENTERPRISE],
        httpStatus: 200,
        calls: 2,
        dryRun: false,
      },
      {
        helpCenterId: HC_B,
        userId: ALICE_B,
        outcome: 'removed',
        groupIds: [RESELLERS],
        httpStatus: 200,
        calls: 2,
        dryRun: false,
      },
    ]);
    const state = await h.state();
    expect(state.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([]);
    expect(state.users.find((u) => u.id === ALICE_B)?.groupIds).toEqual([]);
    expect(state.calls).toEqual([
      TOKEN,
      LOOKUP,
      LOOKUP,
      { method: 'GET', path: `/api/v1/users/${ALICE_A}/groups`, status: 200 },
      { method: 'POST', path: `/api/v1/users/${ALICE_A}/groups/dissociate`, status: 200 },
      { method: 'GET', path: `/api/v1/users/${ALICE_B}/groups`, status: 200 },
      { method: 'POST', path: `/api/v1/users/${ALICE_B}/groups/dissociate`, status: 200 },
    ]);
  });

  it('keeps groups of other help centers, even of the same user', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1', helpCenterIds: [HC_A] });

    const result = await client.removeUserFromAllGroups(HC_A, ERIN);

    expect(result).toMatchObject({ outcome: 'removed', groupIds: [BETA, ENTERPRISE] });
    const state = await h.state();
    expect(state.users.find((u) => u.id === ERIN)?.groupIds).toEqual([RESELLERS]);
    expect(await client.listUserGroups(ERIN)).toEqual([
      { id: RESELLERS, helpCenterId: HC_B, name: 'Partner Resellers' },
    ]);
  });

  it('is a no-op for a user in no group of the help center (one GET, nothing else)', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });

    expect(await client.removeUserFromAllGroups(HC_A, CAROL)).toMatchObject({
      outcome: 'no-op',
      groupIds: [],
      httpStatus: 204,
      calls: 1,
    });
    expect(await client.removeUserFromAllGroups(HC_B, ALICE_A)).toMatchObject({ outcome: 'no-op' });
    const mutating = (await h.state()).calls.filter((c) => c.method !== 'GET');
    expect(mutating).toEqual([TOKEN]);
  });

  it('in dry run reads the groups but only logs the dissociate it would send', async () => {
    const h = await useSandbox();
    const { logger, lines } = recordingLogger();
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1', logger });

    const result = await client.removeUserFromAllGroups(HC_A, ALICE_A, { dryRun: true });

    expect(result).toMatchObject({
      outcome: 'removed',
      dryRun: true,
      groupIds: [BETA, ENTERPRISE],
    });
    const state = await h.state();
    expect(state.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /oauth/v2/token',
      `GET /api/v1/users/${ALICE_A}/groups`,
    ]);
    expect(state.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([BETA, ENTERPRISE]);
    expect(lines.find((l) => l.message.startsWith('Dry run'))?.extra).toMatchObject({
      method: 'POST',
      path: `/api/v1/users/${ALICE_A}/groups/dissociate?helpCenterId=${HC_A}`,
      groupIds: [BETA, ENTERPRISE],
    });
  });

  it('returns every group, in any help center, for verify-after (empty after removal)', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });
    expect(await client.listUserGroups(ALICE_A)).toHaveLength(2);
    await client.removeUserFromAllGroups(HC_A, ALICE_A);
    expect(await client.listUserGroups(ALICE_A)).toEqual([]);
  });
});

describe('ZohoHelpCenterClient group-centric removal, against the sandbox', () => {
  it.each([
    ['user-groups-delete', 'DELETE', `/api/v1/helpcenter/${HC_A}/groups/${BETA}/users`, 204],
    ['zoho-desk-v1', 'POST', `/api/v1/groups/${BETA}/users/remove`, 204],
  ] as const)(
    '%s removes the listed users from one group only',
    async (dialect, method, path, status) => {
      const h = await useSandbox();
      const { client } = workerStack(h.url, { dialect });

      expect(await client.removeUsersFromGroup(HC_A, BETA, [ALICE_A])).toEqual({
        httpStatus: status,
        calls: 1,
        dryRun: false,
      });

      const state = await h.state();
      expect(state.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([ENTERPRISE]);
      expect(state.groups).toHaveLength(3);
      expect(state.calls.at(-1)).toEqual({ method, path, status });
      await expect(client.removeUsersFromGroup(HC_A, BETA, [])).rejects.toMatchObject({
        errorCode: 'REQUEST_NOT_ALLOWED',
      });
    },
  );
});

describe('ZohoHelpCenterClient: who counts as the person (userType, status)', () => {
  const people = () => {
    const base = seed();
    return {
      ...base,
      users: [
        ...base.users,
        {
          id: '7001000000300020',
          email: 'dana@example.com',
          helpCenterId: HC_A,
          groupIds: [BETA],
          status: 'DISABLED' as const,
        },
        {
          id: '7001000000300021',
          email: 'dana@example.com',
          helpCenterId: HC_B,
          groupIds: [RESELLERS],
          userType: 'SUPPORTREP' as const,
        },
        {
          id: '7001000000300022',
          email: 'dana@example.com',
          helpCenterId: HC_B,
          groupIds: [],
          status: 'DELETED' as const,
        },
      ],
    };
  };

  it('finds a DISABLED end user (status=ALL), ignores a SUPPORTREP and a DELETED user with the same address', async () => {
    const h = await useSandbox({ seed: people() });
    const { logger, lines } = recordingLogger();
    const { client } = workerStack(h.url, { logger });

    expect(await client.findUsersByEmail('dana@example.com')).toEqual([
      { id: '7001000000300020', email: 'dana@example.com', helpCenterId: HC_A },
    ]);
    expect(lines.find((l) => l.message.includes('support reps'))?.extra).toMatchObject({
      helpCenterId: HC_B,
      supportReps: 1,
    });
  });

  it('removes the DISABLED user from every group and leaves the support rep in its group', async () => {
    const h = await useSandbox({ seed: people() });
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });

    for (const user of await client.findUsersByEmail('dana@example.com')) {
      await client.removeUserFromAllGroups(user.helpCenterId, user.id);
    }

    const state = await h.state();
    expect(state.users.find((u) => u.id === '7001000000300020')?.groupIds).toEqual([]);
    expect(state.users.find((u) => u.id === '7001000000300021')?.groupIds).toEqual([RESELLERS]);
  });

  it('reads every page of a user in more than 50 groups and dissociates them all', async () => {
    const base = seed();
    const many = Array.from({ length: 73 }, (_, i) => ({
      id: String(7001000000700000 + i),
      helpCenterId: HC_A,
      name: `Group ${i}`,
    }));
    const h = await useSandbox({
      seed: {
        ...base,
        groups: [...base.groups, ...many],
        users: base.users.map((u) =>
          u.id === BOB ? { ...u, groupIds: [...u.groupIds, ...many.map((g) => g.id)] } : u,
        ),
      },
    });
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });

    const result = await client.removeUserFromAllGroups(HC_A, BOB);

    expect(result.groupIds).toHaveLength(74);
    const state = await h.state();
    expect(state.users.find((u) => u.id === BOB)?.groupIds).toEqual([]);
    expect(state.calls.filter((c) => c.path === `/api/v1/users/${BOB}/groups`)).toHaveLength(2);
    expect(await client.listUserGroups(BOB, HC_A)).toEqual([]);
  });
});
