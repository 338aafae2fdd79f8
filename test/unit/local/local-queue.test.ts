import { describe, expect, it } from 'vitest';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { type LocalMessage, LocalQueue } from '../../../local/local-queue.ts';

const request = (requestId: string): DeprovisionRequest => ({
  schemaVersion: 1,
  requestId,
  source: 'manual',
  subject: { email: `${requestId}@example.com` },
  reason: 'test',
  occurredAt: '2026-11-26T09:00:00.000Z',
  receivedAt: '2026-11-26T09:00:01.000Z',
});

async function until(probe: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('LocalQueue', () => {
  it('delivers SQS-shaped records and redelivers only the failed ones with a higher receive count', async () => {
    const seen: Array<{ id: string; count: string }> = [];
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async (event) => {
      for (const r of event.Records) {
        seen.push({
          id: JSON.parse(r.body).requestId,
          count: r.attributes.ApproximateReceiveCount,
        });
      }
      const failing = event.Records.filter(
        (r) => r.body.includes('"b"') && r.attributes.ApproximateReceiveCount === '1',
      );
      return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await queue.send([request('a'), request('b')]);
    await until(() => queue.depth === 0);
    expect(seen).toEqual([
      { id: 'a', count: '1' },
      { id: 'b', count: '1' },
      { id: 'b', count: '2' },
    ]);
  });

  it('keeps an exhausted message when moving it to the DLQ fails, and moves it on a later try', async () => {
    const moved: LocalMessage[] = [];
    let failMove = true;
    const queue = new LocalQueue({
      maxReceiveCount: 1,
      redeliveryDelayMs: 0,
      logger: silentLogger,
      onExhausted: async (m) => {
        if (failMove) {
          failMove = false;
          throw new Error('disk full');
        }
        moved.push(m);
      },
    });
    queue.start(async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await queue.send([request('poison')]);
    await until(() => moved.length === 1);
    expect(JSON.parse(moved[0]?.body ?? '{}').requestId).toBe('poison');
    expect(queue.depth).toBe(0);
  });

  it('returns what is still queued when drained, so it can be saved', async () => {
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 60_000,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async (event) => ({
      batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })),
    }));
    await queue.send([request('slow')]);
    await until(() => queue.depth === 1);
    const left = await queue.drain(50);
    expect(left.map((m) => JSON.parse(m.body).requestId)).toEqual(['slow']);
  });
});
