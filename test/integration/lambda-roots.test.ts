import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '#core/adapters/aws/sqs-dead-letter-queue.ts';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { ENV } from '#core/contract/env-names.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { parseTokenSecret, serialiseTokenSecret } from '#core/tokens/token-secret.ts';
import { buildEventBridgeIngestFromEnv } from '../../functions/eventbridge-ingest/compose.ts';
import { buildGraphSubscriptionFromEnv } from '../../functions/graph-subscription/compose.ts';
import { buildRedriveFromEnv } from '../../functions/redrive/compose.ts';
import { buildTokenRefresherFromEnv } from '../../functions/token-refresher/compose.ts';
import { buildWorkerFromEnv } from '../../functions/worker/compose.ts';
import { type GraphStandin, startGraphStandin } from '../../local/graph-standin/server.ts';
import {
  loadSeed,
  type Sandbox,
  type SandboxSeed,
  startSandbox,
} from '../../local/sandbox/server.ts';
import { oktaLogEvent } from '../fixtures/okta-events.ts';
import { lambdaContext } from '../helpers/api-gateway.ts';
import { sqsEvent, sqsRecord } from '../helpers/sqs-event.ts';
import { WorkerResources } from './worker-resources.ts';

/**
 * Every Lambda root built from a complete environment against a real endpoint (moto in CI) and
 * invoked once. The ingest root is covered in ingest.test.ts.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const ALICE = ['7001000000118001', '7001000000218001'];

const resources = new WorkerResources('roots');
let sandbox: Sandbox;
let seed: SandboxSeed;
let oauthSecretId: string;

async function sandboxState() {
  const res = await fetch(`${sandbox.url}/_sandbox/state`);
  return (await res.json()) as {
    users: Array<{ id: string; groupIds: string[] }>;
    tokensMinted: number;
  };
}

/** A token secret holding a token the sandbox minted, as the refresher would have stored it. */
async function tokenSecretWithFreshToken(): Promise<string> {
  const minted = await new ZohoAccountsClient(createZohoAgent()).mint({
    accountsUrl: sandbox.url,
    clientId: seed.oauth.clientId,
    clientSecret: seed.oauth.clientSecret,
    refreshToken: seed.oauth.refreshToken,
  });
  return resources.secret(
    JSON.parse(
      serialiseTokenSecret({
        accessToken: minted.accessToken,
        expiresAt: minted.expiresAt.toISOString(),
        mintedAt: new Date().toISOString(),
      }),
    ),
  );
}

beforeAll(async () => {
  seed = await loadSeed(join(ROOT, 'local/seed.json'));
  sandbox = await startSandbox({ seed });
  oauthSecretId = await resources.secret({
    clientId: seed.oauth.clientId,
    clientSecret: seed.oauth.clientSecret,
    refreshToken: seed.oauth.refreshToken,
    orgId: seed.orgId,
    accountsUrl: sandbox.url,
    helpCenterIds: [HC1, HC2],
  });
}, 60_000);

afterAll(async () => {
  await sandbox?.close();
  await resources.cleanup();
});

/** The worker root's environment on this test's resources (a fresh token, so no refresh is asked). */
async function workerEnv(dlqUrl: string): Promise<Record<string, string>> {
  return {
    [ENV.DEAD_LETTER_QUEUE_URL]: dlqUrl,
    [ENV.ZOHO_OAUTH_SECRET_ARN]: oauthSecretId,
    [ENV.ZOHO_TOKEN_SECRET_ARN]: await tokenSecretWithFreshToken(),
    [ENV.TOKEN_REFRESHER_FUNCTION_NAME]: 'it-roots-token-refresher',
    [ENV.IDENTITY_TABLE_NAME]: await resources.identityTable(),
    [ENV.IDEMPOTENCY_TABLE_NAME]: await resources.idempotencyTable(),
  };
}

describe('worker Lambda root (functions/worker/compose.ts)', () => {
  it('builds from a complete env and removes a delivered user through its real adapters', async () => {
    const { dlqUrl } = await resources.workQueueWithDlq(5);
    const handler = await buildWorkerFromEnv({
      ...(await workerEnv(dlqUrl)),
      [ENV.HELPCENTER_BASE_URL]: sandbox.url,
      [ENV.HELPCENTER_TIMEOUT_MS]: '3000',
    });
    const request: DeprovisionRequest = {
      schemaVersion: 1,
      requestId: 'it-roots-alice-1',
      source: 'okta-event-hook',
      subject: { idpUserId: '00uROOTSALICE', email: 'alice@example.com' },
      reason: 'user.lifecycle.deactivate',
      occurredAt: '2026-11-26T09:00:00.000Z',
      receivedAt: '2026-11-26T09:00:01.000Z',
    };
    const response = await handler(sqsEvent([sqsRecord(request)]), lambdaContext);
    expect(response).toEqual({ batchItemFailures: [] });
    const state = await sandboxState();
    expect(state.users.filter((u) => ALICE.includes(u.id)).map((u) => u.groupIds)).toEqual([
      [],
      [],
    ]);
    expect(await resources.peek(dlqUrl, 1)).toEqual([]);
  });
});

describe('worker Lambda root: SQS loaded on first use', () => {
  it('dead-letters a request that failed on its last receive through the SQS client it loads then', async () => {
    const { dlqUrl } = await resources.workQueueWithDlq(5);
    const handler = await buildWorkerFromEnv({
      ...(await workerEnv(dlqUrl)),
      // Nothing listens there: a transient failure, final on the only receive allowed.
      [ENV.HELPCENTER_BASE_URL]: 'http://127.0.0.1:9',
      [ENV.HELPCENTER_TIMEOUT_MS]: '3000',
      [ENV.MAX_RECEIVE_COUNT]: '1',
      [ENV.MAX_IN_CALL_RETRIES]: '0',
    });
    const request: DeprovisionRequest = {
      schemaVersion: 1,
      requestId: 'it-roots-unreachable-1',
      source: 'okta-event-hook',
      subject: { idpUserId: '00uROOTSBOB', email: 'bob@example.com' },
      reason: 'user.lifecycle.deactivate',
      occurredAt: '2026-11-26T09:00:00.000Z',
      receivedAt: '2026-11-26T09:00:01.000Z',
    };
    const response = await handler(sqsEvent([sqsRecord(request)]), lambdaContext);
    expect(response).toEqual({ batchItemFailures: [] });
    const dead = await resources.peek(dlqUrl, 2);
    expect(dead.map((m) => JSON.parse(m.Body ?? '{}').request.requestId)).toEqual([
      'it-roots-unreachable-1',
    ]);
  });
});

describe('token-refresher Lambda root (functions/token-refresher/compose.ts)', () => {
  it('builds from a complete env (reading the OAuth secret) and mints into the token secret', async () => {
    const tokenSecretId = await resources.secret('created-without-a-value');
    const handler = await buildTokenRefresherFromEnv({
      [ENV.ZOHO_OAUTH_SECRET_ARN]: oauthSecretId,
      [ENV.ZOHO_TOKEN_SECRET_ARN]: tokenSecretId,
      [ENV.HELPCENTER_TIMEOUT_MS]: '3000',
    });
    const minted = (await sandboxState()).tokensMinted;
    const result = await handler({ force: true });
    expect(result).toEqual({ minted: true, expiresAt: expect.any(String) });
    expect((await sandboxState()).tokensMinted).toBe(minted + 1);
    const stored = await resources.clients.secrets.send(
      new GetSecretValueCommand({ SecretId: tokenSecretId }),
    );
    expect(parseTokenSecret(stored.SecretString ?? '')).toMatchObject({
      expiresAt: result.expiresAt,
    });
  });
});

describe('redrive Lambda root (functions/redrive/compose.ts)', () => {
  it('builds from a complete env and moves a dead-lettered request back to the work queue', async () => {
    const { workQueueUrl, dlqUrl } = await resources.workQueueWithDlq(5);
    const request: DeprovisionRequest = {
      schemaVersion: 1,
      requestId: 'it-roots-redrive-1',
      source: 'okta-event-hook',
      subject: { email: 'bob@example.com' },
      reason: 'user.lifecycle.deactivate',
      occurredAt: '2026-11-26T09:00:00.000Z',
      receivedAt: '2026-11-26T09:00:01.000Z',
    };
    await new SqsDeadLetterQueue(new SQSClient({}), dlqUrl).send({
      schemaVersion: 1,
      request,
      failure: { kind: 'scope', message: 'Help Center answered 403 SCOPE_MISMATCH' },
      attempts: 1,
      firstAttemptAt: '2026-11-26T09:00:02.000Z',
      lastAttemptAt: '2026-11-26T09:00:02.000Z',
      correlationId: 'm-1',
    });
    const handler = buildRedriveFromEnv({
      [ENV.WORK_QUEUE_URL]: workQueueUrl,
      [ENV.DEAD_LETTER_QUEUE_URL]: dlqUrl,
    });
    expect(await handler({ failureKind: 'scope' })).toMatchObject({
      moved: 1,
      movedRequestIds: ['it-roots-redrive-1'],
    });
    const moved = await resources.drain(workQueueUrl, 1);
    expect(moved.map((m) => JSON.parse(m.Body ?? '{}').requestId)).toEqual(['it-roots-redrive-1']);
  });
});

describe('graph-subscription Lambda root (functions/graph-subscription/compose.ts)', () => {
  let standin: GraphStandin;
  beforeAll(async () => {
    standin = await startGraphStandin();
  });
  afterAll(async () => {
    await standin?.close();
  });

  it('builds from a complete env, reading both secrets from Secrets Manager at cold start', async () => {
    const handler = await buildGraphSubscriptionFromEnv({
      [ENV.WEBHOOK_SECRET_ARN]: await resources.secret({ graphClientState: 'it-roots-state' }),
      [ENV.GRAPH_SECRET_ARN]: await resources.secret({
        tenantId: standin.tenantId,
        clientId: standin.clientId,
        clientSecret: standin.clientSecret,
      }),
      [ENV.GRAPH_NOTIFICATION_URL]: 'https://hooks.example.test/webhooks/graph',
      [ENV.GRAPH_BASE_URL]: standin.url,
      [ENV.GRAPH_LOGIN_URL]: standin.loginUrl,
    });
    expect(handler).toBeTypeOf('function');
  });

  it('refuses to start when the Graph secret lacks a key, naming it', async () => {
    const error = await buildGraphSubscriptionFromEnv({
      [ENV.WEBHOOK_SECRET_ARN]: await resources.secret({ graphClientState: 'it-roots-state' }),
      [ENV.GRAPH_SECRET_ARN]: await resources.secret({ tenantId: 't', clientId: 'c' }),
      [ENV.GRAPH_NOTIFICATION_URL]: 'https://hooks.example.test/webhooks/graph',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigError' });
    expect((error as Error).message).toMatch(/clientSecret/);
  });
});

describe('eventbridge-ingest Lambda root (functions/eventbridge-ingest/compose.ts)', () => {
  it('builds from a complete env and enqueues an Okta deactivation on the real work queue', async () => {
    const queueUrl = await resources.queue();
    const handler = buildEventBridgeIngestFromEnv({ [ENV.WORK_QUEUE_URL]: queueUrl });
    const result = await handler({
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': 'SystemLog',
      source: 'aws.partner/okta.com/example-org/helpcenter-stream',
      account: '111122223333',
      time: '2026-11-26T09:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: oktaLogEvent({
        uuid: 'it-roots-eventbridge-1',
        eventType: 'user.lifecycle.deactivate',
        targets: [{ id: '00uROOTSEB', alternateId: 'eb.user@example.org' }],
      }),
    });
    expect(result).toMatchObject({ enqueued: 1 });
    const [message] = await resources.drain(queueUrl, 1);
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({
      requestId: 'it-roots-eventbridge-1',
      source: 'eventbridge',
      subject: { idpUserId: '00uROOTSEB' },
    });
  });
});
