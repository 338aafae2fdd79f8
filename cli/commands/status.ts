import { readFile } from 'node:fs/promises';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGraphStateStore } from '#core/adapters/aws/dynamodb-graph-state-store.ts';
import { ENV } from '#core/contract/env-names.ts';
import type { GraphStateStore } from '#core/ports/graph-state-store.ts';
import { DEFAULT_REFRESH_MARGIN_MS } from '#core/tokens/refresh-token.ts';
import { parseTokenSecret } from '#core/tokens/token-secret.ts';
import { FileGraphStateStore } from '../../local/adapters/file-graph-state-store.ts';
import { parse } from '../args.ts';
import {
  type AwsTarget,
  buildDlqReader,
  documentClient,
  type LocalTarget,
  required,
  resolveTarget,
  runnerHealth,
  secretsClient,
  sqsClient,
} from '../compose.ts';
import { age, type Io, table } from '../output.ts';

export const STATUS_HELP = `Usage: helpcenter-deprovisioner status [options]

Queue depth, dead-letter depth by kind (held requests included), guard state, token age, the last
Microsoft Graph subscription renewal and delta resync, as far as each is readable from outside the
service. Exit 1 when records wait in the dead-letter queue or
the shared token is missing or expired.
Common: --json, --aws, --stage <stage>, --url <runner url>, --help`;

/** One line of the status report: what, its value, and whether it needs the operator. */
interface Line {
  check: string;
  value: string;
  attention: boolean;
}

export async function statusCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  if (values.help) {
    io.out(STATUS_HELP);
    return 0;
  }
  const target = await resolveTarget(values, io.env, io.cwd);
  const lines = target.kind === 'local' ? await localStatus(target) : await awsStatus(target);
  lines.push(...(await dlqLines(target)));
  lines.push(...(await graphLines(target)));
  if (values.json) {
    io.out(JSON.stringify({ target: target.kind, lines }, null, 2));
  } else {
    io.out(
      table(
        ['', 'WHAT', 'STATUS'],
        lines.map((l) => [l.attention ? '!' : ' ', l.check, l.value]),
      ),
    );
  }
  return lines.some((l) => l.attention) ? 1 : 0;
}

async function localStatus(target: LocalTarget): Promise<Line[]> {
  const health = await runnerHealth(target);
  const lines: Line[] = [
    {
      check: 'local runner',
      value: health.up
        ? `up at ${target.runnerUrl} (${health.mode ?? 'local'} mode)`
        : `not answering at ${target.runnerUrl}: queued work waits until \`npm start\` runs`,
      // Nothing is processed while the runner is down: that needs the operator.
      attention: !health.up,
    },
  ];
  if (health.up) {
    lines.push({
      check: 'work queue',
      value:
        health.queueDepth === null || health.queueDepth === undefined
          ? 'not reported'
          : `${health.queueDepth} in flight or waiting`,
      attention: false,
    });
  } else {
    const saved = await readJson<unknown[]>(`${target.dataDir}/queue.json`);
    lines.push({
      check: 'saved queue',
      value: saved ? `${saved.length} request(s) saved, resumed by the next npm start` : 'none',
      attention: false,
    });
  }
  const ids = await readJson<{ records?: unknown[] }>(target.identityPath);
  lines.push(
    {
      check: 'identity store',
      value: `${ids?.records?.length ?? 0} record(s) in ${target.identityPath}`,
      attention: false,
    },
    {
      check: 'guard, token',
      value: "held in the runner's memory: not readable from outside (see its log)",
      attention: false,
    },
  );
  return lines;
}

async function awsStatus(target: AwsTarget): Promise<Line[]> {
  const lines: Line[] = [];
  const queueUrl = required(target, ENV.WORK_QUEUE_URL);
  const out = await sqsClient().send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  const a = out.Attributes ?? {};
  lines.push({
    check: 'work queue',
    value: `${a.ApproximateNumberOfMessages ?? '?'} waiting, ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight, ${a.ApproximateNumberOfMessagesDelayed ?? '?'} delayed (age of oldest: CloudWatch ApproximateAgeOfOldestMessage)`,
    attention: false,
  });
  const tokenArn = target.env[ENV.ZOHO_TOKEN_SECRET_ARN];
  if (tokenArn) {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const secret = await secretsClient().send(new GetSecretValueCommand({ SecretId: tokenArn }));
    const token = parseTokenSecret(secret.SecretString ?? '');
    if (!token) {
      lines.push({
        check: 'shared token',
        value: 'none stored yet (the refresher mints on its schedule or on first use)',
        attention: true,
      });
    } else {
      const expiresIn = Date.parse(token.expiresAt) - Date.now();
      const refreshAt = new Date(
        Date.parse(token.expiresAt) - DEFAULT_REFRESH_MARGIN_MS,
      ).toISOString();
      lines.push({
        check: 'shared token',
        value:
          expiresIn <= 0
            ? `expired ${age(token.expiresAt)} ago`
            : `minted ${token.mintedAt ? `${age(token.mintedAt)} ago` : '(time not recorded)'}, expires in ${Math.round(expiresIn / 60_000)} min, next refresh from ${refreshAt}`,
        attention: expiresIn <= 0,
      });
    }
  } else {
    lines.push({
      check: 'shared token',
      value: `${ENV.ZOHO_TOKEN_SECRET_ARN} not set`,
      attention: false,
    });
  }
  const table = target.env[ENV.IDEMPOTENCY_TABLE_NAME];
  if (table) {
    const max = Number(target.env[ENV.GUARD_MAX_REQUESTS] ?? 100);
    const windowSeconds = Number(target.env[ENV.GUARD_WINDOW_SECONDS] ?? 300);
    const now = Math.floor(Date.now() / 1000);
    const start = now - (now % windowSeconds);
    // The guard's item for the current window (DynamoDbRateGuard: id guard#<window start>).
    const item = await documentClient().send(
      new GetCommand({ TableName: table, Key: { id: `guard#${start}` } }),
    );
    const admitted = (item.Item?.requestIds as Set<string> | undefined)?.size ?? 0;
    lines.push({
      check: 'guard',
      value: `${admitted} of ${max} admitted in this ${windowSeconds}s window (resets in ${start + windowSeconds - now}s)${admitted >= max ? ': TRIPPED, new requests are held' : ''}`,
      attention: admitted >= max,
    });
  }
  return lines;
}

async function dlqLines(target: LocalTarget | AwsTarget): Promise<Line[]> {
  const entries = await buildDlqReader(target).peek();
  const kinds = new Map<string, number>();
  for (const e of entries) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  const oldest = entries
    .map((e) => e.deadLetteredAt)
    .filter((t): t is string => Boolean(t))
    .sort()[0];
  const held = kinds.get('held') ?? 0;
  return [
    {
      check: 'dead-letter queue',
      value:
        entries.length === 0
          ? 'empty'
          : `${entries.length} (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), oldest ${age(oldest)}: see \`dlq list\``,
      attention: entries.length > 0,
    },
    {
      check: 'held requests',
      value:
        held === 0
          ? 'none'
          : `${held}: release with \`dlq redrive --kind held\` once the IdP is checked`,
      attention: held > 0,
    },
  ];
}

/**
 * The last Graph subscription renewal (recorded by the graph-subscription function) and the last
 * users delta resync (recorded by the worker), from the idempotency table in AWS or
 * `graph-state.json` locally. An expired subscription needs the operator: no notification arrives.
 */
async function graphLines(target: LocalTarget | AwsTarget): Promise<Line[]> {
  let store: GraphStateStore;
  if (target.kind === 'local') {
    store = new FileGraphStateStore(`${target.dataDir}/graph-state.json`);
  } else {
    const table = target.env[ENV.IDEMPOTENCY_TABLE_NAME];
    if (!table) return [];
    store = new DynamoDbGraphStateStore(documentClient(), table);
  }
  const [subscription, delta] = await Promise.all([store.readSubscription(), store.readDelta()]);
  const expiresIn = subscription ? Date.parse(subscription.expirationDateTime) - Date.now() : 0;
  return [
    {
      check: 'graph subscription',
      value: subscription
        ? expiresIn <= 0
          ? `EXPIRED ${age(subscription.expirationDateTime)} ago (last ${subscription.action} ${age(subscription.checkedAt)} ago): run the graph-subscription function`
          : `${subscription.action} ${age(subscription.checkedAt)} ago, expires ${subscription.expirationDateTime} (in ${age(new Date(Date.now() - expiresIn).toISOString())})`
        : 'no renewal recorded (Entra ID not a source, or the graph-subscription function has not run)',
      attention: subscription !== undefined && expiresIn <= 0,
    },
    {
      check: 'graph delta resync',
      value: delta.resyncedAt
        ? `last round ${age(delta.resyncedAt)} ago (${delta.version} round(s) recorded, the first the initial sync)`
        : 'none yet (the first round is the initial sync: it records the link, removes nobody)',
      attention: false,
    },
  ];
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
