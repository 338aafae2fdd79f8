import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { QueueError } from '#core/domain/errors.ts';
import type { SendOptions, WorkQueue } from '#core/ports/work-queue.ts';

/** In-memory work queue for unit tests: records what was sent, can be told to fail. */
export class InMemoryWorkQueue implements WorkQueue {
  readonly sent: DeprovisionRequest[] = [];
  readonly released: string[] = [];
  failNext = false;

  async send(requests: readonly DeprovisionRequest[], options: SendOptions = {}): Promise<void> {
    if (this.failNext) throw new QueueError('in-memory queue told to fail');
    this.sent.push(...requests);
    if (options.guardRelease) this.released.push(...requests.map((r) => r.requestId));
  }
}
