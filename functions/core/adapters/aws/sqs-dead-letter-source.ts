import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '#core/adapters/aws/sdk/client-sqs.ts';
import { QueueError } from '#core/domain/errors.ts';
import type { DeadLetterMessage, DeadLetterSource } from '#core/ports/dead-letter-queue.ts';

/**
 * Reads the SQS dead-letter queue for redrive; a message is hidden while a redrive holds it (the
 * visibility timeout should outlast a run: a run holds its whole snapshot until it is done).
 */
export class SqsDeadLetterSource implements DeadLetterSource {
  private readonly handles = new Map<string, string>();

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: { visibilityTimeoutSeconds?: number } = {},
  ) {}

  async receive(max: number): Promise<DeadLetterMessage[]> {
    try {
      const out = await this.client.send(
        new ReceiveMessageCommand({
          QueueUrl: this.queueUrl,
          MaxNumberOfMessages: Math.min(10, Math.max(1, max)),
          VisibilityTimeout: this.options.visibilityTimeoutSeconds ?? 120,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          // A record the redrive policy moved keeps its work-queue send time; one the worker sent
          // has its own: either way, later than a redrive run's start when it failed during it.
          MessageSystemAttributeNames: ['SentTimestamp'],
        }),
      );
      return (out.Messages ?? []).map((m) => {
        const id = m.MessageId ?? '';
        this.handles.set(id, m.ReceiptHandle ?? '');
        const attributes: Record<string, string> = {};
        for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
          if (value.StringValue !== undefined) attributes[name] = value.StringValue;
        }
        const sentAt = Number(m.Attributes?.SentTimestamp);
        return {
          id,
          body: m.Body ?? '',
          attributes,
          ...(Number.isFinite(sentAt) && sentAt > 0 ? { sentAt } : {}),
        };
      });
    } catch (error) {
      throw new QueueError(`Could not read the dead-letter queue: ${(error as Error).name}`, {
        cause: error,
      });
    }
  }

  async remove(message: DeadLetterMessage): Promise<void> {
    await this.client.send(
      new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: this.handle(message) }),
    );
    this.handles.delete(message.id);
  }

  async release(message: DeadLetterMessage): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: this.handle(message),
        VisibilityTimeout: 0,
      }),
    );
    this.handles.delete(message.id);
  }

  private handle(message: DeadLetterMessage): string {
    const handle = this.handles.get(message.id);
    if (handle === undefined) throw new QueueError(`No receipt handle for message ${message.id}`);
    return handle;
  }
}
