import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import { LOCAL_ROUTE, ROUTE } from '#core/contract/routes.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { buildEventBridgeIngestFromEnv } from '../../functions/eventbridge-ingest/compose.ts';
import { buildGraphSubscriptionFromEnv } from '../../functions/graph-subscription/compose.ts';
import { buildIngestFromEnv } from '../../functions/ingest/compose.ts';
import { buildRedriveFromEnv } from '../../functions/redrive/compose.ts';
import { buildTokenRefresherFromEnv } from '../../functions/token-refresher/compose.ts';
import { buildWorkerFromEnv } from '../../functions/worker/compose.ts';
import { FUNCTION_IDS } from '../../infra/function-env.ts';
import { loadLocalConfig } from '../../local/config.ts';
import { type GraphStandin, startGraphStandin } from '../../local/graph-standin/server.ts';
import { type LocalService, startLocalService } from '../../local/runner.ts';
import {
  loadSeed,
  type Sandbox,
  seedOAuthSecret,
  startSandbox,
} from '../../local/sandbox/server.ts';
import { apiGatewayEvent, lambdaContext } from '../helpers/api-gateway.ts';
import { sqsEvent } from '../helpers/sqs-event.ts';
import { StackResources, synthesizeStack } from './stack-resources.ts';

/**
 * The deployed shape is the tested shape: every table, queue and secret here is created from the
 * synthesized stack's template, every function root and the real-service runner get the
 * environment the template sets, and secrets are filled the way README "Deploy" tells an operator.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const ALICE = ['7001000000118001', '7001000000218001'];
const BOB = '7001000000118002';
const JOHN = '7001000000118005';
const SCIM_TOKEN = 'it-deployed-scim-token';

let sandbox: Sandbox;
let graph: GraphStandin;
let resources: StackResources;
let service: LocalService;
let oktaAuthorization: string;
let deadLetterQueueUrl: string;

async function sandboxGroups(userId: string): Promise<string[] | undefined> {
  const res = await fetch(`${sandbox.url}/_sandbox/state`);
  const state = (await res.json()) as { users: Array<{ id: string; groupIds: string[] }> };
  return state.users.find((u) => u.id === userId)?.groupIds;
}

/** Polls the sandbox until every user is in no group (or 30 s passed); returns their groups. */
async function waitUntilRemoved(userIds: string[]): Promise<Array<string[] | undefined>> {
  const deadline = Date.now() + 30_000;
  let groups = await Promise.all(userIds.map(sandboxGroups));
  while (Date.now() < deadline && !groups.every((g) => g?.length === 0)) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    groups = await Promise.all(userIds.map(sandboxGroups));
  }
  return groups;
}

function oktaDelivery(uuid: string, email: string) {
  return {
    method: 'POST',
    headers: { authorization: oktaAuthorization, 'content-type': 'application/json' },
    body: JSON.stringify({
      eventType: 'com.okta.event_hook',
      eventId: `delivery-${uuid}`,
      data: {
        events: [
          {
            uuid,
            published: '2026-12-04T09:00:00.000Z',
            eventType: 'user.lifecycle.deactivate',
            outcome: { result: 'SUCCESS' },
            target: [{ id: `00u${uuid}`, type: 'User', alternateId: email }],
          },
        ],
      },
    }),
  };
}

/** Reads the DLQ without consuming (visibility timeout 0) until a record for `email` shows up. */
async function waitForDeadLetter(email: string): Promise<Message | undefined> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const out = await resources.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const found = (out.Messages ?? []).find((m) => m.Body?.includes(email));
    if (found) return found;
  }
  return undefined;
}

beforeAll(async () => {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  sandbox = await startSandbox({ seed });
  graph = await startGraphStandin({ users: [] });
  // The stage points the Help Center and Graph at the stand-ins; everything else is the default.
  const synthesized = synthesizeStack({
    helpCenter: { baseUrl: sandbox.url },
    // Entra ID as a source: the worker gets the Graph secret (its lookups and delta resyncs).
    graph: { baseUrl: graph.url, loginUrl: graph.loginUrl, subscriptionEnabled: true },
  });
  resources = await StackResources.create(synthesized);
  const { secrets, workQueue } = synthesized.stack;
  deadLetterQueueUrl = resources.refOf(workQueue.deadLetterQueue);

  // README "Deploy": the operator fills the secrets the stack created.
  const webhookArn = resources.refOf(secrets.webhook);
  await resources.putSecretKeys(webhookArn, {
    scimBearerToken: SCIM_TOKEN,
    graphClientState: 'it-deployed-client-state',
    webhookSigningSecret: 'whsec_aXQtZGVwbG95ZWQtc2lnbmluZy1rZXk=',
  });
  await resources.putSecretKeys(
    resources.refOf(secrets.zohoOAuth),
    seedOAuthSecret(seed, sandbox.url),
  );
  await resources.putSecretKeys(resources.refOf(secrets.graph), {
    tenantId: graph.tenantId,
    clientId: graph.clientId,
    clientSecret: graph.clientSecret,
  });
  const generated = await resources.secrets.send(
    new GetSecretValueCommand({ SecretId: webhookArn }),
  );
  oktaAuthorization = (JSON.parse(generated.SecretString ?? '{}') as { oktaAuthorization: string })
    .oktaAuthorization;

  // The runner plays ingest and worker: their template environments, which must agree.
  const ingestEnv = resources.environmentOf('ingest');
  const workerEnv = resources.environmentOf('worker');
  for (const name of Object.keys(ingestEnv).filter((n) => n in workerEnv)) {
    expect(workerEnv[name], name).toBe(ingestEnv[name]);
  }
  service = await startLocalService(
    loadLocalConfig({
      ...ingestEnv,
      ...workerEnv,
      // The runner's own settings (not Lambda's): listen anywhere, quiet, quick redelivery.
      PORT: '0',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'error',
      REDELIVERY_DELAY_MS: '1000',
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
    }),
    silentLogger,
  );
}, 120_000);

afterAll(async () => {
  await service?.close();
  await sandbox?.close();
  await graph?.close();
  await resources?.cleanup();
});

describe('the stack as synthesized, on moto', () => {
  it('resolves every function environment from the template-made resources', () => {
    for (const id of FUNCTION_IDS) {
      const env = resources.environmentOf(id);
      for (const [name, value] of Object.entries(env)) {
        expect(value, `${id} ${name}`).not.toBe('');
      }
    }
  });

  it('starts every Lambda composition root from its template environment', async () => {
    const refresher = await buildTokenRefresherFromEnv(resources.environmentOf('token-refresher'));
    // The scheduled invocation mints the shared token into the template's token secret.
    await refresher({});
    const token = await resources.secrets.send(
      new GetSecretValueCommand({
        SecretId: resources.refOf(resources.synthesized.stack.secrets.zohoToken),
      }),
    );
    expect(JSON.parse(token.SecretString ?? '{}')).toHaveProperty('accessToken');

    // Each root answers a harmless invocation through the template-made resources.
    const ingest = await buildIngestFromEnv(resources.environmentOf('ingest'));
    // Okta's one-time verification (GET with the challenge), authorized by the generated secret.
    const verified = (await ingest(
      apiGatewayEvent({
        method: 'GET',
        path: ROUTE.OKTA_EVENT_HOOK,
        headers: {
          authorization: oktaAuthorization,
          'x-okta-verification-challenge': 'it-deployed-challenge',
        },
      }),
      lambdaContext,
    )) as { statusCode: number; body?: string };
    expect(verified.statusCode).toBe(200);
    expect(JSON.parse(verified.body ?? '{}')).toEqual({ verification: 'it-deployed-challenge' });

    const worker = await buildWorkerFromEnv(resources.environmentOf('worker'));
    expect(await worker(sqsEvent([]), lambdaContext)).toEqual({ batchItemFailures: [] });

    // The DLQ is still empty here: nothing to move.
    const redrive = buildRedriveFromEnv(resources.environmentOf('redrive'));
    expect(await redrive({ maxCount: 1 })).toMatchObject({ moved: 0, movedRequestIds: [] });

    const eventBridge = buildEventBridgeIngestFromEnv(
      resources.environmentOf('eventbridge-ingest'),
    );
    expect(
      await eventBridge({
        version: '0',
        id: 'it-deployed-ignored',
        'detail-type': 'EC2 Instance State-change Notification',
        source: 'aws.ec2',
        account: '123456789012',
        time: '2026-12-04T09:00:00Z',
        region: 'us-east-1',
        resources: [],
        detail: {},
      }),
    ).toEqual({ kind: 'ignored', enqueued: 0 });

    // The schedule's invocation creates the subscription in the Graph stand-in.
    const subscription = await buildGraphSubscriptionFromEnv(
      resources.environmentOf('graph-subscription'),
    );
    const outcome = await subscription({});
    expect(outcome).toMatchObject({ action: 'created' });
    const standin = graph.state();
    expect(standin.subscriptions.map((s) => s.id)).toEqual([outcome.subscriptionId]);
    expect(standin.subscriptions[0]?.notificationUrl).toBe(
      resources.environmentOf('graph-subscription').GRAPH_NOTIFICATION_URL,
    );
  });
});

describe('the real-service runner on template-made resources', () => {
  it('removes a person an Okta deactivation names from every group', async () => {
    const res = await fetch(
      `${service.url}${ROUTE.OKTA_EVENT_HOOK}`,
      oktaDelivery('it-deployed-alice', 'alice@example.com'),
    );
    expect(res.status).toBe(200);
    expect(await waitUntilRemoved(ALICE)).toEqual([[], []]);
  });

  it('finds a SCIM-created user with filter=userName eq, then removes them on active=false', async () => {
    const headers = {
      authorization: `Bearer ${SCIM_TOKEN}`,
      'content-type': 'application/scim+json',
    };
    const created = await fetch(`${service.url}${ROUTE.SCIM_V2}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'Bob.Deployed@Example.com',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'bob@example.com' }],
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };

    const filter = encodeURIComponent('userName eq "bob.deployed@example.com"');
    const found = await fetch(`${service.url}${ROUTE.SCIM_V2}/Users?filter=${filter}`, {
      headers,
    });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({
      totalResults: 1,
      Resources: [{ id, userName: 'Bob.Deployed@Example.com' }],
    });

    expect((await sandboxGroups(BOB))?.length).toBeGreaterThan(0);
    const patched = await fetch(`${service.url}${ROUTE.SCIM_V2}/Users/${id}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', value: { active: false } }],
      }),
    });
    expect(patched.status).toBe(200);
    expect(await waitUntilRemoved([BOB])).toEqual([[]]);
  });

  it('dead-letters a 403 SCOPE_MISMATCH with its failureKind attribute, and a redrive removes the person', async () => {
    const fault = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        pathPrefix: '/api/v1',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 1,
      }),
    });
    expect(fault.status).toBe(200);
    const res = await fetch(
      `${service.url}${ROUTE.OKTA_EVENT_HOOK}`,
      oktaDelivery('it-deployed-john', 'john.doe@example.com'),
    );
    expect(res.status).toBe(200);

    const deadLetter = await waitForDeadLetter('john.doe@example.com');
    const record = JSON.parse(deadLetter?.Body ?? '{}') as { failure?: { kind?: string } };
    // A scope error is not retried: its kind (the failure policy's) is on the message for filtering.
    const failureKind =
      deadLetter?.MessageAttributes?.[MESSAGE_ATTRIBUTE.FAILURE_KIND]?.StringValue;
    expect(failureKind).toBe('scope');
    expect(record.failure?.kind).toBe('scope');
    expect(deadLetter?.MessageAttributes?.[MESSAGE_ATTRIBUTE.SOURCE]?.StringValue).toBe(
      'okta-event-hook',
    );
    expect(JSON.parse(deadLetter?.Body ?? '{}')).toMatchObject({
      failure: { httpStatus: 403, errorCode: 'SCOPE_MISMATCH' },
    });
    expect((await sandboxGroups(JOHN))?.length).toBeGreaterThan(0);
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });

    // The operator's redrive Lambda, built from its template environment.
    const redrive = buildRedriveFromEnv(resources.environmentOf('redrive'));
    const summary = await redrive({ failureKind });
    expect(summary).toMatchObject({ moved: 1 });
    expect(await waitUntilRemoved([JOHN])).toEqual([[]]);
  });

  it('answers the runner health check in real-service mode', async () => {
    const res = await fetch(`${service.url}${LOCAL_ROUTE.HEALTH}`);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'aws' });
  });
});
