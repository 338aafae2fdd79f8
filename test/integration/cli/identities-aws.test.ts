import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { WorkerResources } from '../worker-resources.ts';

const HC1 = '7001000000000001';

describe('CLI identities against DynamoDB (moto)', () => {
  const aws = new WorkerResources('cli-ids');
  let env: Record<string, string>;
  let dir: string;
  let store: DynamoDbIdentityStore;

  beforeAll(async () => {
    const table = await aws.identityTable();
    store = new DynamoDbIdentityStore(aws.documents, table);
    // A SCIM-created record whose externalId is the Entra object id (as SCIM stores it).
    await store.put({
      id: 'scim-1',
      userName: 'dave@example.com',
      externalId: 'entra-obj-dave',
      email: 'dave@example.com',
      active: true,
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
      version: 3,
    });
    dir = await mkdtemp(join(tmpdir(), 'hcd-cli-ids-aws-'));
    env = {
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
      IDENTITY_TABLE_NAME: table,
    };
  });

  afterAll(async () => {
    await aws.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports into the table, merging into the SCIM record found by its external id', async () => {
    const file = join(dir, 'people.csv');
    const rows = [`idpUserId,email,externalId,hc:${HC1}`, 'entra-obj-dave,,,7001000000118010'];
    for (let i = 0; i < 30; i += 1)
      rows.push(`00uBULK${i},bulk${i}@example.com,,70010000003${String(i).padStart(5, '0')}`);
    await writeFile(file, rows.join('\n'));
    const out = await runCli(['identities', 'import', file, '--aws', '--json'], env);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ created: 30, updated: 1, errors: [] });
    const dave = await store.get('scim-1');
    expect(dave).toMatchObject({
      userName: 'dave@example.com',
      idpUserId: 'entra-obj-dave',
      helpCenterUserIds: { [HC1]: '7001000000118010' },
      version: 4,
    });
    expect(await store.findBy('idpUserId', '00uBULK7')).toEqual([
      expect.objectContaining({ helpCenterUserIds: { [HC1]: '7001000000300007' } }),
    ]);
  });

  it('links one person and exports every record in the import format', async () => {
    const link = await runCli(
      [
        'identities',
        'link',
        'erin@example.com',
        '--help-center',
        HC1,
        '--user',
        '7001000000118011',
      ],
      env,
    );
    expect(link.code).toBe(0);
    const out = await runCli(['identities', 'export'], env);
    expect(out.code).toBe(0);
    const rows = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(32);
    expect(rows).toContainEqual({
      email: 'erin@example.com',
      helpCenterUserIds: { [HC1]: '7001000000118011' },
    });
  });

  it('exits 2 naming IDENTITY_TABLE_NAME when it is missing', async () => {
    const { IDENTITY_TABLE_NAME: _, ...rest } = env;
    const out = await runCli(['identities', 'export', '--aws'], rest);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/IDENTITY_TABLE_NAME is not set/);
  });
});
