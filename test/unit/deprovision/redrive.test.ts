import { describe, expect, it } from 'vitest';
import { redrive } from '#core/deprovision/redrive.ts';
import { createRedriveHandler } from '#core/deprovision/redrive-handler.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import type { DeadLetterMessage, DeadLetterSource } from '#core/ports/dead-letter-queue.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';

/** A dead-letter source over an array, with SQS-like hide/release semantics. */
class ArrayDeadLetterSource implements DeadLetterSource {
  readonly hidden = new Set<string>();
  constructor(public messages: DeadLetterMessage[]) {}
  async receive(max: number) {
    const visible = this.messages.filter((m) => !this.hidden.has(m.id)).slice(0, Math.min(max, 10));
    for (const m of visible) this.hidden.add(m.id);
    return visible;
  }
  async remove(message: DeadLetterMessage) {
    this.messages = this.messages.filter((m) => m.id !== message.id);
  }
  async release(message: DeadLetterMessage) {
    this.hidden.delete(message.id);
  }
}

const request = (
  id: string,
  source: DeprovisionRequest['source'] = 'okta-event-hook',
): DeprovisionRequest => ({
  schemaVersion: 1,
  requestId: id,
  source,
  subject: { email: `${id}@example.com` },
  reason: 'user.lifecycle.deactivate',
  occurredAt: '2026-11-20T09:00:00.000Z',
  receivedAt: '2026-11-20T09:00:01.000Z',
});

const record = (
  id: string,
  kind: DeadLetterRecord['failure']['kind'],
  source?: DeprovisionRequest['source'],
): DeadLetterMessage => ({
  id: `dlq-${id}`,
  body: JSON.stringify({
    schemaVersion: 1,
    request: request(id, source),
    failure: { kind, message: 'x' },
    attempts: 5,
    firstAttemptAt: '2026-11-20T09:00:02.000Z',
    lastAttemptAt: '2026-11-20T09:05:02.000Z',
    correlationId: `msg-${id}`,
  } satisfies DeadLetterRecord),
  attributes: { failureKind: kind },
});

describe('redrive', () => {
  it('moves every record back with its original requestId and deletes it from the DLQ', async () => {
    const source = new ArrayDeadLetterSource([record('a', 'transient'), record('b', 'scope')]);
    const queue = new InMemoryWorkQueue();
    const result = await redrive({ deadLetters: source, queue, logger: silentLogger }, {});
    expect(result).toMatchObject({ moved: 2, skipped: 0, unreadable: 0 });
    expect(queue.sent.map((r) => r.requestId)).toEqual(['a', 'b']);
    expect(source.messages).toEqual([]);
  });

  it('filters by failure kind and source and leaves the rest visible', async () => {
    const source = new ArrayDeadLetterSource([
      record('a', 'transient'),
      record('b', 'scope'),
      record('c', 'transient', 'scim'),
    ]);
    const queue = new InMemoryWorkQueue();
    const result = await redrive(
      { deadLetters: source, queue, logger: silentLogger },
      { failureKind: 'transient', source: 'okta-event-hook' },
    );
    expect(result).toMatchObject({ moved: 1, skipped: 2 });
    expect(queue.sent.map((r) => r.requestId)).toEqual(['a']);
    expect(source.messages.map((m) => m.id)).toEqual(['dlq-b', 'dlq-c']);
    expect(source.hidden.size).toBe(1);
  });

  it('stops at maxCount', async () => {
    const source = new ArrayDeadLetterSource(
      Array.from({ length: 25 }, (_, i) => record(`r${i}`, 'transient')),
    );
    const queue = new InMemoryWorkQueue();
    const result = await redrive(
      { deadLetters: source, queue, logger: silentLogger },
      { maxCount: 12 },
    );
    expect(result.moved).toBe(12);
    expect(source.messages).toHaveLength(13);
  });

  it('releases held records past the guard', async () => {
    const source = new ArrayDeadLetterSource([record('h', 'held'), record('t', 'transient')]);
    const queue = new InMemoryWorkQueue();
    await redrive({ deadLetters: source, queue, logger: silentLogger }, {});
    expect(queue.released).toEqual(['h']);
  });

  it('redrives raw requests the queue moved by its own policy and leaves unreadable ones', async () => {
    const source = new ArrayDeadLetterSource([
      { id: 'raw', body: JSON.stringify(request('raw')), attributes: {} },
      { id: 'junk', body: 'not json', attributes: {} },
    ]);
    const queue = new InMemoryWorkQueue();
    const result = await redrive({ deadLetters: source, queue, logger: silentLogger }, {});
    expect(result).toMatchObject({ moved: 1, unreadable: 1 });
    expect(source.messages.map((m) => m.id)).toEqual(['junk']);
  });

  it('keeps a record in the DLQ when sending it back fails', async () => {
    const source = new ArrayDeadLetterSource([record('a', 'transient')]);
    const queue = new InMemoryWorkQueue();
    queue.failNext = true;
    await expect(
      redrive({ deadLetters: source, queue, logger: silentLogger }, {}),
    ).rejects.toThrow();
    expect(source.messages).toHaveLength(1);
    expect(source.hidden.size).toBe(0);
  });

  it('rejects invalid input with a message naming the field', async () => {
    const handler = createRedriveHandler({
      deadLetters: new ArrayDeadLetterSource([]),
      queue: new InMemoryWorkQueue(),
      logger: silentLogger,
    });
    await expect(handler({ failureKind: 'bogus' })).rejects.toThrow(/failureKind/);
  });
});
