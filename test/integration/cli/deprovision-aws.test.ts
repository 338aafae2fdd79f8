import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { loadSeed, type Sandbox, startSandbox } from '../../../local/sandbox/server.ts';
import { ROOT, runCli } from '../../helpers/run-cli.ts';
import { WorkerResources } from '../worker-resources.ts';

const HC1 = '7001000000000001';
const BOB_ID = '7001000000118002';

describe('CLI deprovision on AWS (moto secrets and identity table, sandbox Help Center)', () => {
  const aws = new WorkerResources('cli-dep');
  let sandbox: Sandbox;
  let env: Record<string, string>;
  let tokenSecretArn: string;

  const state = async () =>
    (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
      users: Array<{ id: string; groupIds: string[] }>;
      calls: Array<{ method: string; path: string }>;
      tokensMinted: number;
    };

  beforeAll(async () => {
    const seed = await loadSeed(join(ROOT, 'local/seed.json'));
    sandbox = await startSandbox({ seed, port: 0, host: '127.0.0.1' });
    const table = await aws.identityTable();
    await new DynamoDbIdentityStore(aws.documents, table).put({
      id: 'rec-bob',
      idpUserId: '00uAWSBOB',
      active: true,
      helpCenterUserIds: { [HC1]: BOB_ID },
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
      version: 1,
    });
    const oauth = await aws.secret({
      clientId: seed.oauth.clientId,
      clientSecret: seed.oauth.clientSecret,
      refreshToken: seed.oauth.refreshToken,
      orgId: seed.orgId,
      accountsUrl: sandbox.url,
      helpCenterIds: [HC1],
    });
    tokenSecretArn = await aws.secret('{}');
    env = {
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
      ZOHO_OAUTH_SECRET_ARN: oauth,
      ZOHO_TOKEN_SECRET_ARN: tokenSecretArn,
      IDENTITY_TABLE_NAME: table,
      HELPCENTER_BASE_URL: sandbox.url,
    };
  });

  afterAll(async () => {
    await sandbox?.close();
    await aws.cleanup();
  });

  it('previews through the identity table with reads only', async () => {
    const before = (await state()).calls.length;
    const out = await runCli(['deprovision', '00uAWSBOB', '--dry-run'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      `would remove user ${BOB_ID} (00uAWSBOB) from groups Beta Program, Enterprise Customers in help center ${HC1}`,
    );
    const calls = (await state()).calls.slice(before);
    expect(calls.filter((c) => c.method !== 'GET' && c.path !== '/oauth/v2/token')).toEqual([]);
  });

  it('removes, reusing the shared token the first run stored in the token secret', async () => {
    const minted = (await state()).tokensMinted;
    const out = await runCli(['deprovision', '00uAWSBOB'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/removed user 7001000000118002 .* in help center 7001000000000001/);
    const s = await state();
    expect(s.users.find((u) => u.id === BOB_ID)?.groupIds).toEqual([]);
    expect(s.tokensMinted).toBe(minted);
  });
});
