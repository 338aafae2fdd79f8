import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AwsTestResources, requireAwsEndpoint } from './aws.ts';
import { tableFromTemplate } from './stack-resources.ts';

/** The worker's AWS resources (work queue with redrive to a DLQ, secrets, two tables) on a real endpoint. */
export class WorkerResources extends AwsTestResources {
  readonly dynamodb = new DynamoDBClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
  readonly documents = DynamoDBDocumentClient.from(this.dynamodb, {
    marshallOptions: { removeUndefinedValues: true },
  });
  private readonly tables: string[] = [];
  private readonly suffix = randomUUID().slice(0, 8);

  constructor(prefix: string) {
    requireAwsEndpoint();
    super(prefix);
  }

  /** A work queue whose redrive policy moves a message to the returned DLQ after `maxReceiveCount`. */
  async workQueueWithDlq(
    maxReceiveCount: number,
  ): Promise<{ workQueueUrl: string; dlqUrl: string }> {
    const sqs: SQSClient = this.clients.sqs;
    const dlqUrl = await this.queue();
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
    );
    const out = await sqs.send(
      new CreateQueueCommand({
        QueueName: `it-work-${this.suffix}-${Math.random().toString(36).slice(2, 8)}`,
        Attributes: {
          VisibilityTimeout: '1',
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: attrs.Attributes?.QueueArn,
            maxReceiveCount: String(maxReceiveCount),
          }),
        },
      }),
    );
    if (!out.QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
    return { workQueueUrl: out.QueueUrl, dlqUrl };
  }

  /** The idempotency table exactly as the synthesized stack defines it (key, TTL). */
  async idempotencyTable(): Promise<string> {
    return this.tableFromTemplate(
      'idempotency',
      `it-idempotency-${this.suffix}-${this.tables.length}`,
    );
  }

  /** The identity table exactly as the synthesized stack defines it (key, one GSI per lookup). */
  async identityTable(): Promise<string> {
    return this.tableFromTemplate('identity', `it-identity-${this.suffix}-${this.tables.length}`);
  }

  private async tableFromTemplate(which: 'identity' | 'idempotency', name: string) {
    const { input, ttl } = tableFromTemplate(which);
    await this.dynamodb.send(new CreateTableCommand({ ...input, TableName: name }));
    const tracked = await this.track(name);
    if (ttl) {
      await this.dynamodb.send(
        new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: ttl }),
      );
    }
    return tracked;
  }

  private async track(name: string): Promise<string> {
    await waitUntilTableExists({ client: this.dynamodb, maxWaitTime: 30 }, { TableName: name });
    this.tables.push(name);
    return name;
  }

  /** Reads what is visible now without consuming it (visibility timeout 0), deduplicated by id. */
  async peek(queueUrl: string, polls = 3): Promise<Message[]> {
    const seen = new Map<string, Message>();
    for (let i = 0; i < polls; i += 1) {
      const out = await this.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 0,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      for (const m of out.Messages ?? []) seen.set(m.MessageId ?? '', m);
    }
    return [...seen.values()];
  }

  override async cleanup(): Promise<void> {
    await Promise.allSettled(
      this.tables.map((TableName) => this.dynamodb.send(new DeleteTableCommand({ TableName }))),
    );
    await super.cleanup();
  }
}
