import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_TABLE } from '#core/contract/tables.ts';
import { loadSeed, type Sandbox, startSandbox } from '../../../local/sandbox/server.ts';
import { ROOT, runCli } from '../../helpers/run-cli.ts';
import { WorkerResources } from '../worker-resources.ts';

interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

describe('CLI preflight on AWS (moto resources, sandbox Help Center)', () => {
  const aws = new WorkerResources('cli-pre');
  const partialTable = `it-identity-partial-${randomUUID().slice(0, 8)}`;
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let badOrgOauth: string;
  let partialWebhook: string;

  const preflight = async (overrides: Record<string, string> = {}) => {
    const out = await runCli(['preflight', '--json'], { ...env, ...overrides });
    const body = JSON.parse(out.stdout) as { ok: boolean; checks: Check[] };
    return {
      code: out.code,
      ...body,
      byName: (name: string) => body.checks.find((c) => c.check === name),
    };
  };

  beforeAll(async () => {
    const seed = await loadSeed(join(ROOT, 'local/seed.json'));
    sandbox = await startSandbox({ seed, port: 0, host: '127.0.0.1' });
    const { workQueueUrl, dlqUrl } = await aws.workQueueWithDlq(5);
    const oauthValue = {
      clientId: seed.oauth.clientId,
      clientSecret: seed.oauth.clientSecret,
      refreshToken: seed.oauth.refreshToken,
      orgId: seed.orgId,
      accountsUrl: sandbox.url,
      helpCenterIds: seed.helpCenters.map((h) => h.id),
    };
    const webhook = {
      oktaAuthorization: 'a',
      scimBearerToken: 'b',
      graphClientState: 'c',
      webhookSigningSecret: 'whsec_ZA==',
    };
    const { scimBearerToken: _, ...withoutScim } = webhook;
    badOrgOauth = await aws.secret({ ...oauthValue, orgId: '99999999999' });
    partialWebhook = await aws.secret(withoutScim);
    // The identity table without its idpUserId index.
    const indexes = Object.values(IDENTITY_TABLE.indexes).filter(
      (i) => i.attribute !== 'idpUserId',
    );
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: partialTable,
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
    await waitUntilTableExists(
      { client: aws.dynamodb, maxWaitTime: 30 },
      { TableName: partialTable },
    );
    env = {
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
      WORK_QUEUE_URL: workQueueUrl,
      DEAD_LETTER_QUEUE_URL: dlqUrl,
      ZOHO_OAUTH_SECRET_ARN: await aws.secret(oauthValue),
      ZOHO_TOKEN_SECRET_ARN: await aws.secret('{}'),
      WEBHOOK_SECRET_ARN: await aws.secret(webhook),
      IDENTITY_TABLE_NAME: await aws.identityTable(),
      IDEMPOTENCY_TABLE_NAME: await aws.idempotencyTable(),
      HELPCENTER_BASE_URL: sandbox.url,
    };
  });

  afterAll(async () => {
    await sandbox?.close();
    await aws.dynamodb
      .send(new DeleteTableCommand({ TableName: partialTable }))
      .catch(() => undefined);
    await aws.cleanup();
  });

  it('passes every check on a healthy setup', async () => {
    const r = await preflight();
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.checks.map((c) => c.check)).toEqual([
      'work queue and its dead-letter queue',
      'identity table and its indexes',
      'idempotency table',
      'Zoho OAuth secret keys',
      'webhook secret keys',
      'shared token secret',
      'Zoho OAuth settings',
      'token, org id and directory lookup in every help center',
    ]);
  });

  it('names a wrong org id, a missing index and a missing secret key, each with its fix', async () => {
    const r = await preflight({
      ZOHO_OAUTH_SECRET_ARN: badOrgOauth,
      IDENTITY_TABLE_NAME: partialTable,
      WEBHOOK_SECRET_ARN: partialWebhook,
    });
    expect(r.code).toBe(1);
    expect(r.byName('identity table and its indexes')).toMatchObject({
      ok: false,
      detail: `missing index(es): ${IDENTITY_TABLE.indexes.idpUserId.indexName}`,
    });
    expect(r.byName('webhook secret keys')).toMatchObject({
      ok: false,
      detail: 'missing key(s): scimBearerToken',
      fix: expect.stringMatching(/add the missing keys/),
    });
    expect(r.byName('token, org id and directory lookup in every help center')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/OAUTH_ORG_MISMATCH/),
      fix: expect.stringMatching(/set orgId in the Zoho OAuth secret/),
    });
    expect(r.byName('work queue and its dead-letter queue')?.ok).toBe(true);
  });
});
