import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphClient, graphCredentialsFromSecret } from '#core/adapters/graph/graph-client.ts';
import { createRecordHandler } from '#core/deprovision/batch.ts';
import type { GraphWorkerDeps } from '#core/deprovision/graph-check.ts';
import { powertoolsIdempotency } from '#core/deprovision/idempotency.ts';
import {
  type ProcessDeps,
  processDeprovision,
  RetryLaterError,
} from '#core/deprovision/process-deprovision.ts';
import {
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  graphDeletedRequestId,
  graphDeltaResyncRequest,
} from '#core/domain/deprovision-request.ts';
import { receiveGraphNotifications } from '#core/intake/graph/notifications.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryPersistenceLayer } from '../../../local/adapters/in-memory-idempotency.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import {
  type GraphStandin,
  type StandinUser,
  startGraphStandin,
} from '../../../local/graph-standin/server.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { InMemoryGraphStateStore } from '../../doubles/in-memory-graph-state-store.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { processDeps } from '../../helpers/process-deps.ts';
import { sqsRecord } from '../../helpers/sqs-event.ts';

const HC = '7001000000000001';
const NOW = new Date('2026-12-04T19:00:00.000Z');
const clock = { now: () => NOW };
const BONNIE = 'c37b074d-fe9d-4e68-83ad-b4401d3be174';
const ADELE = '87d349ed-44d7-43e1-9a83-5f2406dee5bd';
const GONE = 'fc9a2c2b-1ddc-486d-a211-5fe8ca77fa1f';
const CARLOS = '0e1d2c3b-4a59-4687-9786-a5b4c3d2e1f0';

const USERS: StandinUser[] = [
  { id: BONNIE, accountEnabled: false, userPrincipalName: 'BonnieK@contoso.com', mail: null },
  {
    id: ADELE,
    accountEnabled: true,
    userPrincipalName: 'AdeleV@contoso.com',
    mail: 'AdeleV@contoso.com',
  },
  {
    id: CARLOS,
    accountEnabled: true,
    userPrincipalName: 'carlos@contoso.com',
    mail: 'carlos@contoso.com',
  },
];

let standin: GraphStandin;
beforeAll(async () => {
  standin = await startGraphStandin({ users: USERS });
});
afterAll(async () => {
  await standin.close();
});

function graphClient(): GraphClient {
  const secretSource = new StaticSecretSource({
    graph: JSON.stringify({
      tenantId: standin.tenantId,
      clientId: standin.clientId,
      clientSecret: standin.clientSecret,
    }),
  });
  return new GraphClient(new Agent(), {
    baseUrl: standin.url,
    loginUrl: standin.loginUrl,
    credentials: graphCredentialsFromSecret(secretSource, 'graph'),
  });
}

function setup(options: { graph?: boolean } = {}) {
  const helpCenter = new InMemoryHelpCenter(
    [
      { id: '1001', email: 'bonniek@contoso.com', helpCenterId: HC, groupIds: ['g1', 'g2'] },
      { id: '1002', email: 'adelev@contoso.com', helpCenterId: HC, groupIds: ['g1'] },
      { id: '1003', email: 'carlos@contoso.com', helpCenterId: HC, groupIds: ['g2'] },
    ],
    [
      { id: 'g1', helpCenterId: HC },
      { id: 'g2', helpCenterId: HC },
    ],
  );
  const identityStore = new InMemoryIdentityStore();
  const deadLetters = new InMemoryDeadLetterQueue();
  const queue = new InMemoryWorkQueue();
  const state = new InMemoryGraphStateStore();
  const graph: GraphWorkerDeps = { users: graphClient(), state, queue };
  const idempotent = powertoolsIdempotency(new InMemoryPersistenceLayer());
  idempotent.registerLambdaContext(lambdaContext);
  const deps = processDeps({
    helpCenter,
    identityStore,
    deadLetters,
    clock,
    helpCenterIds: [HC],
    idempotent,
    ...(options.graph === false ? {} : { graph }),
  });
  return { deps, helpCenter, deadLetters, queue, state, identityStore };
}

function check(userId: string, requestId = `graph:sub:${userId}:updated:1`): DeprovisionRequest {
  return DeprovisionRequestSchema.parse({
    schemaVersion: 1,
    requestId,
    source: 'graph',
    subject: { idpUserId: userId },
    reason: 'graph.users.updated',
    occurredAt: NOW.toISOString(),
    receivedAt: NOW.toISOString(),
    check: { kind: 'graph-user' },
  });
}

const resync = (id: string, initialSync?: 'deprovision-disabled') =>
  graphDeltaResyncRequest({
    requestId: `graph-delta:missed:${id}`,
    trigger: 'missed',
    at: NOW,
    ...(initialSync ? { initialSync } : {}),
  });

const delivery = (receiveCount = 1) => ({ messageId: `m-${receiveCount}`, receiveCount });
const groupsOf = (h: InMemoryHelpCenter, id: string) => h.users.find((u) => u.id === id)?.groupIds;

beforeEach(() => {
  standin.setUsers(USERS);
});

describe('graph-user checks in the worker', () => {
  it('looks the user up and removes a disabled account by the email Graph names', async () => {
    const { deps, helpCenter } = setup();
    const outcome = await processDeprovision(deps, check(BONNIE), delivery());
    expect(outcome).toMatchObject({
      kind: 'removed',
      reason: 'graph.users.updated.accountEnabled=false',
    });
    expect(groupsOf(helpCenter, '1001')).toEqual([]);
    expect(standin.state().calls.at(-1)).toEqual({
      method: 'GET',
      path: `/v1.0/users/${BONNIE}`,
      status: 200,
    });
  });

  it('is a no-op for an enabled account (profile update or re-enable)', async () => {
    const { deps, helpCenter } = setup();
    const outcome = await processDeprovision(deps, check(ADELE), delivery());
    expect(outcome).toMatchObject({ kind: 'no-op', via: 'graph' });
    expect(groupsOf(helpCenter, '1002')).toEqual(['g1']);
    expect(helpCenter.calls).toEqual([]);
  });

  // A guest's UPN is no mailbox; a member's UPN can be a routable address other than their mail.
  it.each([
    ['a guest UPN', 'bk_contoso.com#EXT#@fabrikam.onmicrosoft.com'],
    ['a UPN that is an address too', 'bk@contoso.onmicrosoft.com'],
  ])('prefers mail over the UPN for the email (%s)', async (_, upn) => {
    const USER = '5b0e8f1a-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
    standin.setUsers([
      ...USERS,
      { id: USER, accountEnabled: false, userPrincipalName: upn, mail: 'Bonnie.K@Contoso.com' },
    ]);
    const { deps, helpCenter } = setup();
    helpCenter.users.push(
      { id: '1004', email: 'bonnie.k@contoso.com', helpCenterId: HC, groupIds: ['g1'] },
      { id: '1005', email: 'bk@contoso.onmicrosoft.com', helpCenterId: HC, groupIds: ['g2'] },
    );
    const outcome = await processDeprovision(deps, check(USER), delivery());
    expect(outcome).toMatchObject({
      kind: 'removed',
      reason: 'graph.users.updated.accountEnabled=false',
    });
    expect(helpCenter.calls).toEqual(['find bonnie.k@contoso.com', `remove ${HC} 1004`]);
    expect(groupsOf(helpCenter, '1004')).toEqual([]);
    expect(groupsOf(helpCenter, '1005')).toEqual(['g2']);
  });

  it('treats a 404 as deleted and deprovisions by object id', async () => {
    const { deps, identityStore, helpCenter } = setup();
    await identityStore.put({
      id: 'scim-1',
      externalId: GONE,
      email: 'carlos@contoso.com',
      active: false,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 1,
    });
    const outcome = await processDeprovision(deps, check(GONE), delivery());
    expect(outcome).toMatchObject({ kind: 'removed', reason: 'graph.users.updated.notFound' });
    expect(groupsOf(helpCenter, '1003')).toEqual([]);
  });

  it('leaves Graph throttling to the queue: a 429 is retried later, not dead-lettered', async () => {
    const { deps, deadLetters } = setup();
    standin.addFault({ target: 'users', status: 429 });
    await expect(processDeprovision(deps, check(BONNIE), delivery())).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(deadLetters.records).toHaveLength(0);
  });

  it('dead-letters a check as config when Graph is not configured in the worker', async () => {
    const { deps, deadLetters } = setup({ graph: false });
    const outcome = await processDeprovision(deps, check(BONNIE), delivery());
    expect(outcome.kind).toBe('dead-lettered');
    expect(deadLetters.records[0]?.failure).toMatchObject({ kind: 'config' });
  });
});

describe('graph-delta resync in the worker', () => {
  it('initial sync (no stored link) records the link and deprovisions nobody', async () => {
    const { deps, queue, state } = setup();
    const outcome = await processDeprovision(deps, resync('a'), delivery());
    expect(outcome).toMatchObject({ kind: 'no-op', via: 'graph-delta' });
    expect(queue.sent).toEqual([]);
    expect(state.delta).toMatchObject({ version: 1, resyncedAt: NOW.toISOString() });
    expect(state.delta.deltaLink).toContain('/v1.0/users/delta?');
    // Paged: with three users and two per page, the round followed a nextLink.
    const deltaCalls = standin.state().calls.filter((c) => c.path === '/v1.0/users/delta');
    expect(deltaCalls.length).toBeGreaterThanOrEqual(2);
  });

  it('an initial sync asked to deprovision-disabled enqueues the accounts already disabled', async () => {
    const { deps, queue } = setup();
    await processDeprovision(deps, resync('b', 'deprovision-disabled'), delivery());
    expect(queue.sent.map((r) => r.subject.idpUserId)).toEqual([BONNIE]);
  });

  it('after the link: enqueues the disabled and the deleted accounts, with the notification id for deletes', async () => {
    const { deps, queue, state } = setup();
    await processDeprovision(deps, resync('c'), delivery());
    standin.updateUser(CARLOS, { accountEnabled: false });
    standin.deleteUser(ADELE);
    standin.updateUser(BONNIE, { displayName: 'Bonnie K.' });
    await processDeprovision(deps, resync('d'), delivery());
    expect(queue.sent.map((r) => DeprovisionRequestSchema.parse(r))).toEqual([
      {
        schemaVersion: 1,
        requestId: `graph:${CARLOS}:disabled:delta-v1`,
        source: 'graph',
        subject: { idpUserId: CARLOS, login: 'carlos@contoso.com', email: 'carlos@contoso.com' },
        reason: 'graph.users.delta.accountEnabled=false',
        occurredAt: NOW.toISOString(),
        receivedAt: NOW.toISOString(),
      },
      {
        schemaVersion: 1,
        requestId: graphDeletedRequestId(ADELE),
        source: 'graph',
        subject: { idpUserId: ADELE },
        reason: 'graph.users.delta.removed(changed)',
        occurredAt: NOW.toISOString(),
        receivedAt: NOW.toISOString(),
      },
      // Bonnie changed too, and is (still) disabled: enqueued again, a no-op for the worker.
      expect.objectContaining({ requestId: `graph:${BONNIE}:disabled:delta-v1` }),
    ]);
    expect(state.delta.version).toBe(2);
  });

  it('a round with no change enqueues nothing and still advances the link', async () => {
    const { deps, queue, state } = setup();
    await processDeprovision(deps, resync('e'), delivery());
    await processDeprovision(deps, resync('f'), delivery());
    expect(queue.sent).toEqual([]);
    expect(state.delta.version).toBe(2);
  });

  it('of two rounds from the same link only one advances it (conditional write)', async () => {
    const { deps, queue, state } = setup();
    await processDeprovision(deps, resync('g'), delivery());
    standin.updateUser(CARLOS, { accountEnabled: false });
    const linkAfterFirst = state.delta.deltaLink;
    // Another round (from the same link) stores its result while this one runs.
    state.beforeAdvance = () => {
      state.beforeAdvance = undefined;
      state.delta = { deltaLink: 'http://elsewhere/v1.0/users/delta?$deltatoken=x', version: 2 };
    };
    await processDeprovision(deps, resync('h'), delivery());
    expect(state.delta).toEqual({
      deltaLink: 'http://elsewhere/v1.0/users/delta?$deltatoken=x',
      version: 2,
    });
    expect(linkAfterFirst).not.toBe(state.delta.deltaLink);
    // Its requests were enqueued before the write: at least once, deduplicated by requestId.
    expect(queue.sent.map((r) => r.requestId)).toEqual([`graph:${CARLOS}:disabled:delta-v1`]);
  });

  it('starts a new initial round when Graph answers 410 to the stored link', async () => {
    const { deps, queue, state } = setup();
    state.delta = {
      deltaLink: `${standin.url}/users/delta?$deltatoken=bm90LWEtdG9rZW4`,
      version: 4,
    };
    const before = standin.state().calls.length;
    const outcome = await processDeprovision(deps, resync('i'), delivery());
    const calls = standin
      .state()
      .calls.slice(before)
      .filter((c) => c.path.startsWith('/v1.0/'));
    // The stored link was tried first and Graph answered 410; then a new round began.
    expect(calls[0]).toEqual({ method: 'GET', path: '/v1.0/users/delta', status: 410 });
    expect(calls.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(calls.slice(1).every((c) => c.path === '/v1.0/users/delta' && c.status === 200)).toBe(
      true,
    );
    expect(outcome).toMatchObject({
      kind: 'no-op',
      reason: expect.stringMatching(/^initial sync/),
    });
    expect(queue.sent).toEqual([]);
    expect(state.delta.version).toBe(5);
  });

  it('never follows a stored link to another host (the token would go there)', async () => {
    const { deps, deadLetters, state } = setup();
    // The "attacker": another local server (another port), recording whatever reaches it.
    const received: { url: string | undefined; authorization: string | undefined }[] = [];
    const attacker = createServer((req, res) => {
      received.push({ url: req.url, authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ value: [], '@odata.deltaLink': 'x' }));
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = attacker.address() as AddressInfo;
      expect(port).not.toBe(standin.port);
      state.delta = {
        deltaLink: `http://127.0.0.1:${port}/v1.0/users/delta?$deltatoken=x`,
        version: 1,
      };
      const outcome = await processDeprovision(deps, resync('j'), delivery());
      expect(outcome.kind).toBe('dead-lettered');
      expect(deadLetters.records[0]?.failure.kind).toBe('config');
      expect(received.filter((r) => r.authorization !== undefined)).toEqual([]);
      expect(received).toEqual([]);
      expect(state.delta.version).toBe(1);
    } finally {
      await new Promise<void>((resolve) => attacker.close(() => resolve()));
    }
  });

  it('is retried by the queue when Graph throttles a page', async () => {
    const { deps, state } = setup();
    standin.addFault({ target: 'users', status: 503 });
    await expect(processDeprovision(deps, resync('k'), delivery())).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(state.delta.version).toBe(0);
  });

  it('is not held by the guard (each enqueued request passes it instead)', async () => {
    const { deps } = setup();
    const guarded: ProcessDeps = { ...deps, guard: new InMemoryRateGuard(0, 300, clock) };
    const outcome = await processDeprovision(guarded, resync('l'), delivery());
    expect(outcome.kind).toBe('no-op');
  });

  it('counts GraphLifecycleActionFailed when a resync is dead-lettered (the alarm on it pages)', async () => {
    const { deps } = setup({ graph: false });
    const counted: string[] = [];
    const handle = createRecordHandler({
      ...deps,
      metrics: { count: (name) => counted.push(name), flush: () => {} },
    });
    await handle(sqsRecord(resync('m')));
    expect(counted).toEqual(['DeadLettered', 'GraphLifecycleActionFailed']);
  });

  it('a reauthorization of a subscription Graph no longer has is a no-op, never held or removing', async () => {
    const { deps, helpCenter } = setup();
    const guarded: ProcessDeps = { ...deps, guard: new InMemoryRateGuard(0, 300, clock) };
    const request = DeprovisionRequestSchema.parse({
      schemaVersion: 1,
      requestId: 'graph-reauthorize:gone-subscription:r1',
      source: 'graph',
      subject: { externalId: 'microsoft-graph:subscriptions/gone-subscription' },
      reason: 'graph.lifecycle.reauthorizationRequired',
      occurredAt: NOW.toISOString(),
      receivedAt: NOW.toISOString(),
      check: { kind: 'graph-reauthorize', subscriptionId: 'gone-subscription' },
    });
    const outcome = await processDeprovision(guarded, request, delivery());
    expect(outcome).toMatchObject({ kind: 'no-op', reason: 'subscription not found' });
    expect(standin.state().calls.at(-1)).toEqual({
      method: 'POST',
      path: '/v1.0/subscriptions/gone-subscription/reauthorize',
      status: 404,
    });
    expect(helpCenter.calls).toEqual([]);
  });

  it('a late deleted notification for an account the resync already removed is a duplicate', async () => {
    const { deps, queue, identityStore, helpCenter } = setup();
    await identityStore.put({
      id: 'scim-carlos',
      externalId: CARLOS,
      email: 'carlos@contoso.com',
      active: true,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 1,
    });
    await processDeprovision(deps, resync('n'), delivery());
    standin.deleteUser(CARLOS);
    await processDeprovision(deps, resync('o'), delivery());
    const [fromDelta] = queue.sent;
    expect(fromDelta?.requestId).toBe(graphDeletedRequestId(CARLOS));
    expect(await processDeprovision(deps, fromDelta!, delivery())).toMatchObject({
      kind: 'removed',
      duplicate: false,
    });
    expect(groupsOf(helpCenter, '1003')).toEqual([]);
    // The notification ingest makes for the same deletion, arriving late.
    const ingest = new InMemoryWorkQueue();
    await receiveGraphNotifications(
      {
        queue: ingest,
        secrets: { get: async () => 'state' } as unknown as WebhookSecretsReader,
        clock,
        logger: silentLogger,
      },
      {
        readBody: () => ({
          value: [
            {
              subscriptionId: 'sub-1',
              clientState: 'state',
              changeType: 'deleted',
              resource: `Users/${CARLOS}`,
              resourceData: { id: CARLOS, sequenceNumber: 9 },
            },
          ],
        }),
      },
    );
    const calls = helpCenter.calls.length;
    expect(await processDeprovision(deps, ingest.sent[0]!, delivery())).toMatchObject({
      kind: 'removed',
      duplicate: true,
    });
    expect(helpCenter.calls.length).toBe(calls);
  });
});
