/**
 * The hand-written peer for the cold-import row: an Okta event-hook ingest written the short way,
 * with the same AWS SDK clients as the ingest function (SQS, Secrets Manager, DynamoDB) and no
 * libraries. It does the same start-up work: read its environment and the webhook secret.
 */
import { timingSafeEqual } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const queueUrl = process.env.WORK_QUEUE_URL;
const secretArn = process.env.WEBHOOK_SECRET_ARN;
if (!queueUrl || !secretArn) throw new Error('WORK_QUEUE_URL and WEBHOOK_SECRET_ARN are required');
const sqs = new SQSClient({});
export const identities = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const secret = await new SecretsManagerClient({}).send(
  new GetSecretValueCommand({ SecretId: secretArn }),
);
const expected = Buffer.from(
  (JSON.parse(secret.SecretString ?? '{}') as { oktaAuthorization?: string }).oktaAuthorization ??
    '',
);
if (expected.length === 0) throw new Error('oktaAuthorization missing');

interface HttpEvent {
  headers?: Record<string, string | undefined>;
  body?: string;
  requestContext: { http: { method: string } };
}

export async function handler(event: HttpEvent) {
  const given = Buffer.from(event.headers?.authorization ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { statusCode: 401, body: '' };
  }
  const challenge = event.headers?.['x-okta-verification-challenge'];
  if (event.requestContext.http.method === 'GET' && challenge) {
    return { statusCode: 200, body: JSON.stringify({ verification: challenge }) };
  }
  let body: { data?: { events?: Array<Record<string, unknown>> } };
  try {
    body = JSON.parse(event.body ?? '');
  } catch {
    return { statusCode: 400, body: '' };
  }
  const events = (body.data?.events ?? []).filter(
    (e) => e.eventType === 'user.lifecycle.deactivate',
  );
  for (let i = 0; i < events.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: events.slice(i, i + 10).map((e, j) => ({
          Id: String(j),
          MessageBody: JSON.stringify({ source: 'okta-event-hook', event: e }),
        })),
      }),
    );
  }
  return { statusCode: 200, body: '' };
}
