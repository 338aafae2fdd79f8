import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { requestAttributes } from '#core/adapters/aws/sqs-work-queue.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { QueueError } from '#core/domain/errors.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { SendOptions, WorkQueue } from '#core/ports/work-queue.ts';
import type { JournalMessage } from './adapters/file-queue-journal.ts';
import { localLambdaContext } from './lambda-context.ts';

/** A queued message, as the local queue keeps it (and its journal stores it). */
export type LocalMessage = JournalMessage;

export type BatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** Where the queue writes its messages before `send` resolves (the file journal locally). */
export interface QueueJournal {
  added(messages: readonly LocalMessage[]): Promise<void>;
  received(message: LocalMessage): Promise<void>;
  removed(messageId: string): Promise<void>;
}

export interface LocalQueueOptions {
  maxReceiveCount: number;
  /** How long a failed message stays invisible before it is delivered again. */
  redeliveryDelayMs: number;
  /** Records per worker invocation (default 1: one slow record never holds others back). */
  batchSize?: number;
  /** Worker invocations running at once (default 10); a free slot takes the next message at once. */
  concurrency?: number;
  /** Where a message goes after its last failed receive (SQS's redrive policy). */
  onExhausted: (message: LocalMessage) => Promise<void>;
  /** Durable store: `send` resolves only after the journal holds the messages. */
  journal?: QueueJournal;
  logger: Logger;
}

/**
 * In-process work queue with SQS semantics the worker relies on: records in the SQS event shape,
 * ApproximateReceiveCount, partial batch failures, a failed message coming back after a delay, and
 * the redrive policy's move after the maximum receive count. With a journal, `send` resolves only
 * once the messages are on disk ("200 means durably accepted"), and a message leaves the journal
 * only after the worker finished it or it is in the dead-letter queue.
 *
 * Messages wait in a FIFO of visible ones; up to `concurrency` worker invocations run at once and
 * each freed slot takes the next message, so the worker's budget stays full without scanning the
 * backlog per message.
 */
export class LocalQueue implements WorkQueue {
  private readonly messages = new Map<string, LocalMessage>();
  private ready: LocalMessage[] = [];
  private readyHead = 0;
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  /** Per-message redelivery delays asked for by the worker (SQS ChangeMessageVisibility). */
  private readonly deferrals = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private handler: BatchHandler | undefined;
  private stopped = false;
  private pumpScheduled = false;
  /** Ingest requests being answered right now (see `ackStarted`). */
  private acks = 0;

  constructor(private readonly options: LocalQueueOptions) {}

  /** @throws QueueError when the journal could not store the messages (nothing was accepted). */
  async send(requests: readonly DeprovisionRequest[], options: SendOptions = {}): Promise<void> {
    if (this.stopped) throw new QueueError('The local queue is stopping');
    const now = Date.now();
    const batch: LocalMessage[] = requests.map((request) => {
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(requestAttributes(request, options))) {
        attributes[name] = value.StringValue;
      }
      return {
        messageId: randomUUID(),
        body: JSON.stringify(request),
        attributes,
        receiveCount: 0,
        sentAt: now,
      };
    });
    if (this.options.journal) {
      try {
        await this.options.journal.added(batch);
      } catch (error) {
        throw new QueueError(
          `Could not write the local queue journal: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    for (const message of batch) this.enqueue(message);
    // Not now: the caller (an ingest ack) answers first, the worker starts on the next turn.
    this.schedulePump();
  }

  /** Restores messages an earlier run left (from the journal); they are visible at once. */
  restore(messages: readonly LocalMessage[]): void {
    for (const message of messages) this.enqueue({ ...message });
    this.pump();
  }

  start(handler: BatchHandler): void {
    this.handler = handler;
    this.pump();
  }

  /**
   * An ingest request started (`ackStarted`) or was answered (`ackFinished`). While any is being
   * answered, at most one worker invocation runs: in AWS the ingest and worker Lambdas never share
   * a CPU, so here the ack comes first and the worker fills its budget again once ingest is quiet.
   */
  ackStarted(): void {
    this.acks += 1;
  }

  ackFinished(): void {
    this.acks = Math.max(0, this.acks - 1);
    if (this.acks === 0) this.schedulePump();
  }

  /** Messages not yet finished (visible, waiting for redelivery, or in flight). */
  get depth(): number {
    return this.messages.size;
  }

  /**
   * Stops taking messages, waits for the worker invocations in flight (at most `timeoutMs`, after
   * which their messages stay queued) and returns what is left. Nothing waiting for a redelivery is
   * delivered again meanwhile, so a stop never runs a retrying message through its last receives:
   * it stays in the journal and resumes on the next start.
   */
  async drain(timeoutMs: number): Promise<LocalMessage[]> {
    this.stopped = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return [...this.messages.values()];
  }

  private enqueue(message: LocalMessage): void {
    this.messages.set(message.messageId, message);
    this.ready.push(message);
  }

  private nextReady(): LocalMessage | undefined {
    while (this.readyHead < this.ready.length) {
      const message = this.ready[this.readyHead];
      this.readyHead += 1;
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready = this.ready.slice(this.readyHead);
        this.readyHead = 0;
      }
      if (message && this.messages.has(message.messageId)) return message;
    }
    return undefined;
  }

  /**
   * Starts the next worker invocations after the I/O callbacks already waiting (setImmediate), so
   * an in-process worker that always has work never holds back the HTTP server's requests.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const concurrency = this.acks > 0 ? 1 : (this.options.concurrency ?? 10);
    const batchSize = this.options.batchSize ?? 1;
    while (!this.stopped && this.handler && this.inFlight.size < concurrency) {
      const batch: LocalMessage[] = [];
      while (batch.length < batchSize) {
        const message = this.nextReady();
        if (!message) break;
        batch.push(message);
      }
      if (batch.length === 0) return;
      const run = this.deliver(this.handler, batch).finally(() => {
        this.inFlight.delete(run);
        this.schedulePump();
      });
      this.inFlight.add(run);
    }
  }

  private async deliver(handler: BatchHandler, batch: readonly LocalMessage[]): Promise<void> {
    const now = Date.now();
    for (const m of batch) {
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      this.journal((j) => j.received(m));
    }
    let failed: Set<string>;
    try {
      const response = await handler(
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
        this.finish(m);
      } else if (m.receiveCount >= this.options.maxReceiveCount) {
        try {
          await this.options.onExhausted(m);
          this.finish(m);
        } catch (error) {
          // Not in the DLQ yet: keep it and try again after the delay (nothing is dropped).
          this.options.logger.error('could not move an exhausted message to the DLQ; keeping it', {
            messageId: m.messageId,
            error: (error as Error).name,
          });
          this.redeliverLater(m);
        }
      } else {
        this.redeliverLater(m);
      }
    }
  }

  private finish(message: LocalMessage): void {
    this.messages.delete(message.messageId);
    this.journal((j) => j.removed(message.messageId));
  }

  /**
   * The message's next receive waits `delaySeconds` instead of the usual redelivery delay, as
   * ChangeMessageVisibility does on SQS (the worker asks for it while the Help Center's API credits
   * renew). Applies to the next redelivery of that message only.
   */
  defer(messageId: string, delaySeconds: number): void {
    this.deferrals.set(messageId, Math.max(0, delaySeconds) * 1000);
  }

  private redeliverLater(message: LocalMessage): void {
    if (this.stopped) return;
    const delayMs = this.deferrals.get(message.messageId) ?? this.options.redeliveryDelayMs;
    this.deferrals.delete(message.messageId);
    const timer = setTimeout(() => {
      this.delayed.delete(message.messageId);
      if (this.stopped) return;
      this.ready.push(message);
      this.pump();
    }, delayMs);
    this.delayed.set(message.messageId, timer);
  }

  /**
   * Receive counts and completions are journaled without waiting: if one is lost in a crash, the
   * message is delivered once more, which the worker's idempotent removal makes harmless.
   */
  private journal(write: (journal: QueueJournal) => Promise<void>): void {
    const journal = this.options.journal;
    if (!journal) return;
    write(journal).catch((error) => {
      this.options.logger.error('could not write the local queue journal', {
        error: (error as Error).message,
      });
    });
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
