import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { loadLocalConfig } from '../../local/config.ts';
import { type GraphStandin, startGraphStandin } from '../../local/graph-standin/server.ts';
import { type LocalService, startLocalService } from '../../local/runner.ts';
import {
  loadSeed,
  type Sandbox,
  seedOAuthSecret,
  startSandbox,
} from '../../local/sandbox/server.ts';
import { WorkerResources } from './worker-resources.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const ALICE = ['7001000000118001', '7001000000218001'];
const OKTA_SECRET = 'Basic aXQtcnVubmVyOnNlY3JldA==';
const DAVE = '7001000000218004';
const DAVE_OBJECT_ID = '5d2c1b7e-4f6a-4c1d-9e3b-0a1b2c3d4e99';

const resources = new WorkerResources('runner');
let sandbox: Sandbox;
let graph: GraphStandin;
let service: LocalService;
let identityTable: string;

async function sandboxUsers() {
  const res = await fetch(`${sandbox.url}/_sandbox/state`);
  return ((await res.json()) as { users: Array<{ id: string; groupIds: string[] }> }).users;
}

beforeAll(async () => {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  sandbox = await startSandbox({ seed });
  graph = await startGraphStandin({
    users: [
      {
        id: DAVE_OBJECT_ID,
        accountEnabled: false,
        userPrincipalName: 'dave@example.com',
        mail: 'dave@example.com',
      },
    ],
  });
  const { workQueueUrl, dlqUrl } = await resources.workQueueWithDlq(5);
  identityTable = await resources.identityTable();
  const env = {
    PORT: '0',
    LOG_FORMAT: 'json',
    REDELIVERY_DELAY_MS: '1000',
    AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL,
    WORK_QUEUE_URL: workQueueUrl,
    DEAD_LETTER_QUEUE_URL: dlqUrl,
    WEBHOOK_SECRET_ARN: await resources.secret({
      oktaAuthorization: OKTA_SECRET,
      scimBearerToken: 'it-runner-scim-token',
      graphClientState: 'it-runner-client-state',
      webhookSigningSecret: 'whsec_aXQtcnVubmVyLXNpZ25pbmcta2V5',
    }),
    ZOHO_OAUTH_SECRET_ARN: await resources.secret(seedOAuthSecret(seed, sandbox.url)),
    ZOHO_TOKEN_SECRET_ARN: await resources.secret('created-without-a-value'),
    IDENTITY_TABLE_NAME: identityTable,
    IDEMPOTENCY_TABLE_NAME: await resources.idempotencyTable(),
    HELPCENTER_BASE_URL: sandbox.url,
    GRAPH_SECRET_ARN: await resources.secret({
      tenantId: graph.tenantId,
      clientId: graph.clientId,
      clientSecret: graph.clientSecret,
    }),
    GRAPH_BASE_URL: graph.url,
    GRAPH_LOGIN_URL: graph.loginUrl,
  };
  service = await startLocalService(loadLocalConfig(env), silentLogger);
}, 90_000);

afterAll(async () => {
  await service?.close();
  await sandbox?.close();
  await graph?.close();
  await resources.cleanup();
});

describe('the local runner in real-service mode (SQS, Secrets Manager, DynamoDB on moto)', () => {
  it('takes an Okta delivery through the real work queue and removes the user', async () => {
    const res = await fetch(`${service.url}/webhooks/okta`, {
      method: 'POST',
      headers: { authorization: OKTA_SECRET, 'content-type': 'application/json' },
      body: JSON.stringify({
        eventType: 'com.okta.event_hook',
        eventId: 'it-runner-delivery',
        data: {
          events: [
            {
              uuid: 'it-runner-alice',
              published: '2026-11-26T09:00:00.000Z',
              eventType: 'user.lifecycle.deactivate',
              outcome: { result: 'SUCCESS' },
              target: [{ id: '00uRUNNER', type: 'User', alternateId: 'alice@example.com' }],
            },
          ],
        },
      }),
    });
    expect(res.status).toBe(200);
    const deadline = Date.now() + 30_000;
    let users = await sandboxUsers();
    while (
      Date.now() < deadline &&
      !ALICE.every((id) => users.find((u) => u.id === id)?.groupIds.length === 0)
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      users = await sandboxUsers();
    }
    expect(ALICE.map((id) => users.find((u) => u.id === id)?.groupIds)).toEqual([[], []]);
  });

  it('refuses a wrong Okta secret read from Secrets Manager', async () => {
    const res = await fetch(`${service.url}/webhooks/okta`, {
      method: 'POST',
      headers: { authorization: 'Basic d3Jvbmc=', 'content-type': 'application/json' },
      body: '{"data":{"events":[]}}',
    });
    expect(res.status).toBe(401);
  });

  it('records SCIM-provisioned users in the DynamoDB identity table', async () => {
    const res = await fetch(`${service.url}/scim/v2/Users`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer it-runner-scim-token',
        'content-type': 'application/scim+json',
      },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'Carol.Runner@Example.com',
        active: true,
        emails: [{ primary: true, type: 'work', value: 'carol@example.com' }],
      }),
    });
    expect(res.status).toBe(201);
    const store = new DynamoDbIdentityStore(resources.documents, identityTable);
    const found = await store.findBy('userName', 'carol.runner@example.com');
    expect(found.map((r) => r.email)).toEqual(['carol@example.com']);
  });

  it('looks a Graph `updated` user up with the app secret from Secrets Manager and removes them', async () => {
    const res = await fetch(`${service.url}/webhooks/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            changeType: 'updated',
            clientState: 'it-runner-client-state',
            resource: `Users/${DAVE_OBJECT_ID}`,
            resourceData: { id: DAVE_OBJECT_ID, '@odata.type': '#Microsoft.Graph.User' },
            subscriptionId: 'it-runner-subscription',
            tenantId: graph.tenantId,
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    const deadline = Date.now() + 30_000;
    let users = await sandboxUsers();
    while (Date.now() < deadline && users.find((u) => u.id === DAVE)?.groupIds.length !== 0) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      users = await sandboxUsers();
    }
    expect(users.find((u) => u.id === DAVE)?.groupIds).toEqual([]);
  });

  it('answers /healthz in real-service mode', async () => {
    const res = await fetch(`${service.url}/healthz`);
    expect(await res.json()).toMatchObject({ status: 'ok', mode: 'aws' });
  });
});
