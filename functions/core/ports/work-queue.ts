import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';

/** Puts normalised requests on the work queue. @throws QueueError when any request could not be sent. */
export interface WorkQueue {
  send(requests: readonly DeprovisionRequest[], options?: SendOptions): Promise<void>;
}

export interface SendOptions {
  /** Marks the requests as released past the guard (redrive of held requests). */
  guardRelease?: boolean;
}
