import { describe, expect, it } from 'vitest';
import { createWorkerHandler, type WorkerDeps } from '#core/deprovision/batch.ts';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import { TransientError } from '#core/domain/errors.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { sqsEvent, sqsRecord } from '../../helpers/sqs-event.ts';

const HC = '7001000000000001';
const clock = { now: () => new Date('2026-11-20T10:00:00.000Z') };

const request = (requestId: string, email: string) => ({
  schemaVersion: 1,
  requestId,
  source: 'okta-event-hook',
  subject: { email },
  reason: 'user.lifecycle.deactivate',
  occurredAt: '2026-11-20T09:59:00.000Z',
  receivedAt: '2026-11-20T09:59:01.000Z',
});

function setup(guardMax = 100) {
  const helpCenter = new InMemoryHelpCenter(
    [
      { id: '1', email: 'a@example.com', helpCenterId: HC, groupIds: ['g1'] },
      { id: '2', email: 'b@example.com', helpCenterId: HC, groupIds: ['g1'] },
    ],
    [{ id: 'g1', helpCenterId: HC }],
  );
  const counted: string[] = [];
  const deadLetters = new InMemoryDeadLetterQueue();
  const deps: WorkerDeps = {
    helpCenter,
    identityStore: new InMemoryIdentityStore(),
    directory: new DirectoryCache(1000, clock),
    deadLetters,
    guard: new InMemoryRateGuard(guardMax, 300, clock),
    clock,
    logger: silentLogger,
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    helpCenterIds: [HC],
    maxReceiveCount: 5,
    dryRun: false,
    verifyAfterRemove: false,
    metrics: { count: (name) => counted.push(name), flush: () => {} },
  };
  return { handler: createWorkerHandler(deps), helpCenter, deadLetters, counted };
}

describe('worker handler', () => {
  it('reports only the failing record as a batch item failure', async () => {
    const { handler, helpCenter, counted } = setup();
    helpCenter.failures.find = [new TransientError('boom')];
    const response = await handler(
      sqsEvent([
        sqsRecord(request('r-fail', 'a@example.com'), { messageId: 'm-fail' }),
        sqsRecord(request('r-ok', 'b@example.com'), { messageId: 'm-ok' }),
      ]),
      lambdaContext,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-fail' }]);
    expect(helpCenter.users.find((u) => u.id === '2')?.groupIds).toEqual([]);
    expect(counted.sort()).toEqual(['Removed', 'Retried']);
  });

  it('fails a message that is not a DeprovisionRequest and leaves it to the redrive policy', async () => {
    const { handler, deadLetters } = setup();
    const response = await handler(
      sqsEvent([
        sqsRecord('not json', { messageId: 'm-bad' }),
        sqsRecord({ hello: 1 }, { messageId: 'm-bad2' }),
      ]),
      lambdaContext,
    );
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: 'm-bad' },
      { itemIdentifier: 'm-bad2' },
    ]);
    expect(deadLetters.records).toHaveLength(0);
  });

  it('deletes a record once its failure is dead-lettered on the last receive', async () => {
    const { handler, helpCenter, deadLetters, counted } = setup();
    helpCenter.failures.find = [new TransientError('HTTP 503', { httpStatus: 503 })];
    const response = await handler(
      sqsEvent([sqsRecord(request('r1', 'a@example.com'), { messageId: 'm1', receiveCount: 5 })]),
      lambdaContext,
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetters.records[0]).toMatchObject({
      attempts: 5,
      correlationId: 'm1',
      failure: { kind: 'transient' },
    });
    expect(counted).toEqual(['DeadLettered']);
  });

  it('passes a guard release set by redrive through to the use case', async () => {
    const { handler, helpCenter, deadLetters } = setup(0);
    await handler(sqsEvent([sqsRecord(request('r1', 'a@example.com'))]), lambdaContext);
    expect(deadLetters.records[0]?.failure.kind).toBe('held');
    expect(helpCenter.users.find((u) => u.id === '1')?.groupIds).toEqual(['g1']);
    const response = await handler(
      sqsEvent([
        sqsRecord(request('r1', 'a@example.com'), { attributes: { guardRelease: 'true' } }),
      ]),
      lambdaContext,
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(helpCenter.users.find((u) => u.id === '1')?.groupIds).toEqual([]);
  });
});
