import type { SQSRecord } from 'aws-lambda';
import type { SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';

/** SQS accepts visibility timeouts up to 12 hours. */
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Keeps an SQS record invisible for a while before its next receive (ChangeMessageVisibility),
 * e.g. while the Help Center's daily API credits renew. The queue URL is resolved once per queue
 * from the record's `eventSourceARN` (GetQueueUrl), so it also works against a custom endpoint.
 */
export class SqsMessageDeferrer {
  private readonly urls = new Map<string, Promise<string>>();

  constructor(private readonly sqs: SQSClient) {}

  /** @throws the SDK's error when the queue or the receipt handle is unknown */
  async defer(record: SQSRecord, delaySeconds: number): Promise<void> {
    const seconds = Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.round(delaySeconds)));
    // Loaded on first use: the worker's cold start does not pay for SQS it rarely writes to.
    const { ChangeMessageVisibilityCommand } = await import('#core/adapters/aws/sdk/client-sqs.ts');
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: await this.queueUrl(record.eventSourceARN),
        ReceiptHandle: record.receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }

  private queueUrl(arn: string): Promise<string> {
    let url = this.urls.get(arn);
    if (url === undefined) {
      const [, , , , account, name] = arn.split(':');
      url = import('#core/adapters/aws/sdk/client-sqs.ts')
        .then(({ GetQueueUrlCommand }) =>
          this.sqs.send(
            new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
          ),
        )
        .then((out) => {
          if (!out.QueueUrl) throw new Error('GetQueueUrl returned no QueueUrl');
          return out.QueueUrl;
        });
      url.catch(() => this.urls.delete(arn));
      this.urls.set(arn, url);
    }
    return url;
  }
}
