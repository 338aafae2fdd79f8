import type { SendMessageBatchRequestEntry, SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';
import { GUARD_RELEASE_VALUE, MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { QueueError } from '#core/domain/errors.ts';
import type { SendOptions, WorkQueue } from '#core/ports/work-queue.ts';

const BATCH_SIZE = 10;

export interface SqsWorkQueueOptions {
  /** Extra attempts for entries SQS reports as failed (not for sender faults). */
  maxRetries?: number;
  baseDelayMs?: number;
}

/** Message attributes every work-queue message carries, for filtering and tracing. */
export function requestAttributes(request: DeprovisionRequest, options: SendOptions = {}) {
  return {
    [MESSAGE_ATTRIBUTE.SOURCE]: { DataType: 'String', StringValue: request.source },
    [MESSAGE_ATTRIBUTE.REQUEST_ID]: { DataType: 'String', StringValue: request.requestId },
    [MESSAGE_ATTRIBUTE.SCHEMA_VERSION]: {
      DataType: 'Number',
      StringValue: String(request.schemaVersion),
    },
    ...(options.guardRelease
      ? {
          [MESSAGE_ATTRIBUTE.GUARD_RELEASE]: {
            DataType: 'String',
            StringValue: GUARD_RELEASE_VALUE,
          },
        }
      : {}),
  };
}

/**
 * Work queue on SQS: `SendMessageBatch` in chunks of 10, retrying the entries SQS reports as failed
 * (with backoff) until they are in or the retries run out.
 */
export class SqsWorkQueue implements WorkQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: SqsWorkQueueOptions = {},
  ) {}

  async send(requests: readonly DeprovisionRequest[], options: SendOptions = {}): Promise<void> {
    for (let start = 0; start < requests.length; start += BATCH_SIZE) {
      await this.sendChunk(requests.slice(start, start + BATCH_SIZE), options);
    }
  }

  private async sendChunk(
    chunk: readonly DeprovisionRequest[],
    options: SendOptions,
  ): Promise<void> {
    let pending: SendMessageBatchRequestEntry[] = chunk.map((request, index) => ({
      Id: String(index),
      MessageBody: JSON.stringify(request),
      MessageAttributes: requestAttributes(request, options),
    }));
    const maxRetries = this.options.maxRetries ?? 3;
    // Loaded here, not at module load: a static import would load the SQS client at every worker
    // cold start (the worker sends only for a Graph delta resync). Where the client is already
    // loaded this costs a resolved promise.
    const { SendMessageBatchCommand } = await import('#core/adapters/aws/sdk/client-sqs.ts');
    for (let attempt = 0; ; attempt += 1) {
      let failedIds: Set<string>;
      let senderFault = false;
      try {
        const out = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = out.Failed ?? [];
        senderFault = failed.some((f) => f.SenderFault);
        failedIds = new Set(failed.map((f) => f.Id ?? ''));
      } catch (error) {
        throw new QueueError(`Could not send to the work queue: ${(error as Error).name}`, {
          cause: error,
        });
      }
      pending = pending.filter((entry) => failedIds.has(entry.Id ?? ''));
      if (pending.length === 0) return;
      if (senderFault || attempt >= maxRetries) {
        throw new QueueError(
          `The work queue refused ${pending.length} message(s)${senderFault ? ' (sender fault)' : ''}`,
        );
      }
      const delay = (this.options.baseDelayMs ?? 50) * 2 ** attempt;
      await new Promise((resolve) => setTimeout(resolve, delay * (0.5 + Math.random() / 2)));
    }
  }
}
