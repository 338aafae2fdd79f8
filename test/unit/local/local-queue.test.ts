import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { FileQueueJournal } from '../../../local/adapters/file-queue-journal.ts';
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

  it('answers send before the worker starts: an ingest ack never runs worker code first', async () => {
    const events: string[] = [];
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async () => {
      events.push('worker');
      return { batchItemFailures: [] };
    });
    await queue.send([request('a')]);
    events.push('acked');
    await until(() => queue.depth === 0);
    expect(events).toEqual(['acked', 'worker']);
  });

  it('runs one worker invocation at a time while an ack is being answered, the full budget after', async () => {
    let running = 0;
    let most = 0;
    const releases: Array<() => void> = [];
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      concurrency: 4,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running -= 1;
      return { batchItemFailures: [] };
    });
    queue.ackStarted();
    await queue.send(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(request));
    // While the ack is open: each invocation is released only once it is the only one running,
    // and the next starts alone (three in turn, no sleeping).
    for (let i = 0; i < 3; i += 1) {
      await until(() => releases.length === 1 && running === 1);
      releases.shift()?.();
    }
    await until(() => releases.length === 1 && running === 1);
    expect(most).toBe(1);
    expect(queue.depth).toBe(5);
    queue.ackFinished();
    await until(() => running === 4);
    for (const release of releases.splice(0)) release();
    await until(() => running === 1);
    for (const release of releases.splice(0)) release();
    await until(() => queue.depth === 0);
    expect(most).toBe(4);
  });

  it('waits the deferred delay before the next receive of a deferred message (quota), then the usual one', async () => {
    const receives: number[] = [];
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async (event) => {
      const record = event.Records[0]!;
      receives.push(Date.now());
      const count = Number(record.attributes.ApproximateReceiveCount);
      // First receive: asks for a 1 s wait (as the worker does on THRESHOLD_EXCEEDED).
      if (count === 1) queue.defer(record.messageId, 1);
      return { batchItemFailures: count < 3 ? [{ itemIdentifier: record.messageId }] : [] };
    });
    await queue.send([request('q')]);
    await until(() => queue.depth === 0);
    expect(receives).toHaveLength(3);
    const [first, second, third] = receives as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(990);
    // The deferral applied to one redelivery only: the next one used the 0 ms delay.
    expect(third - second).toBeLessThan(900);
    await queue.drain(1000);
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

describe('LocalQueue scheduling and stopping', () => {
  it('keeps every slot busy: a slow message does not hold back the ones behind it', async () => {
    let releaseSlow: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    const done: string[] = [];
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      concurrency: 2,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async (event) => {
      for (const r of event.Records) {
        const id = JSON.parse(r.body).requestId as string;
        if (id === 'slow') await slow;
        done.push(id);
      }
      return { batchItemFailures: [] };
    });
    await queue.send([request('slow'), ...Array.from({ length: 20 }, (_, i) => request(`f${i}`))]);
    await until(() => done.length === 20);
    expect(done).not.toContain('slow');
    releaseSlow();
    await until(() => queue.depth === 0);
    expect(done).toHaveLength(21);
  });

  it('never runs more worker invocations at once than its concurrency', async () => {
    let running = 0;
    let peak = 0;
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      concurrency: 3,
      logger: silentLogger,
      onExhausted: async () => {},
    });
    queue.start(async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      return { batchItemFailures: [] };
    });
    await queue.send(Array.from({ length: 30 }, (_, i) => request(`c${i}`)));
    await until(() => queue.depth === 0);
    expect(peak).toBe(3);
  });

  it('on drain, keeps a retrying message queued instead of running it through its last receives', async () => {
    const exhausted: LocalMessage[] = [];
    let receives = 0;
    const queue = new LocalQueue({
      maxReceiveCount: 3,
      redeliveryDelayMs: 30,
      logger: silentLogger,
      onExhausted: async (m) => {
        exhausted.push(m);
      },
    });
    queue.start(async (event) => {
      receives += 1;
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await queue.send([request('retrying')]);
    await until(() => receives === 1);
    const left = await queue.drain(1000);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(receives).toBe(1);
    expect(exhausted).toEqual([]);
    expect(left.map((m) => [JSON.parse(m.body).requestId, m.receiveCount])).toEqual([
      ['retrying', 1],
    ]);
  });

  it('rejects a send with a QueueError when its journal cannot store the messages', async () => {
    const queue = new LocalQueue({
      maxReceiveCount: 5,
      redeliveryDelayMs: 0,
      logger: silentLogger,
      onExhausted: async () => {},
      journal: {
        added: async () => {
          throw new Error('ENOSPC: no space left on device');
        },
        received: async () => {},
        removed: async () => {},
      },
    });
    await expect(queue.send([request('x')])).rejects.toMatchObject({ name: 'QueueError' });
    expect(queue.depth).toBe(0);
  });
});

describe('LocalQueue with its file journal', () => {
  it('has a message on disk when send resolves, and off it once the worker finished it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hcd-queue-'));
    let crashed: Awaited<ReturnType<typeof FileQueueJournal.open>> | undefined;
    let restarted: Awaited<ReturnType<typeof FileQueueJournal.open>> | undefined;
    try {
      const path = join(dir, 'queue.journal');
      const { journal } = await FileQueueJournal.open(path);
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const queue = new LocalQueue({
        maxReceiveCount: 5,
        redeliveryDelayMs: 0,
        logger: silentLogger,
        onExhausted: async () => {},
        journal,
      });
      queue.start(async () => {
        await held;
        return { batchItemFailures: [] };
      });
      await queue.send([request('durable')]);
      // As a process killed now would find it on the next start:
      crashed = await FileQueueJournal.open(path);
      expect(crashed.load.messages.map((m) => JSON.parse(m.body).requestId)).toEqual(['durable']);
      release();
      await until(() => queue.depth === 0);
      await queue.drain(1000);
      await journal.close();
      restarted = await FileQueueJournal.open(path);
      expect(restarted.load.messages).toEqual([]);
    } finally {
      await restarted?.journal.close();
      await crashed?.journal.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
