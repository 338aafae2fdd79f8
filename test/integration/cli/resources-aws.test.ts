import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '#core/ports/logger.ts';
import { LOCAL_DEFAULT_SECRETS, loadLocalConfig } from '../../../local/config.ts';
import { type LocalService, startLocalService } from '../../../local/runner.ts';
import { loadSeed, type Sandbox, startSandbox } from '../../../local/sandbox/server.ts';
import { ROOT, runCli } from '../../helpers/run-cli.ts';
import { awsClients, requireAwsEndpoint } from '../aws.ts';
import { synthesizeStack, tableFromTemplate } from '../stack-resources.ts';
import { WorkerResources } from '../worker-resources.ts';

/**
 * README "Real-service mode", as a new user runs it: `resources create` (a subprocess, as the
 * operator runs it) makes the template's resources on moto and prints the exports; the runner
 * started with them and the sandbox passes `preflight`; a re-run finds everything; `resources
 * delete` removes it all.
 */

interface Outcome {
  logicalId: string;
  type: string;
  name: string;
  status: string;
}

const EXPORTED = [
  'AWS_ENDPOINT_URL',
  'AWS_REGION',
  'WORK_QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
  'WEBHOOK_SECRET_ARN',
  'ZOHO_OAUTH_SECRET_ARN',
  'ZOHO_TOKEN_SECRET_ARN',
  'IDENTITY_TABLE_NAME',
  'IDEMPOTENCY_TABLE_NAME',
  'HELPCENTER_BASE_URL',
  'API_URL',
];

describe('CLI resources create|delete on moto', () => {
  const prefix = `it-res-${randomUUID().slice(0, 8)}`;
  const aws = {
    AWS_ENDPOINT_URL: requireAwsEndpoint(),
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
  };
  const { sqs, secrets } = awsClients();
  const dynamodb = new WorkerResources('cli-res').dynamodb;
  let sandbox: Sandbox;
  let runner: LocalService | undefined;
  let created: { env: Record<string, string>; resources: Outcome[] };
  let createArgs: string[];

  beforeAll(async () => {
    sandbox = await startSandbox({
      seed: await loadSeed(join(ROOT, 'local/seed.json')),
      port: 0,
      host: '127.0.0.1',
    });
    createArgs = ['resources', 'create', '--prefix', prefix, '--help-center-url', sandbox.url];
    const out = await runCli([...createArgs, '--json'], aws);
    expect(out.stderr).not.toContain('error');
    expect(out.code).toBe(0);
    created = JSON.parse(out.stdout) as typeof created;
  }, 90_000);

  afterAll(async () => {
    await runner?.close();
    await sandbox?.close();
    await runCli(['resources', 'delete', '--prefix', prefix], aws);
  });

  it('prints every variable real-service mode and the CLI read', () => {
    expect(Object.keys(created.env).sort()).toEqual([...EXPORTED].sort());
    expect(created.env.AWS_ENDPOINT_URL).toBe(aws.AWS_ENDPOINT_URL);
    expect(created.env.HELPCENTER_BASE_URL).toBe(sandbox.url);
    expect(created.env.API_URL).toBe('http://127.0.0.1:3000');
    expect(created.env.IDENTITY_TABLE_NAME).toMatch(new RegExp(`^${prefix}-`));
    expect(new Set(created.resources.map((r) => r.status))).toEqual(new Set(['created']));
  });

  it('prints `export NAME=value` lines without --json (what eval reads), the table on stderr', async () => {
    const out = await runCli(createArgs, aws);
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.map((l) => l.split('=')[0])).toEqual(EXPORTED.map((n) => `export ${n}`));
    expect(lines).toContain(`export WORK_QUEUE_URL=${created.env.WORK_QUEUE_URL}`);
    expect(out.stderr).toMatch(/exists\s+AWS::SQS::Queue/);
  });

  it('makes both tables with the template key schema, GSI names and TTL', async () => {
    for (const [which, name] of [
      ['identity', created.env.IDENTITY_TABLE_NAME],
      ['idempotency', created.env.IDEMPOTENCY_TABLE_NAME],
    ] as const) {
      const { input, ttl } = tableFromTemplate(which);
      const table = (await dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
      expect(table?.KeySchema, which).toEqual(input.KeySchema);
      expect((table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort(), which).toEqual(
        (input.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort(),
      );
      const described = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
      const status = described.TimeToLiveDescription;
      expect(status?.AttributeName, which).toBe(ttl?.AttributeName);
      expect(status?.TimeToLiveStatus, which).toBe(ttl ? 'ENABLED' : 'DISABLED');
    }
    expect(tableFromTemplate('identity').input.GlobalSecondaryIndexes?.length).toBeGreaterThan(0);
  });

  it("gives the work queue the template's redrive policy to the printed dead-letter queue", async () => {
    const { resources } = synthesizeStack();
    const templatePolicies = Object.values(resources).flatMap((r) => {
      const policy = r.Properties?.RedrivePolicy as { maxReceiveCount: number } | undefined;
      return r.Type === 'AWS::SQS::Queue' && policy ? [policy.maxReceiveCount] : [];
    });
    expect(templatePolicies).toHaveLength(1);
    const attributes = async (QueueUrl: string | undefined) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })))
        .Attributes ?? {};
    const work = await attributes(created.env.WORK_QUEUE_URL);
    const dlq = await attributes(created.env.DEAD_LETTER_QUEUE_URL);
    expect(JSON.parse(work.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: dlq.QueueArn,
      maxReceiveCount: templatePolicies[0],
    });
  });

  it('fills the secrets for the sandbox and the local webhook defaults; the token secret stays {}', async () => {
    const value = async (SecretId: string | undefined) =>
      JSON.parse(
        (await secrets.send(new GetSecretValueCommand({ SecretId }))).SecretString ?? 'null',
      ) as Record<string, unknown>;
    const seed = await loadSeed(join(ROOT, 'local/seed.json'));
    expect(await value(created.env.ZOHO_OAUTH_SECRET_ARN)).toEqual({
      clientId: seed.oauth.clientId,
      clientSecret: seed.oauth.clientSecret,
      refreshToken: seed.oauth.refreshToken,
      orgId: seed.orgId,
      accountsUrl: sandbox.url,
      helpCenterIds: seed.helpCenters.map((h) => h.id),
    });
    expect(await value(created.env.WEBHOOK_SECRET_ARN)).toEqual({
      oktaAuthorization: LOCAL_DEFAULT_SECRETS.OKTA_EVENT_HOOK_AUTHORIZATION,
      scimBearerToken: LOCAL_DEFAULT_SECRETS.SCIM_BEARER_TOKEN,
      graphClientState: LOCAL_DEFAULT_SECRETS.GRAPH_CLIENT_STATE,
      webhookSigningSecret: LOCAL_DEFAULT_SECRETS.WEBHOOK_SIGNING_SECRET,
    });
    expect(await value(created.env.ZOHO_TOKEN_SECRET_ARN)).toEqual({});
  });

  it('a re-run with the same prefix reports every resource as existing, with the same exports', async () => {
    const out = await runCli([...createArgs, '--json'], aws);
    expect(out.code).toBe(0);
    const again = JSON.parse(out.stdout) as typeof created;
    expect(again.env).toEqual(created.env);
    expect(again.resources.map((r) => [r.name, r.status])).toEqual(
      created.resources.map((r) => [r.name, 'exists']),
    );
  }, 60_000);

  it('the runner started with the printed variables passes preflight', async () => {
    const { API_URL: _, ...runnerEnv } = created.env;
    runner = await startLocalService(
      loadLocalConfig({ ...runnerEnv, PORT: '0', LOG_FORMAT: 'json' }),
      silentLogger,
    );
    const out = await runCli(['preflight', '--json'], {
      ...aws,
      ...created.env,
      API_URL: runner.url,
    });
    const body = JSON.parse(out.stdout) as {
      checks: Array<{ check: string; ok: boolean }>;
    };
    expect(body.checks.filter((c) => !c.ok)).toEqual([]);
    expect(body.checks.map((c) => c.check)).toContain('identity table and its indexes');
    expect(out.code).toBe(0);
  }, 60_000);

  it('resources delete removes every table, queue and secret; a second delete finds none', async () => {
    await runner?.close();
    runner = undefined;
    const out = await runCli(['resources', 'delete', '--prefix', prefix, '--json'], aws);
    expect(out.code).toBe(0);
    const { resources } = JSON.parse(out.stdout) as { resources: Outcome[] };
    expect(resources.map((r) => r.name).sort()).toEqual(
      created.resources.map((r) => r.name).sort(),
    );
    expect(new Set(resources.map((r) => r.status))).toEqual(new Set(['deleted']));
    await expect(
      dynamodb.send(new DescribeTableCommand({ TableName: created.env.IDENTITY_TABLE_NAME })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const dlqName = created.env.DEAD_LETTER_QUEUE_URL?.split('/').pop();
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: dlqName }))).rejects.toThrow();
    await expect(
      secrets.send(new DescribeSecretCommand({ SecretId: created.env.ZOHO_OAUTH_SECRET_ARN })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    const again = await runCli(['resources', 'delete', '--prefix', prefix, '--json'], aws);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as { resources: Outcome[] };
    expect(new Set(second.resources.map((r) => r.status))).toEqual(new Set(['absent']));
  }, 60_000);
});
