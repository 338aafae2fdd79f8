import { randomUUID } from 'node:crypto';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
} from '@aws-sdk/client-cloudformation';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/run-cli.ts';
import { requireAwsEndpoint } from '../aws.ts';
import { WorkerResources } from '../worker-resources.ts';

const cloudFormation = () => new CloudFormationClient({ endpoint: requireAwsEndpoint() });

describe('CLI --stage reads the stack outputs (moto CloudFormation)', () => {
  const resources = new WorkerResources('cli-stage');
  const stage = `it${randomUUID().slice(0, 8)}`;
  const stackName = `HelpcenterDeprovisioner-${stage}`;
  let env: Record<string, string>;

  beforeAll(async () => {
    const { dlqUrl, workQueueUrl } = await resources.workQueueWithDlq(5);
    // A stack whose outputs carry the names of the queues (the real stack's output keys).
    const template = {
      Resources: { Marker: { Type: 'AWS::SQS::Queue' } },
      Outputs: {
        WorkQueueUrl: { Value: workQueueUrl },
        DeadLetterQueueUrl: { Value: dlqUrl },
      },
    };
    await cloudFormation().send(
      new CreateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(template) }),
    );
    await resources.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify({
          schemaVersion: 1,
          requestId: 'stage-raw-1',
          source: 'scim',
          subject: { idpUserId: '00uSTAGE' },
          reason: 'scim.delete',
          occurredAt: '2026-11-26T09:00:00.000Z',
          receivedAt: '2026-11-26T09:00:00.000Z',
        }),
      }),
    );
    env = {
      AWS_ENDPOINT_URL: requireAwsEndpoint(),
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
    };
  });

  afterAll(async () => {
    await cloudFormation()
      .send(new DeleteStackCommand({ StackName: stackName }))
      .catch(() => undefined);
    await resources.cleanup();
  });

  it('finds the DLQ through the stage and lists it', async () => {
    const out = await runCli(['dlq', 'list', '--stage', stage, '--json'], env);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout)).toMatchObject({
      total: 1,
      records: [{ requestId: 'stage-raw-1' }],
    });
  });

  it('exits 2 naming the stage when the stack does not exist', async () => {
    const out = await runCli(['status', '--stage', 'no-such-stage'], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /--stage no-such-stage: stack HelpcenterDeprovisioner-no-such-stage could not be read/,
    );
  });
});
