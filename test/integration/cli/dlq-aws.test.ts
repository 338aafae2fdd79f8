import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsDeadLetterQueue } from '#core/adapters/aws/sqs-dead-letter-queue.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { runCli } from '../../helpers/run-cli.ts';
import { WorkerResources } from '../worker-resources.ts';

function request(requestId: string, source: DeprovisionRequest['source']): DeprovisionRequest {
  return {
    schemaVersion: 1,
    requestId,
    source,
    subject: { idpUserId: `00u${requestId}`, email: `${requestId}@example.com` },
    reason: 'user.lifecycle.deactivate',
    occurredAt: '2026-11-26T09:00:00.000Z',
    receivedAt: '2026-11-26T09:00:01.000Z',
  };
}

function record(
  req: DeprovisionRequest,
  kind: DeadLetterRecord['failure']['kind'],
): DeadLetterRecord {
  return {
    schemaVersion: 1,
    request: req,
    failure: { kind, message: `failed: ${kind}`, helpCenterId: '7001000000000001' },
    attempts: 1,
    firstAttemptAt: '2026-11-26T09:00:02.000Z',
    lastAttemptAt: '2026-11-26T09:00:03.000Z',
    correlationId: `msg-${req.requestId}`,
  };
}

describe('CLI dlq against SQS (moto)', () => {
  const aws = new WorkerResources('cli-dlq');
  let env: Record<string, string>;
  let dlqUrl: string;
  let workQueueUrl: string;

  async function depth(url: string) {
    const out = await aws.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(out.Attributes?.ApproximateNumberOfMessages),
      hidden: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  beforeAll(async () => {
    ({ workQueueUrl, dlqUrl } = await aws.workQueueWithDlq(3));
    const dlq = new SqsDeadLetterQueue(aws.clients.sqs, dlqUrl);
    for (let i = 1; i <= 8; i += 1)
      await dlq.send(record(request(`r-scope-${i}`, 'okta-event-hook'), 'scope'));
    for (let i = 1; i <= 3; i += 1) await dlq.send(record(request(`r-held-${i}`, 'scim'), 'held'));
    // What SQS's own redrive policy moves: the raw work message.
    await aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: dlqUrl,
        MessageBody: JSON.stringify(request('r-raw-1', 'graph')),
      }),
    );
    env = {
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'testing',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'testing',
      DEAD_LETTER_QUEUE_URL: dlqUrl,
      WORK_QUEUE_URL: workQueueUrl,
    };
  });

  afterAll(() => aws.cleanup());

  it('lists every record by kind and source, and leaves them all visible', async () => {
    const out = await runCli(['dlq', 'list', '--json'], env);
    expect(out.code).toBe(1);
    const body = JSON.parse(out.stdout);
    expect(body.total).toBe(12);
    expect(body.byKind).toEqual([
      expect.objectContaining({ name: 'scope', count: 8 }),
      expect.objectContaining({ name: 'held', count: 3 }),
      expect.objectContaining({ name: 'transient', count: 1 }),
    ]);
    expect(body.bySource).toContainEqual(expect.objectContaining({ name: 'graph', count: 1 }));
    expect(await depth(dlqUrl)).toEqual({ visible: 12, hidden: 0 });
  });

  it('status reports the work queue and the dead-letter depth by kind, held included', async () => {
    const out = await runCli(['status', '--json'], env);
    expect(out.code).toBe(1);
    const lines = JSON.parse(out.stdout).lines as Array<{ check: string; value: string }>;
    expect(lines.find((l) => l.check === 'work queue')?.value).toMatch(/^0 waiting, 0 in flight/);
    expect(lines.find((l) => l.check === 'dead-letter queue')?.value).toMatch(
      /^12 \(scope 8, held 3, transient 1\)/,
    );
    expect(lines.find((l) => l.check === 'held requests')?.value).toMatch(/^3: release with/);
  });

  it('shows one record', async () => {
    const out = await runCli(['dlq', 'show', 'r-held-2'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/failure kind\s+held/);
    expect(out.stdout).toMatch(/help center\s+7001000000000001/);
  });

  it('redrives one request id and nothing else', async () => {
    const out = await runCli(['dlq', 'redrive', '--request-id', 'r-scope-3', '--json'], env);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ moved: 1, movedRequestIds: ['r-scope-3'] });
    const moved = await aws.drain(workQueueUrl, 1);
    expect(moved.map((m) => JSON.parse(m.Body ?? '{}').requestId)).toEqual(['r-scope-3']);
    expect(await depth(dlqUrl)).toEqual({ visible: 11, hidden: 0 });
  });

  it('redrives held records past the guard with a progress line and a final count', async () => {
    const out = await runCli(['dlq', 'redrive', '--kind', 'held'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Redrive finished: moved 3,/);
    expect(out.stderr).toMatch(/^redrive: 3\/3 \(\d+\/s\)$/m);
    const moved = await aws.drain(workQueueUrl, 3);
    expect(moved.map((m) => JSON.parse(m.Body ?? '{}').requestId).sort()).toEqual([
      'r-held-1',
      'r-held-2',
      'r-held-3',
    ]);
    for (const m of moved) expect(m.MessageAttributes?.guardRelease?.StringValue).toBe('true');
  });

  it('honours --max and then redrives the rest, raw messages included', async () => {
    const first = await runCli(['dlq', 'redrive', '--max', '2', '--json'], env);
    expect(JSON.parse(first.stdout).moved).toBe(2);
    const rest = await runCli(['dlq', 'redrive', '--json'], env);
    expect(JSON.parse(rest.stdout).moved).toBe(6);
    const moved = await aws.drain(workQueueUrl, 8);
    expect(moved).toHaveLength(8);
    expect(moved.map((m) => JSON.parse(m.Body ?? '{}').requestId)).toContain('r-raw-1');
    expect(await depth(dlqUrl)).toEqual({ visible: 0, hidden: 0 });
  });

  it('exits 2 naming DEAD_LETTER_QUEUE_URL when it is missing in AWS mode', async () => {
    const { DEAD_LETTER_QUEUE_URL: _, ...rest } = env;
    const out = await runCli(['dlq', 'list'], rest);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/DEAD_LETTER_QUEUE_URL is not set/);
  });
});
