import type { SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';
import { MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { QueueError } from '#core/domain/errors.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';

/** Message attributes of a dead-letter record, for filtering in the console and by redrive. */
export function deadLetterAttributes(record: DeadLetterRecord) {
  return {
    [MESSAGE_ATTRIBUTE.FAILURE_KIND]: { DataType: 'String', StringValue: record.failure.kind },
    [MESSAGE_ATTRIBUTE.SOURCE]: { DataType: 'String', StringValue: record.request.source },
    [MESSAGE_ATTRIBUTE.REQUEST_ID]: { DataType: 'String', StringValue: record.request.requestId },
  } as const;
}

/** Dead-letter queue on SQS. @throws QueueError so the work message is not deleted. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(record: DeadLetterRecord): Promise<void> {
    // Loaded on first use: the worker's cold start does not pay for SQS it rarely writes to.
    const { SendMessageCommand } = await import('#core/adapters/aws/sdk/client-sqs.ts');
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: JSON.stringify(record),
          MessageAttributes: deadLetterAttributes(record),
        }),
      );
    } catch (error) {
      throw new QueueError(`Could not write to the dead-letter queue: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }
}
