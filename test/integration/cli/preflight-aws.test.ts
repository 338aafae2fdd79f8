import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTITY_TABLE } from '#core/contract/tables.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { loadLocalConfig } from '../../../local/config.ts';
import { type LocalService, startLocalService } from '../../../local/runner.ts';
import {
  loadSeed,
  type Sandbox,
  seedOAuthSecret,
  startSandbox,
} from '../../../local/sandbox/server.ts';
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
  let off: Sandbox;
  let narrow: Sandbox;
  let runner: LocalService;
  let runnerEnv: Record<string, string>;
  let narrowOauth: string;
  let offOauth: string;
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
    // An org without the mission's endpoints, and a token without Desk.settings.DELETE.
    off = await startSandbox({ seed, port: 0, host: '127.0.0.1', unpublished: false });
    const scopes = ['Desk.settings.READ', 'Desk.settings.UPDATE', 'Desk.basic.READ'];
    narrow = await startSandbox({
      seed: { ...seed, oauth: { ...seed.oauth, scopes } },
      port: 0,
      host: '127.0.0.1',
    });
    const { workQueueUrl, dlqUrl } = await aws.workQueueWithDlq(5);
    const oauthValue = seedOAuthSecret(seed, sandbox.url);
    const webhook = {
      oktaAuthorization: 'a',
      scimBearerToken: 'b',
      graphClientState: 'c',
      webhookSigningSecret: 'whsec_ZA==',
    };
    const { scimBearerToken: _, ...withoutScim } = webhook;
    badOrgOauth = await aws.secret({ ...oauthValue, orgId: '99999999999' });
    narrowOauth = await aws.secret({ ...oauthValue, accountsUrl: narrow.url });
    offOauth = await aws.secret({ ...oauthValue, accountsUrl: off.url });
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
    // The intake API in real-service mode (the runner over the same moto resources): its URL
    // stands for the stack's ApiUrl output.
    runnerEnv = {
      PORT: '0',
      LOG_FORMAT: 'json',
      AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL ?? '',
      WORK_QUEUE_URL: env.WORK_QUEUE_URL ?? '',
      DEAD_LETTER_QUEUE_URL: env.DEAD_LETTER_QUEUE_URL ?? '',
      WEBHOOK_SECRET_ARN: env.WEBHOOK_SECRET_ARN ?? '',
      ZOHO_OAUTH_SECRET_ARN: env.ZOHO_OAUTH_SECRET_ARN ?? '',
      ZOHO_TOKEN_SECRET_ARN: await aws.secret('{}'),
      IDENTITY_TABLE_NAME: env.IDENTITY_TABLE_NAME ?? '',
      IDEMPOTENCY_TABLE_NAME: env.IDEMPOTENCY_TABLE_NAME ?? '',
      HELPCENTER_BASE_URL: sandbox.url,
    };
    runner = await startLocalService(loadLocalConfig(runnerEnv), silentLogger);
    env.API_URL = runner.url;
  }, 90_000);

  afterAll(async () => {
    await runner?.close();
    await sandbox?.close();
    await off?.close();
    await narrow?.close();
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
      'Help Center dialect',
      'scope for lookup (GET /api/v1/users, getUsers)',
      'scope for group listing (GET /api/v1/users/{userId}/groups, getUserGroups)',
      'scope for user-groups DELETE (DELETE /api/v1/helpcenter/{helpCenterId}/users/{userId}/groups, removeUserFromHelpCenterGroups)',
      'scope for group-centric DELETE (DELETE /api/v1/helpcenter/{helpCenterId}/groups/{groupId}/users, removeUsersFromHelpCenterGroup)',
      'group mapping',
      `webhook Okta event hook: ${runner.url}/webhooks/okta`,
      `webhook SCIM 2.0: ${runner.url}/scim/v2/ServiceProviderConfig`,
      `webhook Graph notifications (validation handshake): ${runner.url}/webhooks/graph`,
      `webhook signed webhook: ${runner.url}/webhooks/events`,
    ]);
    expect(r.byName('Help Center dialect')?.detail).toMatch(
      /^the org serves user-groups-delete .*405 METHOD_NOT_ALLOWED/,
    );
  });

  it('tells the two dialects apart: unpublished endpoints off, the default dialect fails with the fix', async () => {
    // Each org has its own shared token secret (a token of one org is no token of another).
    const offToken = { ZOHO_TOKEN_SECRET_ARN: await aws.secret('{}') };
    const r = await preflight({
      ZOHO_OAUTH_SECRET_ARN: offOauth,
      HELPCENTER_BASE_URL: off.url,
      ...offToken,
    });
    expect(r.code).toBe(1);
    expect(r.byName('Help Center dialect')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/^the org serves zoho-desk-v1 only.*404 URL_NOT_FOUND/),
      fix: "set HELPCENTER_API=zoho-desk-v1 (Zoho's published API)",
    });
    const v1 = await preflight({
      ZOHO_OAUTH_SECRET_ARN: offOauth,
      HELPCENTER_BASE_URL: off.url,
      HELPCENTER_API: 'zoho-desk-v1',
      ...offToken,
    });
    expect(v1.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v1.code).toBe(0);
  });

  it('names a missing scope on each request that needs it', async () => {
    const r = await preflight({
      ZOHO_OAUTH_SECRET_ARN: narrowOauth,
      HELPCENTER_BASE_URL: narrow.url,
      ZOHO_TOKEN_SECRET_ARN: await aws.secret('{}'),
    });
    expect(r.code).toBe(1);
    const failed = r.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.check.split(' (')[0])).toEqual([
      'scope for user-groups DELETE',
      'scope for group-centric DELETE',
    ]);
    for (const c of failed) {
      expect(c.detail).toBe('the token lacks the scope (403 SCOPE_MISMATCH)');
      expect(c.fix).toMatch(/^add the scope Desk\.settings\.DELETE to the Zoho OAuth client/);
    }
  });

  it('checks the group mapping: an unknown mapped group fails preflight and stops the runner', async () => {
    const mapping = JSON.stringify([
      {
        idpGroupId: '00gGHOST00000000000001',
        helpCenterId: '7001000000000002',
        groupId: '7001000000999999',
      },
    ]);
    const r = await preflight({ GROUP_MAPPING: mapping });
    expect(r.code).toBe(1);
    expect(
      r.byName(
        'group mapping 00gGHOST00000000000001 → help center 7001000000000002, group 7001000000999999',
      ),
    ).toMatchObject({
      ok: false,
      detail: 'no group 7001000000999999 in help center 7001000000000002',
    });
    const start = startLocalService(
      loadLocalConfig({ ...runnerEnv, GROUP_MAPPING: mapping }),
      silentLogger,
    );
    await expect(start).rejects.toBeInstanceOf(ConfigError);
    await expect(start).rejects.toThrow(/00gGHOST00000000000001 → help center 7001000000000002/);
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
