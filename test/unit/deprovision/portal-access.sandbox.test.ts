import { describe, expect, it, onTestFinished } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import type { HelpCenterDialect } from '#core/adapters/zoho/zoho-help-center.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { processDeprovision } from '#core/deprovision/process-deprovision.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryPersistenceLayer } from '../../../local/adapters/in-memory-idempotency.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from '../../../local/adapters/in-process-token-refresher.ts';
import { startSandbox } from '../../../local/sandbox/server.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { recordingLogger } from '../../helpers/recording-logger.ts';
import {
  ALICE_A,
  ALICE_B,
  HC_A,
  HC_B,
  OAUTH,
  ORG_ID,
  type SandboxState,
  testSeed,
} from '../../sandbox/sandbox-helpers.ts';

/**
 * Portal access removal through the assembled worker (real Zoho client, shared token, retries,
 * classification) over real sockets against the sandbox Help Center.
 */

interface Options {
  removePortalAccess: boolean;
  dialect?: HelpCenterDialect;
  scopes?: string[];
  dryRun?: boolean;
  verifyAfterRemove?: boolean;
}

async function setup(options: Options) {
  const sandbox = await startSandbox({ seed: testSeed(options.scopes) });
  onTestFinished(() => sandbox.close());
  const secrets = new StaticSecretSource({
    oauth: JSON.stringify({ ...OAUTH, orgId: ORG_ID, accountsUrl: sandbox.url }),
  });
  const dispatcher = createZohoAgent({ timeoutMs: 2_000, connections: 5 });
  onTestFinished(() => dispatcher.close());
  const deadLetters = new InMemoryDeadLetterQueue();
  const { logger, lines } = recordingLogger();
  const deps = await assembleWorker(
    {
      dialect: options.dialect ?? 'user-groups-delete',
      helpCenterIds: [HC_A, HC_B],
      helpCenterBaseUrl: sandbox.url,
      concurrency: 5,
      timeoutMs: 2_000,
      maxReceiveCount: 3,
      maxInCallRetries: 0,
      dryRun: options.dryRun ?? false,
      verifyAfterRemove: options.verifyAfterRemove ?? true,
      removePortalAccess: options.removePortalAccess,
      guardMaxRequests: 1000,
      guardWindowSeconds: 300,
    },
    {
      secrets,
      oauthSecretId: 'oauth',
      tokenSecretId: 'token',
      refresher: new InProcessTokenRefresher({
        secrets,
        writer: secrets,
        minter: new ZohoAccountsClient(dispatcher, { timeoutMs: 2_000 }),
        oauthSecretId: 'oauth',
        tokenSecretId: 'token',
        logger: silentLogger,
      }),
      identityStore: new InMemoryIdentityStore(),
      deadLetters,
      guard: new InMemoryRateGuard(1000, 300, systemClock),
      persistence: new InMemoryPersistenceLayer(),
      dispatcher,
      logger,
    },
  );
  deps.onInvocation?.(lambdaContext);
  const state = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as SandboxState;
  const fault = (body: Record<string, unknown>) =>
    fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const userDetails = async (id: string) => {
    const token = JSON.parse(await secrets.getSecretString('token')) as {
      accessToken: string;
    };
    const res = await fetch(`${sandbox.url}/api/v1/users/${id}`, {
      headers: { authorization: `Zoho-oauthtoken ${token.accessToken}`, orgId: ORG_ID },
    });
    return (await res.json()) as { status: string };
  };
  return { deps, deadLetters, lines, state, fault, userDetails, sandbox };
}

const request: DeprovisionRequest = {
  schemaVersion: 1,
  requestId: 'req-portal-1',
  source: 'okta-event-hook',
  subject: { email: 'alice@example.com' },
  reason: 'user.lifecycle.deactivate',
  occurredAt: '2026-11-26T09:00:00.000Z',
  receivedAt: '2026-11-26T09:00:01.000Z',
};
const delivery = (n = 1) => ({ messageId: `msg-${n}`, receiveCount: n });
const portalCalls = (s: SandboxState) =>
  s.calls.filter((c) => c.path.startsWith('/api/v1/portalUsers/'));

describe('portal access removal against the sandbox Help Center', () => {
  it.each(['user-groups-delete', 'zoho-desk-v1'] as const)(
    '%s: removes every group, then the portal access, and verifies the user is DELETED',
    async (dialect) => {
      const h = await setup({ removePortalAccess: true, dialect });
      const outcome = await processDeprovision(h.deps, request, delivery());
      expect(outcome).toMatchObject({
        kind: 'removed',
        removals: [
          { helpCenterId: HC_A, userId: ALICE_A, portalAccess: 'removed' },
          { helpCenterId: HC_B, userId: ALICE_B, portalAccess: 'removed' },
        ],
      });
      const s = await h.state();
      expect(s.users.filter((u) => u.email.toLowerCase() === 'alice@example.com')).toEqual([
        expect.objectContaining({ id: ALICE_A, groupIds: [] }),
        expect.objectContaining({ id: ALICE_B, groupIds: [] }),
      ]);
      expect(
        portalCalls(s)
          .map((c) => `${c.method} ${c.path} ${c.status}`)
          .sort(),
      ).toEqual([
        `POST /api/v1/portalUsers/${ALICE_A}/removeUser 204`,
        `POST /api/v1/portalUsers/${ALICE_B}/removeUser 204`,
      ]);
      // verify-after read the status back with getUserDetails.
      expect(
        s.calls.filter((c) => c.method === 'GET' && /^\/api\/v1\/users\/\d+$/.test(c.path)),
      ).toHaveLength(2);
      expect((await h.userDetails(ALICE_A)).status).toBe('DELETED');
      // Each group removal came before that user's portal removal; no group was deleted.
      const index = (p: string, method: string) =>
        s.calls.findIndex((c) => c.method === method && c.path.startsWith(p));
      for (const [hc, user] of [
        [HC_A, ALICE_A],
        [HC_B, ALICE_B],
      ] as const) {
        const groupRemoval =
          dialect === 'user-groups-delete'
            ? index(`/api/v1/helpcenter/${hc}/users/${user}/groups`, 'DELETE')
            : index(`/api/v1/users/${user}/groups/dissociate`, 'POST');
        expect(groupRemoval).toBeGreaterThanOrEqual(0);
        expect(index(`/api/v1/portalUsers/${user}`, 'POST')).toBeGreaterThan(groupRemoval);
      }
      expect(s.groups).toHaveLength(3);
      expect(h.deadLetters.records).toEqual([]);
    },
  );

  it('sends no portal request with the setting off', async () => {
    const h = await setup({ removePortalAccess: false });
    const outcome = await processDeprovision(h.deps, request, delivery());
    expect(outcome.kind).toBe('removed');
    expect(portalCalls(await h.state())).toEqual([]);
    expect((await h.userDetails(ALICE_A)).status).toBe('ACTIVE');
  });

  it('in dry run logs the exact portal request and sends nothing that changes the Help Center', async () => {
    const h = await setup({ removePortalAccess: true, dryRun: true });
    const outcome = await processDeprovision(h.deps, request, delivery());
    expect(outcome.kind).toBe('held');
    const s = await h.state();
    expect(s.calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'))).toEqual([]);
    const logged = h.lines
      .filter((l) => l.message === 'Dry run: would send Help Center request')
      .map((l) => `${l.extra?.method} ${l.extra?.path}`);
    expect(logged).toContain(`POST /api/v1/portalUsers/${ALICE_A}/removeUser`);
    expect(logged).toContain(`POST /api/v1/portalUsers/${ALICE_B}/removeUser`);
  });

  it('a token without Desk.settings.DELETE dead-letters as scope with a hint naming it; the groups are gone', async () => {
    const h = await setup({
      removePortalAccess: true,
      dialect: 'zoho-desk-v1',
      scopes: ['Desk.settings.READ', 'Desk.settings.UPDATE', 'Desk.basic.READ'],
    });
    const outcome = await processDeprovision(h.deps, request, delivery());
    expect(outcome.kind).toBe('dead-lettered');
    const failure = h.deadLetters.records[0]?.failure;
    expect(failure).toMatchObject({ kind: 'scope', httpStatus: 403, errorCode: 'SCOPE_MISMATCH' });
    expect(failure?.message).toContain('removePortalUser');
    expect(failure?.hint).toContain('Desk.settings.DELETE');
    const s = await h.state();
    expect(s.users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([]);
  });

  it('a redrive after a portal failure finds the groups gone and completes the portal removal', async () => {
    const h = await setup({ removePortalAccess: true, dialect: 'zoho-desk-v1' });
    await h.fault({
      method: 'POST',
      pathPrefix: '/api/v1/portalUsers/',
      status: 403,
      errorCode: 'SCOPE_MISMATCH',
      times: 2,
    });
    expect((await processDeprovision(h.deps, request, delivery())).kind).toBe('dead-lettered');
    expect((await h.state()).users.find((u) => u.id === ALICE_A)?.groupIds).toEqual([]);
    // Redriven with the same requestId (a failure never completes the idempotency record).
    const callsBefore = (await h.state()).calls.length;
    const redriven = await processDeprovision(h.deps, request, delivery());
    expect(redriven).toMatchObject({
      kind: 'removed',
      duplicate: false,
      removals: [
        { helpCenterId: HC_A, outcome: 'removed', groupIds: [], portalAccess: 'removed' },
        { helpCenterId: HC_B, outcome: 'removed', groupIds: [], portalAccess: 'removed' },
      ],
    });
    // The redrive found no group left: no group removal was sent, let alone answered 204.
    const redriveCalls = (await h.state()).calls.slice(callsBefore);
    expect(redriveCalls.filter((c) => c.path.includes('/groups') && c.method !== 'GET')).toEqual(
      [],
    );
    expect(
      redriveCalls
        .filter((c) => c.path.startsWith('/api/v1/portalUsers/'))
        .map((c) => `${c.method} ${c.path} ${c.status}`)
        .sort(),
    ).toEqual([
      `POST /api/v1/portalUsers/${ALICE_A}/removeUser 204`,
      `POST /api/v1/portalUsers/${ALICE_B}/removeUser 204`,
    ]);
    expect((await h.userDetails(ALICE_A)).status).toBe('DELETED');
    expect((await h.userDetails(ALICE_B)).status).toBe('DELETED');
  });
});
