import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { QueueError } from '#core/domain/errors.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';

export class InMemoryDeadLetterQueue implements DeadLetterQueue {
  readonly records: DeadLetterRecord[] = [];
  failNext = false;

  async send(record: DeadLetterRecord): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new QueueError('in-memory dead-letter queue told to fail');
    }
    this.records.push(record);
  }
}
