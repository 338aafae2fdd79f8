import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import type { SendOptions, WorkQueue } from '#core/ports/work-queue.ts';

/** Counts what the redrive puts back on the work queue (drives the progress bar). */
export class CountingWorkQueue implements WorkQueue {
  sent = 0;
  constructor(
    private readonly inner: WorkQueue,
    private readonly onSent: (total: number) => void,
  ) {}

  async send(requests: readonly DeprovisionRequest[], options?: SendOptions): Promise<void> {
    await this.inner.send(requests, options);
    this.sent += requests.length;
    this.onSent(this.sent);
  }
}
