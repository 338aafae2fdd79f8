import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Integration tests talk to a real AWS API: moto's server in CI, LocalStack or an account locally.
 * The SDK reads `AWS_ENDPOINT_URL` (and region/credentials) from the environment itself.
 * @throws Error with setup instructions when AWS_ENDPOINT_URL is not set.
 */
export function requireAwsEndpoint(): string {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (endpoint === undefined || endpoint.trim() === '') {
    throw new Error(
      'AWS_ENDPOINT_URL is not set. The integration tests need a real AWS API, e.g. ' +
        "`pip install 'moto[server]==5.2.1' && moto_server -H 127.0.0.1 -p 5010 &` then " +
        'AWS_ENDPOINT_URL=http://127.0.0.1:5010 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing ' +
        'AWS_SECRET_ACCESS_KEY=testing npm run test:integration (or `bash .ci/run`).',
    );
  }
  return endpoint;
}

/** Real SDK v3 clients; endpoint, region and credentials come from the environment. */
export function awsClients() {
  requireAwsEndpoint();
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    sqs: new SQSClient({ region }),
    secrets: new SecretsManagerClient({ region }),
  };
}

/**
 * Uniquely named queues and secrets for one test file, deleted again by `cleanup()`.
 * Names carry `prefix` and a random suffix so parallel runs against one endpoint never collide.
 */
export class AwsTestResources {
  readonly clients = awsClients();
  private readonly runId = randomUUID().slice(0, 8);
  private readonly queues: string[] = [];
  private readonly secretIds: string[] = [];
  private counter = 0;

  constructor(private readonly prefix: string) {}

  private name(kind: string): string {
    this.counter += 1;
    return `it-${this.prefix}-${kind}-${this.runId}-${this.counter}`;
  }

  /** Creates a standard queue and returns its URL. */
  async queue(): Promise<string> {
    const out = await this.clients.sqs.send(
      new CreateQueueCommand({ QueueName: this.name('queue') }),
    );
    if (!out.QueueUrl) throw new Error('CreateQueue returned no QueueUrl');
    this.queues.push(out.QueueUrl);
    return out.QueueUrl;
  }

  /** Creates a secret holding `value` (objects are JSON-encoded) and returns its ARN. */
  async secret(value: string | object): Promise<string> {
    const out = await this.clients.secrets.send(
      new CreateSecretCommand({
        Name: this.name('secret'),
        SecretString: typeof value === 'string' ? value : JSON.stringify(value),
      }),
    );
    if (!out.ARN) throw new Error('CreateSecret returned no ARN');
    this.secretIds.push(out.ARN);
    return out.ARN;
  }

  /**
   * Receives (and deletes) messages until `expected` arrived or the queue answered empty
   * `emptyPolls` times in a row; returns everything received. Never waits on a wall-clock budget
   * alone, so a slow endpoint does not make the result flaky.
   */
  async drain(queueUrl: string, expected: number, emptyPolls = 3): Promise<Message[]> {
    const received: Message[] = [];
    let empties = 0;
    while (received.length < expected || (expected === 0 && empties < emptyPolls)) {
      const out = await this.clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) {
        empties += 1;
        if (expected > 0 && empties >= emptyPolls * 5) break;
        continue;
      }
      empties = 0;
      received.push(...messages);
      await this.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    return received;
  }

  /** Deletes every queue and secret this instance created (best effort, all attempted). */
  async cleanup(): Promise<void> {
    const results = await Promise.allSettled([
      ...this.queues.map((QueueUrl) => this.clients.sqs.send(new DeleteQueueCommand({ QueueUrl }))),
      ...this.secretIds.map((SecretId) =>
        this.clients.secrets.send(
          new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }),
        ),
      ),
    ]);
    this.queues.length = 0;
    this.secretIds.length = 0;
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) throw new Error(`cleanup: ${failed.length} resource(s) not deleted`);
  }
}
