import { describe, expect, it } from 'vitest';
import { redrive } from '#core/deprovision/redrive.ts';
import { createRedriveHandler } from '#core/deprovision/redrive-handler.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { ValidationError } from '#core/domain/errors.ts';
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
  messageId = `dlq-${id}`,
): DeadLetterMessage => ({
  id: messageId,
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

  it("deletes a chunk's records together; one failed delete fails the run after the others are deleted, and it stays in the DLQ", async () => {
    class FlakyRemovals extends ArrayDeadLetterSource {
      inFlight = 0;
      mostInFlight = 0;
      readonly released: string[] = [];
      override async release(message: DeadLetterMessage) {
        this.released.push(message.id);
        await super.release(message);
      }
      override async remove(message: DeadLetterMessage) {
        this.inFlight += 1;
        this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        this.inFlight -= 1;
        if (message.id === 'dlq-b') throw new Error('DeleteMessage failed');
        await super.remove(message);
      }
    }
    const source = new FlakyRemovals(['a', 'b', 'c'].map((id) => record(id, 'transient')));
    const queue = new InMemoryWorkQueue();
    await expect(redrive({ deadLetters: source, queue, logger: silentLogger }, {})).rejects.toThrow(
      'DeleteMessage failed',
    );
    expect(source.mostInFlight).toBe(3);
    expect(queue.sent.map((r) => r.requestId)).toEqual(['a', 'b', 'c']);
    expect(source.messages.map((m) => m.id)).toEqual(['dlq-b']);
    // Released, not left hidden: the next run sees it; the deleted ones are never released.
    expect(source.hidden.has('dlq-b')).toBe(false);
    expect(source.released).toEqual(['dlq-b']);
  });

  it("releases every other held record when one release fails, and throws the run's own error", async () => {
    class StuckRelease extends ArrayDeadLetterSource {
      override async release(message: DeadLetterMessage) {
        if (message.id === 'dlq-a') throw new Error('ReceiptHandleIsInvalid');
        await super.release(message);
      }
    }
    const source = new StuckRelease(['a', 'b', 'c'].map((id) => record(id, 'transient')));
    const queue = new InMemoryWorkQueue();
    queue.failNext = true;
    await expect(redrive({ deadLetters: source, queue, logger: silentLogger }, {})).rejects.toThrow(
      'in-memory queue told to fail',
    );
    expect(source.messages).toHaveLength(3);
    expect([...source.hidden]).toEqual(['dlq-a']);
  });

  it('rejects invalid input with a message naming the field', async () => {
    const handler = createRedriveHandler({
      deadLetters: new ArrayDeadLetterSource([]),
      queue: new InMemoryWorkQueue(),
      logger: silentLogger,
    });
    await expect(handler({ failureKind: 'bogus' })).rejects.toThrow(/failureKind/);
  });

  it('names a requested id the dead-letter queue does not hold, and moves the one it does', async () => {
    const deadLetters = new ArrayDeadLetterSource([record('r1', 'transient')]);
    const queue = new InMemoryWorkQueue();
    const result = await redrive(
      { deadLetters, queue, logger: silentLogger },
      { requestIds: ['r1', 'nope'] },
    );
    expect(result.movedRequestIds).toEqual(['r1']);
    expect(result.notes).toEqual(['not in the dead-letter queue: nope']);
  });

  it('lists the failure kinds when a failureKind (or one of a list) is unknown', async () => {
    const handler = createRedriveHandler({
      deadLetters: new ArrayDeadLetterSource([]),
      queue: new InMemoryWorkQueue(),
      logger: silentLogger,
    });
    const expected =
      'Invalid redrive input: failureKind: expected one of transient, permanent, ambiguous, held, auth, scope, not-found, config, quota, or a non-empty list of them';
    await expect(handler({ failureKind: 'nope' })).rejects.toThrow(expected);
    await expect(handler({ failureKind: ['scope', 'nope'] })).rejects.toThrow(expected);
  });

  it('rejects an empty request id as a ValidationError naming it, before reading the DLQ', async () => {
    const deadLetters = new ArrayDeadLetterSource([record('kept', 'transient')]);
    let reads = 0;
    const counting: DeadLetterSource = {
      receive: (max) => {
        reads += 1;
        return deadLetters.receive(max);
      },
      remove: (m) => deadLetters.remove(m),
      release: (m) => deadLetters.release(m),
    };
    const run = redrive(
      { deadLetters: counting, queue: new InMemoryWorkQueue(), logger: silentLogger },
      { requestIds: [''] },
    );
    await expect(run).rejects.toBeInstanceOf(ValidationError);
    await expect(run).rejects.toThrow(/^Invalid redrive input: requestIds\.0: Too small/);
    expect(reads).toBe(0);
    expect(deadLetters.messages).toHaveLength(1);
  });
});

/**
 * A worker whose Help Center fails every attempt: each request sent to the work queue is tried
 * once and lands in the dead-letter queue again as a new message, before the send even returns
 * (the worst case for a redrive that keeps reading).
 */
class AlwaysFailingWorker extends InMemoryWorkQueue {
  readonly attempts = new Map<string, number>();
  private sequence = 0;
  constructor(
    private readonly dlq: ArrayDeadLetterSource,
    private readonly kindOf: (requestId: string) => DeadLetterRecord['failure']['kind'],
  ) {
    super();
  }
  override async send(requests: readonly DeprovisionRequest[], options = {}) {
    await super.send(requests, options);
    for (const r of requests) {
      this.attempts.set(r.requestId, (this.attempts.get(r.requestId) ?? 0) + 1);
      this.sequence += 1;
      this.dlq.messages.push(
        record(r.requestId, this.kindOf(r.requestId), r.source, `again-${this.sequence}`),
      );
    }
  }
}

describe('redrive snapshot', () => {
  const kindOf = (id: string) => (id.startsWith('amb') ? 'ambiguous' : 'transient');
  const dlqWith = () =>
    new ArrayDeadLetterSource([
      ...Array.from({ length: 40 }, (_, i) => record(`t${i}`, 'transient')),
      ...Array.from({ length: 5 }, (_, i) => record(`amb${i}`, 'ambiguous')),
    ]);

  it('moves each record once when every attempt fails again; the DLQ ends with the same records', async () => {
    const dlq = dlqWith();
    const before = dlq.messages.map((m) => JSON.parse(m.body).request.requestId).sort();
    const worker = new AlwaysFailingWorker(dlq, kindOf);
    const result = await redrive({ deadLetters: dlq, queue: worker, logger: silentLogger }, {});

    expect(result.moved).toBe(40);
    expect(new Set(result.movedRequestIds).size).toBe(40);
    expect([...worker.attempts.values()].every((n) => n === 1)).toBe(true);
    expect(worker.attempts.size).toBe(40);
    const after = dlq.messages.map((m) => JSON.parse(m.body).request.requestId).sort();
    expect(after).toEqual(before);
    expect(result.skippedByReason).toEqual({ 'needs-operator': 5 });
    expect(result.notes.join(' ')).toMatch(/5 ambiguous record\(s\) not moved/);
    // The ones it did not move are visible again for the next reader.
    expect([...dlq.hidden].filter((id) => id.startsWith('dlq-amb'))).toEqual([]);
  });

  it('moves ambiguous records when asked for by kind, still once each', async () => {
    const dlq = dlqWith();
    const worker = new AlwaysFailingWorker(dlq, kindOf);
    const result = await redrive(
      { deadLetters: dlq, queue: worker, logger: silentLogger },
      { failureKind: 'ambiguous' },
    );
    expect(result.moved).toBe(5);
    expect([...worker.attempts.entries()]).toEqual(
      Array.from({ length: 5 }, (_, i) => [`amb${i}`, 1]),
    );
    expect(result.skippedByReason).toEqual({ filter: 40 });
  });

  it('moves records named by request id, whatever their kind and with no 100-record ceiling', async () => {
    const dlq = new ArrayDeadLetterSource([
      ...Array.from({ length: 250 }, (_, i) => record(`n${i}`, 'transient')),
      record('amb-named', 'ambiguous'),
      record('other', 'transient'),
    ]);
    const queue = new InMemoryWorkQueue();
    const requestIds = [...Array.from({ length: 250 }, (_, i) => `n${i}`), 'amb-named'];
    const result = await redrive({ deadLetters: dlq, queue, logger: silentLogger }, { requestIds });
    expect(result.moved).toBe(251);
    expect(queue.sent.map((r) => r.requestId).sort()).toEqual([...requestIds].sort());
    expect(dlq.messages.map((m) => m.id)).toEqual(['dlq-other']);
  });

  it('moves one of two records of the same request and says why it left the other', async () => {
    const dlq = new ArrayDeadLetterSource([
      record('same', 'transient'),
      record('same', 'transient', 'okta-event-hook', 'dlq-same-2'),
    ]);
    const queue = new InMemoryWorkQueue();
    const result = await redrive({ deadLetters: dlq, queue, logger: silentLogger }, {});
    expect(result).toMatchObject({ moved: 1, skipped: 1, movedRequestIds: ['same'] });
    expect(result.skippedRecords).toEqual([
      { messageId: 'dlq-same-2', requestId: 'same', failureKind: 'transient', reason: 'duplicate' },
    ]);
  });

  it('leaves records that entered the queue after the run started', async () => {
    const runStart = new Date('2026-11-20T10:00:00.000Z');
    const dlq = new ArrayDeadLetterSource([
      { ...record('old', 'transient'), sentAt: runStart.getTime() - 1000 },
      { ...record('new', 'transient'), sentAt: runStart.getTime() + 1000 },
    ]);
    const queue = new InMemoryWorkQueue();
    const result = await redrive(
      { deadLetters: dlq, queue, logger: silentLogger, clock: { now: () => runStart } },
      {},
    );
    expect(result.movedRequestIds).toEqual(['old']);
    expect(result.skippedByReason).toEqual({ 'arrived-during-run': 1 });
  });
});
