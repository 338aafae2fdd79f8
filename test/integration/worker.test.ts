import { join } from 'node:path';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { DynamoDbRateGuard } from '#core/adapters/aws/dynamodb-rate-guard.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { SqsDeadLetterQueue } from '#core/adapters/aws/sqs-dead-letter-queue.ts';
import { SqsDeadLetterSource } from '#core/adapters/aws/sqs-dead-letter-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { createWorkerHandler } from '#core/deprovision/batch.ts';
import { redrive } from '#core/deprovision/redrive.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InProcessTokenRefresher } from '../../local/adapters/in-process-token-refresher.ts';
import { loadSeed, type Sandbox, startSandbox } from '../../local/sandbox/server.ts';
import { SqsPoller } from '../../local/sqs-poller.ts';
import { WorkerResources } from './worker-resources.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const ALICE = ['7001000000118001', '7001000000218001'];
const BOB = '7001000000118002';

const resources = new WorkerResources('worker');
let sandbox: Sandbox;
let env: {
  workQueueUrl: string;
  dlqUrl: string;
  oauthSecretId: string;
  tokenSecretId: string;
  identityTable: string;
  idempotencyTable: string;
};

async function sandboxState() {
  const res = await fetch(`${sandbox.url}/_sandbox/state`);
  return (await res.json()) as {
    users: Array<{ id: string; groupIds: string[] }>;
    calls: Array<{ method: string; path: string; status: number }>;
    tokensMinted: number;
  };
}

function request(requestId: string, email: string): DeprovisionRequest {
  return {
    schemaVersion: 1,
    requestId,
    source: 'okta-event-hook',
    subject: { idpUserId: `00u-${requestId}`, email },
    reason: 'user.lifecycle.deactivate',
    occurredAt: '2026-11-26T09:00:00.000Z',
    receivedAt: '2026-11-26T09:00:01.000Z',
  };
}

async function buildWorker(options: { guardMax?: number; maxReceiveCount?: number } = {}) {
  const secrets = new SecretsManagerSecretSource(new SecretsManagerClient({}), { ttlMs: 1_000 });
  const dispatcher = createZohoAgent({ timeoutMs: 3_000 });
  const deps = await assembleWorker(
    {
      dialect: 'user-groups-delete',
      concurrency: 5,
      timeoutMs: 3_000,
      maxReceiveCount: options.maxReceiveCount ?? 2,
      maxInCallRetries: 0,
      dryRun: false,
      verifyAfterRemove: false,
      guardMaxRequests: options.guardMax ?? 100,
      guardWindowSeconds: 300,
      helpCenterBaseUrl: sandbox.url,
    },
    {
      secrets,
      oauthSecretId: env.oauthSecretId,
      tokenSecretId: env.tokenSecretId,
      refresher: new InProcessTokenRefresher({
        secrets,
        writer: secrets,
        minter: new ZohoAccountsClient(dispatcher),
        oauthSecretId: env.oauthSecretId,
        tokenSecretId: env.tokenSecretId,
        logger: silentLogger,
      }),
      identityStore: new DynamoDbIdentityStore(resources.documents, env.identityTable),
      deadLetters: new SqsDeadLetterQueue(new SQSClient({}), env.dlqUrl),
      guard: new DynamoDbRateGuard(
        resources.documents,
        env.idempotencyTable,
        options.guardMax ?? 100,
        300,
        systemClock,
      ),
      persistence: new DynamoDBPersistenceLayer({
        tableName: env.idempotencyTable,
        awsSdkV3Client: resources.dynamodb,
      }),
      dispatcher,
      logger: silentLogger,
    },
  );
  return createWorkerHandler(deps);
}

/** Runs the worker on everything the real work queue delivers until it stays empty. */
async function drainWorkQueue(handler: Awaited<ReturnType<typeof buildWorker>>, polls = 4) {
  const poller = new SqsPoller(new SQSClient({}), env.workQueueUrl, {
    visibilityTimeoutSeconds: 0,
    logger: silentLogger,
    waitSeconds: 1,
  });
  let empty = 0;
  let handled = 0;
  while (empty < polls) {
    const n = await poller.pollOnce(handler);
    handled += n;
    empty = n === 0 ? empty + 1 : 0;
  }
  return handled;
}

beforeAll(async () => {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  sandbox = await startSandbox({ seed });
  const queues = await resources.workQueueWithDlq(2);
  env = {
    ...queues,
    oauthSecretId: await resources.secret({
      clientId: seed.oauth.clientId,
      clientSecret: seed.oauth.clientSecret,
      refreshToken: seed.oauth.refreshToken,
      orgId: seed.orgId,
      accountsUrl: sandbox.url,
      helpCenterIds: [HC1, HC2],
    }),
    tokenSecretId: await resources.secret('created-without-a-value'),
    identityTable: await resources.identityTable(),
    idempotencyTable: await resources.idempotencyTable(),
  };
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await resources.cleanup();
});

beforeEach(async () => {
  // A reset revokes the sandbox's tokens, so each test starts from an empty shared-token secret.
  await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
  env.tokenSecretId = await resources.secret('created-without-a-value');
  await resources.drain(env.dlqUrl, 0, 1);
});

describe('worker against real SQS, Secrets Manager and DynamoDB', () => {
  it('removes a user delivered through the real work queue and stores the shared token', async () => {
    const handler = await buildWorker();
    await new SqsWorkQueue(new SQSClient({}), env.workQueueUrl).send([
      request('it-alice-1', 'alice@example.com'),
    ]);
    expect(await drainWorkQueue(handler)).toBe(1);
    const state = await sandboxState();
    expect(state.users.filter((u) => ALICE.includes(u.id)).map((u) => u.groupIds)).toEqual([
      [],
      [],
    ]);
    expect(state.tokensMinted).toBe(1);
    const token = await resources.clients.secrets.send(
      new GetSecretValueCommand({ SecretId: env.tokenSecretId }),
    );
    expect(JSON.parse(token.SecretString ?? '{}')).toMatchObject({
      accessToken: expect.any(String),
      expiresAt: expect.any(String),
    });
    const items = await resources.documents.send(
      new ScanCommand({ TableName: env.idempotencyTable }),
    );
    expect(items.Items?.some((i) => i.status === 'COMPLETED')).toBe(true);
  });

  it('removes once when the same requestId is delivered twice', async () => {
    const handler = await buildWorker();
    const queue = new SqsWorkQueue(new SQSClient({}), env.workQueueUrl);
    await queue.send([request('it-bob-twice', 'bob@example.com')]);
    await queue.send([request('it-bob-twice', 'bob@example.com')]);
    // Both copies are received; one may come back once while the other holds the idempotency lock.
    expect(await drainWorkQueue(handler)).toBeGreaterThanOrEqual(2);
    const deletes = (await sandboxState()).calls.filter((c) => c.method === 'DELETE');
    expect(deletes.map((c) => c.path)).toEqual([`/api/v1/helpcenter/${HC1}/users/${BOB}/groups`]);
  });

  it('dead-letters a refused removal with attributes, and a redrive after the fault clears removes the user', async () => {
    const handler = await buildWorker();
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'DELETE',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 1,
      }),
    });
    await new SqsWorkQueue(new SQSClient({}), env.workQueueUrl).send([
      request('it-bob-scope', 'bob@example.com'),
    ]);
    await drainWorkQueue(handler);
    const dlq = await resources.peek(env.dlqUrl);
    expect(dlq).toHaveLength(1);
    const record = JSON.parse(dlq[0]?.Body ?? '{}');
    expect(record).toMatchObject({
      schemaVersion: 1,
      request: { requestId: 'it-bob-scope' },
      failure: { kind: 'scope', httpStatus: 403, errorCode: 'SCOPE_MISMATCH' },
      attempts: 1,
    });
    expect(dlq[0]?.MessageAttributes?.failureKind?.StringValue).toBe('scope');
    expect(dlq[0]?.MessageAttributes?.source?.StringValue).toBe('okta-event-hook');
    expect((await sandboxState()).users.find((u) => u.id === BOB)?.groupIds).toHaveLength(2);

    const moved = await redrive(
      {
        deadLetters: new SqsDeadLetterSource(new SQSClient({}), env.dlqUrl, {
          visibilityTimeoutSeconds: 5,
        }),
        queue: new SqsWorkQueue(new SQSClient({}), env.workQueueUrl),
        logger: silentLogger,
      },
      { failureKind: 'scope' },
    );
    expect(moved.movedRequestIds).toEqual(['it-bob-scope']);
    await drainWorkQueue(handler);
    expect((await sandboxState()).users.find((u) => u.id === BOB)?.groupIds).toEqual([]);
    expect(await resources.peek(env.dlqUrl)).toHaveLength(0);
  });

  it('writes a transient failure to the DLQ on the last receive (the configured maximum)', async () => {
    const handler = await buildWorker({ maxReceiveCount: 2 });
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'DELETE', status: 503, times: 10 }),
    });
    await new SqsWorkQueue(new SQSClient({}), env.workQueueUrl).send([
      request('it-alice-503', 'alice@example.com'),
    ]);
    await drainWorkQueue(handler, 6);
    const dlq = await resources.peek(env.dlqUrl);
    expect(dlq).toHaveLength(1);
    expect(JSON.parse(dlq[0]?.Body ?? '{}')).toMatchObject({
      request: { requestId: 'it-alice-503' },
      failure: { kind: 'transient', httpStatus: 503 },
      attempts: 2,
    });
  });

  it('holds requests past the shared guard counter in DynamoDB', async () => {
    // A table of its own, so the counts of the other tests in this window do not add up here.
    env.idempotencyTable = await resources.idempotencyTable();
    const handler = await buildWorker({ guardMax: 1 });
    await new SqsWorkQueue(new SQSClient({}), env.workQueueUrl).send([
      request('it-guard-1', 'dave@example.com'),
      request('it-guard-2', 'john.doe@example.com'),
    ]);
    await drainWorkQueue(handler);
    const dlq = await resources.peek(env.dlqUrl);
    expect(dlq.map((m) => m.MessageAttributes?.failureKind?.StringValue)).toEqual(['held']);
  });
});

describe('DynamoDB guard', () => {
  it('admits the first N distinct request ids of a window, a retried id again, and no more', async () => {
    const table = await resources.idempotencyTable();
    const guard = new DynamoDbRateGuard(resources.documents, table, 2, 300, systemClock);
    expect(await guard.admit('a')).toBe(true);
    expect(await guard.admit('b')).toBe(true);
    expect(await guard.admit('a')).toBe(true);
    expect(await guard.admit('c')).toBe(false);
    expect(await guard.admit('b')).toBe(true);
  });
});

describe('DynamoDB identity store', () => {
  it('finds records by each key, case-insensitively on userName and email, and pages the list', async () => {
    // A table of its own: the worker tests above write links back to the shared one.
    const store = new DynamoDbIdentityStore(resources.documents, await resources.identityTable());
    const now = '2026-11-26T09:00:00.000Z';
    await store.put({
      id: 'id-a',
      userName: 'Jane.Doe@Example.org',
      email: 'Jane.Doe@Example.org',
      externalId: 'ext-1',
      idpUserId: '00uJANE',
      active: true,
      createdAt: now,
      updatedAt: now,
      version: 1,
      helpCenterUserIds: { [HC1]: '1' },
    });
    await store.put({
      id: 'id-b',
      userName: 'sam',
      active: true,
      createdAt: now,
      updatedAt: now,
      version: 1,
    });
    expect((await store.get('id-a'))?.helpCenterUserIds).toEqual({ [HC1]: '1' });
    expect((await store.findBy('userName', 'jane.doe@example.ORG')).map((r) => r.id)).toEqual([
      'id-a',
    ]);
    expect((await store.findBy('email', 'JANE.DOE@example.org')).map((r) => r.id)).toEqual([
      'id-a',
    ]);
    expect((await store.findBy('externalId', 'ext-1')).map((r) => r.id)).toEqual(['id-a']);
    expect((await store.findBy('externalId', 'EXT-1')).map((r) => r.id)).toEqual([]);
    expect((await store.findBy('idpUserId', '00uJANE')).map((r) => r.id)).toEqual(['id-a']);
    const page = await store.list({ startIndex: 2, count: 5 });
    expect(page.total).toBeGreaterThanOrEqual(2);
    expect(page.records[0]?.id).toBe('id-b');
    await store.delete('id-b');
    expect(await store.get('id-b')).toBeUndefined();
  });
});
