import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGraphStateStore } from '#core/adapters/aws/dynamodb-graph-state-store.ts';
import { IDEMPOTENCY_TABLE } from '#core/contract/tables.ts';
import { powertoolsIdempotency } from '#core/deprovision/idempotency.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { WorkerResources } from './worker-resources.ts';

/**
 * The Graph delta link and subscription record in the idempotency table as the stack defines it
 * (created from the synthesized template), against the endpoint in AWS_ENDPOINT_URL.
 */
const resources = new WorkerResources('graph-state');
let table: string;

beforeAll(async () => {
  table = await resources.idempotencyTable();
}, 60_000);

afterAll(async () => {
  await resources.cleanup();
});

const LINK_1 = 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=one';
const LINK_2 = 'https://graph.microsoft.com/v1.0/users/delta?$deltatoken=two';

describe('DynamoDbGraphStateStore', () => {
  it('reads version 0 and no link before the first round', async () => {
    const store = new DynamoDbGraphStateStore(
      resources.documents,
      await resources.idempotencyTable(),
    );
    expect(await store.readDelta()).toEqual({ version: 0 });
    expect(await store.readSubscription()).toBeUndefined();
  });

  it('advances the link only from the version it was read at (conditional write)', async () => {
    const store = new DynamoDbGraphStateStore(resources.documents, table);
    const start = await store.readDelta();
    expect(
      await store.advanceDelta(start.version, {
        deltaLink: LINK_1,
        resyncedAt: '2026-12-04T19:00:00.000Z',
      }),
    ).toBe(true);
    // A second round that started from the same state loses: nothing is written.
    expect(
      await store.advanceDelta(start.version, {
        deltaLink: LINK_2,
        resyncedAt: '2026-12-04T19:00:01.000Z',
      }),
    ).toBe(false);
    expect(await store.readDelta()).toEqual({
      deltaLink: LINK_1,
      version: 1,
      resyncedAt: '2026-12-04T19:00:00.000Z',
    });
    expect(
      await store.advanceDelta(1, { deltaLink: LINK_2, resyncedAt: '2026-12-04T20:00:00.000Z' }),
    ).toBe(true);
    expect((await store.readDelta()).deltaLink).toBe(LINK_2);
  });

  it('keeps its items under the contract keys, without a TTL, beside Powertools records', async () => {
    // A Powertools idempotency record first, written by the worker's own wrapper and persistence.
    const idempotent = powertoolsIdempotency(
      new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: resources.dynamodb }),
    );
    let runs = 0;
    const attempt = idempotent(async () => {
      runs += 1;
      return { outcome: 'no-op' as const, removals: [], via: 'email' };
    });
    const request: DeprovisionRequest = {
      schemaVersion: 1,
      requestId: 'graph-state-beside-powertools',
      source: 'manual',
      subject: { email: 'dave@example.com' },
      reason: 'test',
      occurredAt: '2026-12-04T19:00:00.000Z',
      receivedAt: '2026-12-04T19:00:00.000Z',
    };
    expect(await attempt(request)).toEqual({ outcome: 'no-op', removals: [], via: 'email' });
    const powertoolsItems = async () =>
      ((await resources.documents.send(new ScanCommand({ TableName: table }))).Items ?? []).filter(
        (item) => !String(item[IDEMPOTENCY_TABLE.partitionKey]).startsWith('graph#'),
      );
    const [record] = await powertoolsItems();
    expect(record).toMatchObject({
      status: 'COMPLETED',
      [IDEMPOTENCY_TABLE.ttlAttribute]: expect.any(Number),
    });

    const store = new DynamoDbGraphStateStore(resources.documents, table);
    const { version } = await store.readDelta();
    expect(
      await store.advanceDelta(version, {
        deltaLink: LINK_1,
        resyncedAt: '2026-12-04T21:00:00.000Z',
      }),
    ).toBe(true);
    await store.writeSubscription({
      subscriptionId: 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b',
      action: 'renewed',
      expirationDateTime: '2026-12-31T18:00:00.000Z',
      checkedAt: '2026-12-04T19:00:00.000Z',
    });
    expect(await store.readSubscription()).toEqual({
      subscriptionId: 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b',
      action: 'renewed',
      expirationDateTime: '2026-12-31T18:00:00.000Z',
      checkedAt: '2026-12-04T19:00:00.000Z',
    });
    for (const key of [IDEMPOTENCY_TABLE.graph.deltaKey, IDEMPOTENCY_TABLE.graph.subscriptionKey]) {
      const { Item } = await resources.documents.send(
        new GetCommand({ TableName: table, Key: { [IDEMPOTENCY_TABLE.partitionKey]: key } }),
      );
      expect(Item).toBeDefined();
      expect(Item).not.toHaveProperty(IDEMPOTENCY_TABLE.ttlAttribute);
    }
    // The Powertools record is untouched and still answers a duplicate without running it again.
    expect(await powertoolsItems()).toEqual([record]);
    expect(await attempt(request)).toEqual({ outcome: 'no-op', removals: [], via: 'email' });
    expect(runs).toBe(1);
  });
});
