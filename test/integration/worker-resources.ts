import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
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
import { IDENTITY_TABLE } from '#core/contract/tables.ts';
import { AwsTestResources, requireAwsEndpoint } from './aws.ts';

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

  /** The idempotency table in Powertools' layout (pk `id`). */
  async idempotencyTable(): Promise<string> {
    const name = `it-idempotency-${this.suffix}-${this.tables.length}`;
    await this.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    return this.track(name);
  }

  /** The identity table: pk `id` and one GSI per lookup key, as the stack creates it. */
  async identityTable(): Promise<string> {
    const name = `it-identity-${this.suffix}-${this.tables.length}`;
    const indexes = Object.values(IDENTITY_TABLE.indexes);
    await this.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' },
          ...indexes.map((i) => ({ AttributeName: i.attribute, AttributeType: 'S' as const })),
        ],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        GlobalSecondaryIndexes: indexes.map((i) => ({
          IndexName: i.indexName,
          KeySchema: [{ AttributeName: i.attribute, KeyType: 'HASH' as const }],
          Projection: { ProjectionType: 'ALL' as const },
        })),
      }),
    );
    return this.track(name);
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
