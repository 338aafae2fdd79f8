import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { createIngestHandler, REQUIRED_WEBHOOK_SECRETS } from '#core/intake/ingest-handler.ts';
import { signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import type { WebhookSecretName } from '#core/intake/webhook-secrets.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { buildIngestFromEnv } from '../../functions/ingest/compose.ts';
import { InMemoryIdentityStore } from '../../local/adapters/in-memory-identity-store.ts';
import { OKTA_TEST_SECRET, oktaDelivery, oktaLogEvent } from '../fixtures/okta-events.ts';
import { apiGatewayEvent, lambdaContext } from '../helpers/api-gateway.ts';
import { requireAwsEndpoint } from './aws.ts';
import { WorkerResources } from './worker-resources.ts';

const NOW = new Date('2026-11-20T09:15:02.000Z');
const SIGNING_KEY = Buffer.from('integration-signing-key-0123456789abcdef');
const WEBHOOK_SECRETS: Record<WebhookSecretName, string> = {
  oktaAuthorization: OKTA_TEST_SECRET,
  webhookSigningSecret: `whsec_${SIGNING_KEY.toString('base64')}`,
  scimBearerToken: 'integration-scim-token',
  graphClientState: 'integration-graph-client-state',
};

/** The webhook secret without one key (to prove the cold-start check names it). */
function secretsWithout(key: WebhookSecretName) {
  const { [key]: _removed, ...rest } = WEBHOOK_SECRETS;
  return rest;
}
const CONFIG = {
  oktaDeprovisionEventTypes: ['user.lifecycle.deactivate', 'user.lifecycle.suspend'],
  maxBodyBytes: 256 * 1024,
};

let resources: WorkerResources | undefined;
/** Created on first use so that a missing AWS_ENDPOINT_URL fails every test with its message. */
function aws(): WorkerResources {
  requireAwsEndpoint();
  resources ??= new WorkerResources('ingest');
  return resources;
}

afterAll(async () => {
  await resources?.cleanup();
});

async function handlerWithRealAdapters(queueUrl: string, secretArn: string) {
  const { sqs, secrets } = aws().clients;
  return createIngestHandler({
    config: { ...CONFIG, workQueueUrl: queueUrl, webhookSecretId: secretArn },
    queue: new SqsWorkQueue(sqs, queueUrl),
    identityStore: new InMemoryIdentityStore(),
    secretSource: new SecretsManagerSecretSource(secrets, { ttlMs: 60_000 }),
    clock: { now: () => NOW },
    logger: silentLogger,
  });
}

function oktaPost(body: unknown, authorization = OKTA_TEST_SECRET) {
  return apiGatewayEvent({
    method: 'POST',
    path: '/webhooks/okta',
    headers: { 'Content-Type': 'application/json', Authorization: authorization },
    body: JSON.stringify(body),
  });
}

const deactivation = oktaDelivery([
  oktaLogEvent({
    uuid: '2f0c4d1e-7a6b-4c3d-9e8f-000000000101',
    eventType: 'user.lifecycle.deactivate',
    published: '2026-11-20T09:14:00.000Z',
    targets: [{ id: '00uINTEG000000000001', alternateId: 'Integ.User@Example.org' }],
  }),
  oktaLogEvent({
    uuid: '2f0c4d1e-7a6b-4c3d-9e8f-000000000102',
    eventType: 'user.session.start',
    targets: [{ id: '00uINTEG000000000002' }],
  }),
]);

describe('ingest against a real AWS endpoint', () => {
  it('runs with AWS_ENDPOINT_URL pointing at moto, LocalStack or an account', async () => {
    const endpoint = new URL(requireAwsEndpoint());
    const queueUrl = await aws().queue();
    // A fresh SDK client that records where each request goes, as the adapters' clients do.
    const sqs = new SQSClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
    const sentTo: string[] = [];
    sqs.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { protocol: string; hostname: string; port?: number };
        sentTo.push(`${request.protocol}//${request.hostname}:${request.port ?? ''}`);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordDestination' },
    );
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    // The endpoint answered about the queue this run created: a real call reached it.
    const queueName = queueUrl.split('/').pop() ?? '';
    expect(out.Attributes?.QueueArn).toMatch(new RegExp(`^arn:aws:sqs:[^:]+:\\d+:${queueName}$`));
    expect(sentTo).toEqual([`${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`]);
  });

  it('enqueues the normalised request with source, requestId and schemaVersion attributes', async () => {
    const queueUrl = await aws().queue();
    const secretArn = await aws().secret(WEBHOOK_SECRETS);
    const handler = await handlerWithRealAdapters(queueUrl, secretArn);

    const res = await handler(oktaPost(deactivation), lambdaContext);

    expect(res.statusCode).toBe(200);
    const [message, ...rest] = await aws().drain(queueUrl, 1);
    expect(rest).toHaveLength(0);
    const body = JSON.parse(message?.Body ?? 'null');
    expect(body).toEqual({
      schemaVersion: 1,
      requestId: '2f0c4d1e-7a6b-4c3d-9e8f-000000000101',
      source: 'okta-event-hook',
      subject: {
        idpUserId: '00uINTEG000000000001',
        login: 'Integ.User@Example.org',
        email: 'integ.user@example.org',
      },
      reason: 'user.lifecycle.deactivate',
      occurredAt: '2026-11-20T09:14:00.000Z',
      receivedAt: NOW.toISOString(),
    });
    expect(DeprovisionRequestSchema.safeParse(body).success).toBe(true);
    expect(message?.MessageAttributes).toEqual({
      source: { DataType: 'String', StringValue: 'okta-event-hook' },
      requestId: { DataType: 'String', StringValue: '2f0c4d1e-7a6b-4c3d-9e8f-000000000101' },
      schemaVersion: { DataType: 'Number', StringValue: '1' },
    });
  });

  it('answers 401 and leaves the queue empty when Authorization does not match the stored secret', async () => {
    const queueUrl = await aws().queue();
    const secretArn = await aws().secret({
      ...WEBHOOK_SECRETS,
      oktaAuthorization: 'Basic b3RoZXI=',
    });
    const handler = await handlerWithRealAdapters(queueUrl, secretArn);

    const res = await handler(oktaPost(deactivation), lambdaContext);

    expect(res.statusCode).toBe(401);
    expect(await aws().drain(queueUrl, 0)).toHaveLength(0);
  });

  it('answers 503 when the queue does not exist', async () => {
    const secretArn = await aws().secret(WEBHOOK_SECRETS);
    const realQueue = await aws().queue();
    const missing = realQueue.replace(/[^/]+$/, 'it-ingest-queue-that-does-not-exist');
    const handler = await handlerWithRealAdapters(missing, secretArn);

    const res = await handler(oktaPost(deactivation), lambdaContext);

    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body as string)).toEqual({ message: 'Service temporarily unavailable' });
  });

  it('answers 500 when the secret does not exist, and enqueues nothing', async () => {
    const queueUrl = await aws().queue();
    const handler = await handlerWithRealAdapters(queueUrl, 'it-ingest-secret-that-does-not-exist');

    const res = await handler(oktaPost(deactivation), lambdaContext);

    expect(res.statusCode).toBe(500);
    expect(await aws().drain(queueUrl, 0)).toHaveLength(0);
  });

  it('sends a delivery of 23 deprovisioning events as 23 messages (SendMessageBatch in chunks of 10)', async () => {
    const queueUrl = await aws().queue();
    const secretArn = await aws().secret(WEBHOOK_SECRETS);
    const handler = await handlerWithRealAdapters(queueUrl, secretArn);
    const ids = Array.from({ length: 23 }, (_, i) => `00uBULK${String(i).padStart(13, '0')}`);
    const delivery = oktaDelivery(
      ids.map((id, i) =>
        oktaLogEvent({
          uuid: `bulk-${String(i).padStart(4, '0')}`,
          eventType: i % 2 === 0 ? 'user.lifecycle.deactivate' : 'user.lifecycle.suspend',
          targets: [{ id }],
        }),
      ),
    );

    const res = await handler(oktaPost(delivery), lambdaContext);

    expect(res.statusCode).toBe(200);
    const messages = await aws().drain(queueUrl, 23);
    expect(messages).toHaveLength(23);
    const subjects = messages.map((m) => JSON.parse(m.Body ?? '{}').subject.idpUserId).sort();
    expect(subjects).toEqual([...ids].sort());
    const requestIds = new Set(messages.map((m) => m.MessageAttributes?.requestId?.StringValue));
    expect(requestIds.size).toBe(23);
  });
});

describe('buildIngestFromEnv against a real AWS endpoint', () => {
  it('builds the Lambda handler from env and enqueues Okta and signed-webhook requests', async () => {
    const queueUrl = await aws().queue();
    const secretArn = await aws().secret(WEBHOOK_SECRETS);
    const handler = await buildIngestFromEnv({
      WORK_QUEUE_URL: queueUrl,
      WEBHOOK_SECRET_ARN: secretArn,
      IDENTITY_TABLE_NAME: await aws().identityTable(),
    });

    const okta = await handler(oktaPost(deactivation), lambdaContext);
    const body = JSON.stringify({
      type: 'user.deprovisioned',
      subject: { email: 'Signed.Person@Example.org' },
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signed = await handler(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhooks/events',
        headers: {
          'content-type': 'application/json',
          'webhook-id': 'msg_integration_1',
          'webhook-timestamp': timestamp,
          'webhook-signature': signWebhook(
            SIGNING_KEY,
            'msg_integration_1',
            timestamp,
            Buffer.from(body),
          ),
        },
        body,
      }),
      lambdaContext,
    );

    expect(okta.statusCode).toBe(200);
    expect(signed.statusCode).toBe(200);
    const messages = await aws().drain(queueUrl, 2);
    const bySource = Object.fromEntries(
      messages.map((m) => [m.MessageAttributes?.source?.StringValue, JSON.parse(m.Body ?? '{}')]),
    );
    expect(bySource['okta-event-hook']).toMatchObject({
      requestId: '2f0c4d1e-7a6b-4c3d-9e8f-000000000101',
      subject: { idpUserId: '00uINTEG000000000001' },
    });
    expect(bySource.webhook).toMatchObject({
      requestId: 'msg_integration_1',
      source: 'webhook',
      subject: { email: 'signed.person@example.org' },
      reason: 'user.deprovisioned',
    });
  });

  it('refuses to start without WORK_QUEUE_URL, WEBHOOK_SECRET_ARN and IDENTITY_TABLE_NAME, naming each', async () => {
    const error = await buildIngestFromEnv({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/WORK_QUEUE_URL/);
    expect((error as Error).message).toMatch(/WEBHOOK_SECRET_ARN/);
    expect((error as Error).message).toMatch(/IDENTITY_TABLE_NAME/);
  });

  it.each(REQUIRED_WEBHOOK_SECRETS)(
    'refuses to start when the secret has no %s value',
    async (key) => {
      const queueUrl = await aws().queue();
      const secretArn = await aws().secret(secretsWithout(key));
      const error = await buildIngestFromEnv({
        WORK_QUEUE_URL: queueUrl,
        WEBHOOK_SECRET_ARN: secretArn,
        IDENTITY_TABLE_NAME: 'it-ingest-identity',
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(new RegExp(key));
    },
  );

  it('refuses to start when the secret ARN does not exist', async () => {
    const queueUrl = await aws().queue();
    const error = await buildIngestFromEnv({
      WORK_QUEUE_URL: queueUrl,
      WEBHOOK_SECRET_ARN: 'it-ingest-no-such-secret',
      IDENTITY_TABLE_NAME: 'it-ingest-identity',
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('SecretError');
    expect((error as Error).message).toMatch(/it-ingest-no-such-secret/);
  });
});
