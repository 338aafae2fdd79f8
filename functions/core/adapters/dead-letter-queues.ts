import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { QueueError } from '#core/errors.ts';
import type { DeadLetterQueue } from '#core/ports/index.ts';

/** Message attributes of a dead-letter record, for filtering in the console and by redrive. */
export function deadLetterAttributes(record: DeadLetterRecord) {
  return {
    failureKind: { DataType: 'String', StringValue: record.failure.kind },
    source: { DataType: 'String', StringValue: record.request.source },
    requestId: { DataType: 'String', StringValue: record.request.requestId },
  } as const;
}

/** Dead-letter queue on SQS. @throws QueueError so the work message is not deleted. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(record: DeadLetterRecord): Promise<void> {
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

/** Dead-letter records appended to a JSON-lines file (the local runner's DLQ). */
export class FileDeadLetterQueue implements DeadLetterQueue {
  constructor(readonly path: string) {}

  async send(record: DeadLetterRecord): Promise<void> {
    await this.sendRaw(JSON.stringify(record));
  }

  /** Appends a message as it was (what SQS's own redrive policy moves: the raw work message). */
  async sendRaw(line: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${line.replace(/\n/g, ' ')}\n`, 'utf8');
  }
}

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
