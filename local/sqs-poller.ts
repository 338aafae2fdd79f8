import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from '#core/ports/logger.ts';
import { localLambdaContext } from './lambda-context.ts';
import type { BatchHandler } from './local-queue.ts';

/**
 * What the Lambda event source mapping does, for the local runner in real-service mode: long-polls
 * the work queue, hands batches to the worker handler, deletes what succeeded and lets failures
 * come back after the visibility timeout (the queue's redrive policy moves exhausted ones).
 */
export class SqsPoller {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly queueArn: string;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: {
      visibilityTimeoutSeconds: number;
      logger: Logger;
      waitSeconds?: number;
    },
  ) {
    this.queueArn = `arn:aws:sqs:local:000000000000:${queueUrl.split('/').pop() ?? 'work'}`;
  }

  start(handler: BatchHandler): void {
    this.running = true;
    this.loop = this.run(handler);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(handler: BatchHandler): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce(handler);
      } catch (error) {
        this.options.logger.warn('work queue poll failed', { error: (error as Error).name });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /**
   * One receive → invoke → delete/retry cycle, as the event source mapping does it. Returns how
   * many messages it handled (0 when the queue was empty).
   */
  async pollOnce(handler: BatchHandler): Promise<number> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: this.options.waitSeconds ?? 1,
        VisibilityTimeout: 60,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return 0;
    const records = messages.map((m) => this.toRecord(m));
    let failed: Set<string>;
    try {
      const response = await handler(
        { Records: records },
        localLambdaContext('local-worker', 60_000),
      );
      failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    } catch (error) {
      this.options.logger.error('worker invocation failed', { error: (error as Error).name });
      failed = new Set(records.map((r) => r.messageId));
    }
    const done = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    if (done.length > 0) {
      await this.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    for (const m of messages.filter((x) => failed.has(x.MessageId ?? ''))) {
      await this.client
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: this.queueUrl,
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: this.options.visibilityTimeoutSeconds,
          }),
        )
        .catch(() => undefined);
    }
    return messages.length;
  }

  private toRecord(m: Message): SQSRecord {
    const messageAttributes: SQSRecord['messageAttributes'] = {};
    for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
      messageAttributes[name] = {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
        stringListValues: [],
        binaryListValues: [],
      };
    }
    const a = m.Attributes ?? {};
    return {
      messageId: m.MessageId ?? randomUUID(),
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
        SentTimestamp: a.SentTimestamp ?? String(Date.now()),
        SenderId: a.SenderId ?? 'unknown',
        ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes,
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.queueArn,
      awsRegion: process.env.AWS_REGION ?? 'us-east-1',
    };
  }
}
