import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requestAttributes } from '#core/adapters/aws/sqs-work-queue.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { SendOptions, WorkQueue } from '#core/ports/work-queue.ts';
import { localLambdaContext } from './lambda-context.ts';

/** A queued message, as the local queue keeps it (and saves it on shutdown). */
export interface LocalMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  sentAt: number;
  firstReceivedAt?: number;
  visibleAt: number;
}

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export interface LocalQueueOptions {
  maxReceiveCount: number;
  /** How long a failed message stays invisible before it is delivered again. */
  redeliveryDelayMs: number;
  batchSize?: number;
  /** Where a message goes after its last failed receive (SQS's redrive policy). */
  onExhausted: (message: LocalMessage) => Promise<void>;
  logger: Logger;
}

/**
 * In-process work queue with SQS semantics the worker relies on: records in the SQS event shape,
 * ApproximateReceiveCount, partial batch failures, a failed message coming back after a delay, and
 * the redrive policy's move after the maximum receive count.
 */
export class LocalQueue implements WorkQueue {
  private messages: LocalMessage[] = [];
  private handler: BatchHandler | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LocalQueueOptions) {}

  async send(requests: readonly DeprovisionRequest[], options: SendOptions = {}): Promise<void> {
    const now = Date.now();
    for (const request of requests) {
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(requestAttributes(request, options))) {
        attributes[name] = value.StringValue;
      }
      this.messages.push({
        messageId: randomUUID(),
        body: JSON.stringify(request),
        attributes,
        receiveCount: 0,
        sentAt: now,
        visibleAt: now,
      });
    }
    this.schedule(0);
  }

  /** Restores messages saved by an earlier run. */
  restore(messages: readonly LocalMessage[]): void {
    this.messages.push(...messages.map((m) => ({ ...m, visibleAt: Date.now() })));
    this.schedule(0);
  }

  start(handler: BatchHandler): void {
    this.handler = handler;
    this.schedule(0);
  }

  get depth(): number {
    return this.messages.length;
  }

  /**
   * Stops taking new batches once the queue is empty or `timeoutMs` passed, waits for the batch in
   * flight, and returns what is left (to be saved, so nothing is lost).
   */
  async drain(timeoutMs: number): Promise<LocalMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    return this.messages;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || !this.handler) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.inFlight) this.inFlight = this.pump().finally(() => (this.inFlight = undefined));
    }, delayMs);
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.handler) {
      const now = Date.now();
      const batch = this.messages
        .filter((m) => m.visibleAt <= now)
        .slice(0, this.options.batchSize ?? 10);
      if (batch.length === 0) {
        const next = Math.min(...this.messages.map((m) => m.visibleAt));
        if (Number.isFinite(next)) this.schedule(Math.max(10, next - now));
        return;
      }
      for (const m of batch) {
        m.receiveCount += 1;
        m.firstReceivedAt ??= now;
        m.visibleAt = Number.POSITIVE_INFINITY;
      }
      let failed: Set<string>;
      try {
        const response = await this.handler(
          { Records: batch.map(toRecord) },
          localLambdaContext('local-worker', 60_000),
        );
        failed = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
      } catch (error) {
        this.options.logger.error('worker invocation failed', { error: (error as Error).name });
        failed = new Set(batch.map((m) => m.messageId));
      }
      for (const m of batch) {
        if (!failed.has(m.messageId)) {
          this.messages = this.messages.filter((x) => x !== m);
        } else if (m.receiveCount >= this.options.maxReceiveCount) {
          try {
            await this.options.onExhausted(m);
            this.messages = this.messages.filter((x) => x !== m);
          } catch (error) {
            // Not in the DLQ yet: keep it and try again after the delay (nothing is dropped).
            this.options.logger.error(
              'could not move an exhausted message to the DLQ; keeping it',
              {
                messageId: m.messageId,
                error: (error as Error).name,
              },
            );
            m.visibleAt = Date.now() + this.options.redeliveryDelayMs;
          }
        } else {
          m.visibleAt = Date.now() + this.options.redeliveryDelayMs;
        }
      }
    }
  }
}

function toRecord(m: LocalMessage): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(m.attributes)) {
    messageAttributes[name] = {
      dataType: 'String',
      stringValue: value,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: m.messageId,
    receiptHandle: m.messageId,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: String(m.receiveCount),
      SentTimestamp: String(m.sentAt),
      SenderId: 'local',
      ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? Date.now()),
    },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:local:000000000000:work',
    awsRegion: 'local',
  };
}
