import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import type { DeadLetterMessage, DeadLetterSource } from '#core/ports/dead-letter-queue.ts';
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

/**
 * Shows the redrive only the records of the given request ids. The others stay hidden until
 * `releaseAll()` (so the redrive's reads move past them) and are then made visible again.
 */
export class RequestIdFilteredSource implements DeadLetterSource {
  private readonly held: DeadLetterMessage[] = [];

  constructor(
    private readonly inner: DeadLetterSource,
    private readonly requestIds: ReadonlySet<string>,
  ) {}

  async receive(max: number): Promise<DeadLetterMessage[]> {
    for (;;) {
      const batch = await this.inner.receive(max);
      if (batch.length === 0) return [];
      const wanted = batch.filter((m) => this.requestIds.has(requestIdOf(m.body) ?? ''));
      for (const m of batch) if (!wanted.includes(m)) this.held.push(m);
      if (wanted.length > 0) return wanted;
    }
  }

  remove(message: DeadLetterMessage): Promise<void> {
    return this.inner.remove(message);
  }

  release(message: DeadLetterMessage): Promise<void> {
    return this.inner.release(message);
  }

  async releaseAll(): Promise<void> {
    for (const m of this.held.splice(0)) await this.inner.release(m);
  }
}

function requestIdOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { requestId?: unknown; request?: { requestId?: unknown } };
    const id = json.request?.requestId ?? json.requestId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
