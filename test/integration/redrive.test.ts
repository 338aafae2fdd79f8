import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '#core/adapters/aws/sqs-dead-letter-queue.ts';
import { SqsDeadLetterSource } from '#core/adapters/aws/sqs-dead-letter-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { redrive } from '#core/deprovision/redrive.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { AwsTestResources } from './aws.ts';

const request = (id: string): DeprovisionRequest => ({
  schemaVersion: 1,
  requestId: id,
  source: 'okta-event-hook',
  subject: { email: `${id}@example.com` },
  reason: 'user.lifecycle.deactivate',
  occurredAt: '2026-11-20T09:00:00.000Z',
  receivedAt: '2026-11-20T09:00:01.000Z',
});

const record = (id: string, kind: DeadLetterRecord['failure']['kind']): DeadLetterRecord => ({
  schemaVersion: 1,
  request: request(id),
  failure: { kind, message: 'the Help Center refused', httpStatus: 500 },
  attempts: 5,
  firstAttemptAt: '2026-11-20T09:00:02.000Z',
  lastAttemptAt: '2026-11-20T09:05:02.000Z',
  correlationId: `msg-${id}`,
});

/**
 * The redrive Lambda's path on SQS: a worker that fails every attempt dead-letters each request
 * again while the redrive runs; the run must still move each record once.
 */
describe('redrive over SQS (moto)', () => {
  const aws = new AwsTestResources('redrive');
  let workQueueUrl: string;
  let dlqUrl: string;
  let stopWorker = false;
  let worker: Promise<void> | undefined;
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    workQueueUrl = await aws.queue();
    dlqUrl = await aws.queue();
  });
  afterAll(async () => {
    stopWorker = true;
    await worker;
    await aws.cleanup();
  });

  it('moves each record once while every attempt fails again, and the DLQ ends with the same records', async () => {
    const sqs = aws.clients.sqs;
    const dlq = new SqsDeadLetterQueue(sqs, dlqUrl);
    const ids = Array.from({ length: 15 }, (_, i) => `t${i}`);
    for (const id of ids) await dlq.send(record(id, 'transient'));
    await dlq.send(record('amb0', 'ambiguous'));
    await dlq.send(record('amb1', 'ambiguous'));

    // A worker whose Help Center always fails: every request it takes goes back to the DLQ.
    worker = (async () => {
      while (!stopWorker) {
        const out = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: workQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
          }),
        );
        for (const m of out.Messages ?? []) {
          const r = JSON.parse(m.Body ?? '{}') as DeprovisionRequest;
          attempts.set(r.requestId, (attempts.get(r.requestId) ?? 0) + 1);
          await dlq.send({ ...record(r.requestId, 'transient'), attempts: 6 });
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: workQueueUrl, ReceiptHandle: m.ReceiptHandle }),
          );
        }
      }
    })();

    const result = await redrive(
      {
        deadLetters: new SqsDeadLetterSource(sqs, dlqUrl, { visibilityTimeoutSeconds: 60 }),
        queue: new SqsWorkQueue(sqs, workQueueUrl),
        logger: silentLogger,
      },
      {},
    );
    expect(result.moved).toBe(15);
    expect([...result.movedRequestIds].sort()).toEqual([...ids].sort());
    expect(result.skippedByReason).toEqual({ 'needs-operator': 2 });
    expect(result.notes.join(' ')).toMatch(/ambiguous/);

    // Let the failing worker take everything that was moved, then read the DLQ.
    const deadline = Date.now() + 30_000;
    while (attempts.size < ids.length && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stopWorker = true;
    await worker;
    expect([...attempts.values()]).toEqual(ids.map(() => 1));
    const left = await aws.drain(dlqUrl, ids.length + 2);
    const leftIds = left.map(
      (m) => (JSON.parse(m.Body ?? '{}') as DeadLetterRecord).request.requestId,
    );
    expect(leftIds.sort()).toEqual([...ids, 'amb0', 'amb1'].sort());
  }, 60_000);

  it('leaves a message that entered the DLQ after the run started', async () => {
    const sqs = aws.clients.sqs;
    const queueUrl = await aws.queue();
    const dlqOnly = await aws.queue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqOnly,
        MessageBody: JSON.stringify(record('late', 'transient')),
      }),
    );
    const result = await redrive(
      {
        deadLetters: new SqsDeadLetterSource(sqs, dlqOnly, { visibilityTimeoutSeconds: 5 }),
        queue: new SqsWorkQueue(sqs, queueUrl),
        logger: silentLogger,
        clock: { now: () => new Date(Date.now() - 60_000) },
      },
      {},
    );
    expect(result.moved).toBe(0);
    expect(result.skippedByReason).toEqual({ 'arrived-during-run': 1 });
  });
});
