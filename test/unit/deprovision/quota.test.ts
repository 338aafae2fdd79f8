import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createWorkerHandler, type WorkerDeps } from '#core/deprovision/batch.ts';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import { quotaWaitSeconds } from '#core/deprovision/process-deprovision.ts';
import { QuotaExceededError } from '#core/domain/errors.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { sqsEvent, sqsRecord } from '../../helpers/sqs-event.ts';

const HC = '7001000000000001';
const clock = { now: () => new Date('2026-12-04T10:00:00.000Z') };
const request = {
  schemaVersion: 1,
  requestId: 'r-quota',
  source: 'okta-event-hook',
  subject: { email: 'a@example.com' },
  reason: 'user.lifecycle.deactivate',
  occurredAt: '2026-12-04T09:59:00.000Z',
  receivedAt: '2026-12-04T09:59:01.000Z',
};
const quota = () =>
  new QuotaExceededError('Help Center answered 429 THRESHOLD_EXCEEDED to getUsers', {
    httpStatus: 429,
    errorCode: 'THRESHOLD_EXCEEDED',
    hint: 'daily API credits are spent',
  });

function setup(options: { defer?: boolean; deferFails?: boolean; maxRetries?: number } = {}) {
  const helpCenter = new InMemoryHelpCenter(
    [{ id: '1', email: 'a@example.com', helpCenterId: HC, groupIds: ['g1'] }],
    [{ id: 'g1', helpCenterId: HC }],
  );
  const counted: string[] = [];
  const deferred: { messageId: string; seconds: number }[] = [];
  const deadLetters = new InMemoryDeadLetterQueue();
  const deps: WorkerDeps = {
    helpCenter,
    identityStore: new InMemoryIdentityStore(),
    directory: new DirectoryCache(1000, clock),
    deadLetters,
    guard: new InMemoryRateGuard(100, 300, clock),
    clock,
    logger: silentLogger,
    retry: {
      maxRetries: options.maxRetries ?? 3,
      baseDelayMs: 1,
      maxDelayMs: 1,
      maxRetryAfterMs: 1,
    },
    helpCenterIds: [HC],
    maxReceiveCount: 5,
    dryRun: false,
    verifyAfterRemove: false,
    metrics: { count: (name) => counted.push(name), flush: () => {} },
    ...(options.defer === false
      ? {}
      : {
          deferMessage: async (record: SQSRecord, seconds: number) => {
            if (options.deferFails) throw new Error('ChangeMessageVisibility refused');
            deferred.push({ messageId: record.messageId, seconds });
          },
        }),
  };
  return { handler: createWorkerHandler(deps), helpCenter, deadLetters, counted, deferred };
}

describe('THRESHOLD_EXCEEDED (quota) in the worker', () => {
  it('spreads a day of waiting over the receives before the last, at most 12 h each', () => {
    expect(quotaWaitSeconds(5)).toBe(21_600);
    expect(quotaWaitSeconds(3)).toBe(43_200);
    expect(quotaWaitSeconds(25)).toBe(3_600);
    expect(quotaWaitSeconds(1)).toBe(43_200);
  });

  it('makes no in-call retry, fails the record back, extends its visibility and counts QuotaExceeded', async () => {
    const { handler, helpCenter, deadLetters, counted, deferred } = setup();
    helpCenter.failures.find = [quota(), quota(), quota(), quota()];

    const response = await handler(
      sqsEvent([sqsRecord(request, { messageId: 'm1', receiveCount: 1 })]),
      lambdaContext,
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(helpCenter.calls.filter((c) => c.startsWith('find'))).toHaveLength(1);
    expect(deferred).toEqual([{ messageId: 'm1', seconds: 21_600 }]);
    expect(counted).toEqual(['QuotaExceeded']);
    expect(deadLetters.records).toEqual([]);
  });

  it('is not dead-lettered before the last receive, even without a way to extend the wait', async () => {
    const { handler, helpCenter, deadLetters, counted } = setup({ defer: false });
    for (let receive = 1; receive <= 4; receive += 1) {
      helpCenter.failures.find = [quota()];
      const response = await handler(
        sqsEvent([sqsRecord(request, { messageId: 'm1', receiveCount: receive })]),
        lambdaContext,
      );
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    }
    expect(deadLetters.records).toEqual([]);
    expect(counted).toEqual(['QuotaExceeded', 'QuotaExceeded', 'QuotaExceeded', 'QuotaExceeded']);
  });

  it('on the last receive (credits have had a day to renew) dead-letters it as quota, readable and redrivable', async () => {
    const { handler, helpCenter, deadLetters, counted, deferred } = setup();
    helpCenter.failures.find = [quota()];

    const response = await handler(
      sqsEvent([sqsRecord(request, { messageId: 'm5', receiveCount: 5 })]),
      lambdaContext,
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(deferred).toEqual([]);
    expect(deadLetters.records[0]).toMatchObject({
      request: { requestId: 'r-quota' },
      attempts: 5,
      failure: {
        kind: 'quota',
        httpStatus: 429,
        errorCode: 'THRESHOLD_EXCEEDED',
        hint: 'daily API credits are spent',
      },
    });
    expect(counted).toEqual(['DeadLettered', 'QuotaExceeded']);
  });

  it('still fails the record back when extending its visibility fails', async () => {
    const { handler, helpCenter, deadLetters, counted } = setup({ deferFails: true });
    helpCenter.failures.find = [quota()];

    const response = await handler(
      sqsEvent([sqsRecord(request, { messageId: 'm1', receiveCount: 2 })]),
      lambdaContext,
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(deadLetters.records).toEqual([]);
    expect(counted).toEqual(['QuotaExceeded']);
  });
});
