import { afterEach, describe, expect, it } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { loadWorkerConfig } from '#core/config/worker-config.ts';
import { ENV } from '#core/contract/env-names.ts';
import { type Outcome, processDeprovision } from '#core/deprovision/process-deprovision.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from '../../../local/adapters/in-process-token-refresher.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { type StandinUser, startStrictStandin } from './strict-zoho-standin.ts';

/**
 * Tried as a new user would: the real worker graph (config from the environment, Zoho client, shared
 * token, refresher) over real sockets against a strict stand-in of Zoho's published spec — not the
 * project's sandbox. People in two help centers are removed from every group; look-alike
 * addresses, a support rep and other people are untouched; no request leaves the spec.
 */

const ORG = '70010000001';
const HC1 = '8100000000000001';
const HC2 = '8100000000000002';
const g1 = (i: number) => String(8100000000100000 + i);
const g2 = (i: number) => String(8100000000200000 + i);
const ALICE_1 = '8100000000500001';
const ALICE_2 = '8100000000500002';
const MALICE = '8100000000500003';
const EVIL = '8100000000500004';
const REP = '8100000000500005';
const ALICE_CO = '8100000000500006';
const BOB = '8100000000500007';

function directory(): StandinUser[] {
  // 60 addresses that a contains-search for alice@example.com also returns, ahead of her.
  const lookalikes = Array.from({ length: 60 }, (_, i) => ({
    id: String(8100000000600000 + i),
    helpCenterId: HC1,
    emailAddress: `x${i}.alice@example.com`,
    groupIds: [g1(0)],
  }));
  return [
    ...lookalikes,
    { id: MALICE, helpCenterId: HC1, emailAddress: 'malice@example.com', groupIds: [g1(0), g1(1)] },
    { id: EVIL, helpCenterId: HC1, emailAddress: 'alice@example.com.evil', groupIds: [g1(0)] },
    {
      id: REP,
      helpCenterId: HC1,
      emailAddress: 'alice@example.com',
      userType: 'SUPPORTREP',
      groupIds: [g1(0)],
    },
    // In 55 groups: more than one page of getUserGroups.
    {
      id: ALICE_1,
      helpCenterId: HC1,
      emailAddress: 'alice@example.com',
      groupIds: Array.from({ length: 55 }, (_, i) => g1(i)),
    },
    // DISABLED still holds memberships (and gets them back when re-enabled): removed too.
    {
      id: ALICE_2,
      helpCenterId: HC2,
      emailAddress: 'ALICE@Example.com',
      status: 'DISABLED',
      groupIds: [g2(0), g2(1)],
    },
    { id: ALICE_CO, helpCenterId: HC2, emailAddress: 'alice@example.co', groupIds: [g2(0)] },
    { id: BOB, helpCenterId: HC2, emailAddress: 'bob@example.com', groupIds: [g2(0)] },
  ];
}

const groups = [
  ...Array.from({ length: 55 }, (_, i) => ({ id: g1(i), helpCenterId: HC1, name: `HC1 ${i}` })),
  ...Array.from({ length: 2 }, (_, i) => ({ id: g2(i), helpCenterId: HC2, name: `HC2 ${i}` })),
];

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function setup(dialect: string | undefined, unpublished: boolean) {
  const standin = await startStrictStandin({
    orgId: ORG,
    helpCenters: [HC1, HC2],
    groups,
    users: directory(),
    unpublished,
  });
  closers.push(standin.close);
  const env: Record<string, string> = {
    [ENV.DEAD_LETTER_QUEUE_URL]: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
    [ENV.ZOHO_OAUTH_SECRET_ARN]: 'oauth',
    [ENV.ZOHO_TOKEN_SECRET_ARN]: 'token',
    [ENV.TOKEN_REFRESHER_FUNCTION_NAME]: 'refresher',
    [ENV.IDENTITY_TABLE_NAME]: 'identities',
    [ENV.IDEMPOTENCY_TABLE_NAME]: 'idempotency',
    [ENV.HELPCENTER_BASE_URL]: standin.url,
    [ENV.HELPCENTER_IDS]: `${HC1},${HC2}`,
    [ENV.VERIFY_AFTER_REMOVE]: 'true',
    ...(dialect ? { [ENV.HELPCENTER_API]: dialect } : {}),
  };
  const config = loadWorkerConfig(env);
  const secrets = new StaticSecretSource({
    oauth: JSON.stringify({
      clientId: '1000.NEWUSER',
      clientSecret: 'new-user-secret',
      refreshToken: '1000.new-user-refresh',
      orgId: ORG,
      accountsUrl: standin.url,
    }),
  });
  const dispatcher = createZohoAgent({ timeoutMs: 5_000, connections: 5 });
  closers.push(() => dispatcher.close());
  const deadLetters = new InMemoryDeadLetterQueue();
  const deps = await assembleWorker(config, {
    secrets,
    oauthSecretId: config.oauthSecretId,
    tokenSecretId: config.tokenSecretId,
    refresher: new InProcessTokenRefresher({
      secrets,
      writer: secrets,
      minter: new ZohoAccountsClient(dispatcher, { timeoutMs: 5_000 }),
      oauthSecretId: config.oauthSecretId,
      tokenSecretId: config.tokenSecretId,
      logger: silentLogger,
    }),
    identityStore: new InMemoryIdentityStore(),
    deadLetters,
    guard: new InMemoryRateGuard(1000, 300, systemClock),
    dispatcher,
    logger: silentLogger,
  });
  let n = 0;
  const deprovision = (email: string): Promise<Outcome> => {
    n += 1;
    return processDeprovision(
      deps,
      {
        schemaVersion: 1,
        requestId: `new-user-${n}`,
        source: 'okta-event-hook',
        subject: { email },
        reason: 'user.lifecycle.deactivate',
        occurredAt: '2026-12-04T09:00:00.000Z',
        receivedAt: '2026-12-04T09:00:01.000Z',
      },
      { messageId: `m-${n}`, receiveCount: 1 },
    );
  };
  return { standin, deprovision, deadLetters };
}

function expectNothingOutsideTheSpec(standin: Awaited<ReturnType<typeof startStrictStandin>>) {
  expect(standin.calls.filter((c) => c.violations.length > 0)).toEqual([]);
  expect(standin.calls.every((c) => c.status < 400)).toBe(true);
  expect(standin.responseErrors).toEqual([]);
  expect(
    standin.calls.some((c) => c.method === 'DELETE' && /^\/api\/v1\/groups\//.test(c.path)),
  ).toBe(false);
}

function expectBystandersUntouched(standin: Awaited<ReturnType<typeof startStrictStandin>>) {
  expect(standin.groupsOf(MALICE)).toEqual([g1(0), g1(1)]);
  expect(standin.groupsOf(EVIL)).toEqual([g1(0)]);
  expect(standin.groupsOf(REP)).toEqual([g1(0)]);
  expect(standin.groupsOf(ALICE_CO)).toEqual([g2(0)]);
  expect(standin.groupsOf(BOB)).toEqual([g2(0)]);
  expect(standin.groupsOf('8100000000600000')).toEqual([g1(0)]);
}

describe('a new user against a strict stand-in of the published Zoho Desk API', () => {
  it('HELPCENTER_API=zoho-desk-v1 removes a person from every group of two help centers, within the spec', async () => {
    const { standin, deprovision } = await setup('zoho-desk-v1', false);

    const outcome = await deprovision('Alice@Example.com');

    expect(outcome).toMatchObject({ kind: 'removed' });
    expect(standin.groupsOf(ALICE_1)).toEqual([]);
    expect(standin.groupsOf(ALICE_2)).toEqual([]);
    expectBystandersUntouched(standin);
    expectNothingOutsideTheSpec(standin);
    const ops = standin.calls.map((c) => c.operation ?? c.path);
    expect(ops).toContain('deleteGroupsFromUsers');
    // The exact address sits on the second getUsers page; 55 groups span two getUserGroups pages.
    expect(
      standin.calls.filter((c) => c.query.includes(`helpCenterId=${HC1}&status=ALL&from=51`)),
    ).toHaveLength(1);
    expect(
      standin.calls.filter(
        (c) => c.path === `/api/v1/users/${ALICE_1}/groups` && c.query.includes('from=51'),
      ).length,
    ).toBeGreaterThanOrEqual(1);
  });

  it('HELPCENTER_API=zoho-desk-v1: a person who does not exist is a no-op that changes nothing', async () => {
    const { standin, deprovision } = await setup('zoho-desk-v1', false);
    expect(await deprovision('nobody@example.com')).toMatchObject({ kind: 'no-op' });
    expect(standin.calls.filter((c) => c.method !== 'GET')).toEqual([
      expect.objectContaining({ path: '/oauth/v2/token' }),
    ]);
    expectBystandersUntouched(standin);
    expectNothingOutsideTheSpec(standin);
  });

  it('the default dialect removes the same people where the org also serves the mission DELETE', async () => {
    const { standin, deprovision } = await setup(undefined, true);

    expect(await deprovision('alice@example.com')).toMatchObject({ kind: 'removed' });
    expect(await deprovision('nobody@example.com')).toMatchObject({ kind: 'no-op' });

    expect(standin.groupsOf(ALICE_1)).toEqual([]);
    expect(standin.groupsOf(ALICE_2)).toEqual([]);
    expectBystandersUntouched(standin);
    expectNothingOutsideTheSpec(standin);
    expect(standin.calls.map((c) => c.operation)).toContain('removeUserFromHelpCenterGroups');
  });

  it('the default dialect against an org without the unpublished DELETE dead-letters with the dialect hint', async () => {
    const { standin, deprovision, deadLetters } = await setup(undefined, false);

    expect(await deprovision('alice@example.com')).toMatchObject({ kind: 'dead-lettered' });

    expect(deadLetters.records[0]?.failure).toMatchObject({
      kind: 'permanent',
      httpStatus: 404,
      errorCode: 'URL_NOT_FOUND',
      hint: expect.stringMatching(/HELPCENTER_API=zoho-desk-v1/),
    });
    expect(standin.groupsOf(ALICE_1)).toHaveLength(55);
  });
});
