import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV, type EnvName } from '../../functions/core/contract/env-names.ts';
import { IDENTITY_TABLE } from '../../functions/core/contract/tables.ts';
import { buildApp } from '../../infra/build-app.ts';
import { FUNCTION_IDS, type FunctionId } from '../../infra/function-env.ts';

/**
 * Every AWS SDK call a function makes is allowed by its role. The calls come from the code: each
 * adapter's `new XxxCommand(` and Powertools' idempotency layer; the table below says, per function,
 * which adapter talks to the resource in which environment variable with which commands. The test
 * checks the table against the code (adapters each composition root imports, commands each adapter
 * sends) and then against the synthesized IAM policies.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AWS_ADAPTERS = path.join(ROOT, 'functions/core/adapters/aws');
/** Powertools' DynamoDB persistence layer (idempotency records): its documented IAM needs. */
const POWERTOOLS_IDEMPOTENCY = '@aws-lambda-powertools/idempotency/dynamodb';

interface SdkUse {
  adapter: string;
  /** The variable naming the resource the calls go to, or the queue the function consumes. */
  resource: EnvName | typeof EVENT_SOURCE_QUEUE;
  commands: string[];
}

/** The SQS queue an event source mapping feeds the function from (the worker's work queue). */
const EVENT_SOURCE_QUEUE = 'event source queue';

const USES: Record<FunctionId, SdkUse[]> = {
  ingest: [
    { adapter: 'sqs-work-queue', resource: ENV.WORK_QUEUE_URL, commands: ['SendMessageBatch'] },
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.WEBHOOK_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      adapter: 'dynamodb-identity-store',
      resource: ENV.IDENTITY_TABLE_NAME,
      commands: ['Get', 'Query', 'Put', 'Delete', 'Scan'],
    },
  ],
  worker: [
    {
      // THRESHOLD_EXCEEDED: the record waits on the work queue until the API credits renew.
      adapter: 'sqs-message-deferrer',
      resource: EVENT_SOURCE_QUEUE,
      commands: ['ChangeMessageVisibility', 'GetQueueUrl'],
    },
    {
      adapter: 'sqs-dead-letter-queue',
      resource: ENV.DEAD_LETTER_QUEUE_URL,
      commands: ['SendMessage'],
    },
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.ZOHO_OAUTH_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.ZOHO_TOKEN_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      adapter: 'lambda-token-refresher',
      resource: ENV.TOKEN_REFRESHER_FUNCTION_NAME,
      commands: ['Invoke'],
    },
    {
      adapter: 'dynamodb-identity-store',
      resource: ENV.IDENTITY_TABLE_NAME,
      commands: ['Get', 'Query', 'Put', 'Delete', 'Scan'],
    },
    {
      // The link write-back: a conditional Put (new record) and a version-conditional Update.
      adapter: 'dynamodb-identity-links',
      resource: ENV.IDENTITY_TABLE_NAME,
      commands: ['Put', 'Update'],
    },
    { adapter: 'dynamodb-rate-guard', resource: ENV.IDEMPOTENCY_TABLE_NAME, commands: ['Update'] },
    {
      // The Graph delta link (conditional put) in the idempotency table.
      adapter: 'dynamodb-graph-state-store',
      resource: ENV.IDEMPOTENCY_TABLE_NAME,
      commands: ['Get', 'Put'],
    },
    {
      // A delta resync enqueues one request per disabled or deleted account.
      adapter: 'sqs-work-queue',
      resource: ENV.WORK_QUEUE_URL,
      commands: ['SendMessageBatch'],
    },
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.GRAPH_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      adapter: POWERTOOLS_IDEMPOTENCY,
      resource: ENV.IDEMPOTENCY_TABLE_NAME,
      commands: ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem'],
    },
  ],
  'token-refresher': [
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.ZOHO_OAUTH_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.ZOHO_TOKEN_SECRET_ARN,
      commands: ['GetSecretValue', 'PutSecretValue'],
    },
  ],
  redrive: [
    {
      adapter: 'sqs-dead-letter-source',
      resource: ENV.DEAD_LETTER_QUEUE_URL,
      commands: ['ReceiveMessage', 'DeleteMessage', 'ChangeMessageVisibility'],
    },
    { adapter: 'sqs-work-queue', resource: ENV.WORK_QUEUE_URL, commands: ['SendMessageBatch'] },
  ],
  'eventbridge-ingest': [
    { adapter: 'sqs-work-queue', resource: ENV.WORK_QUEUE_URL, commands: ['SendMessageBatch'] },
  ],
  'graph-subscription': [
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.GRAPH_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      adapter: 'secrets-manager-secret-source',
      resource: ENV.WEBHOOK_SECRET_ARN,
      commands: ['GetSecretValue'],
    },
    {
      // The renewal record `status` reads.
      adapter: 'dynamodb-graph-state-store',
      resource: ENV.IDEMPOTENCY_TABLE_NAME,
      commands: ['Get', 'Put'],
    },
  ],
};

/** IAM action of an SDK command (document-client commands map to the item operations). */
function iamAction(source: string, command: string): string {
  const documentClient: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Delete: 'DeleteItem',
    Update: 'UpdateItem',
    Query: 'Query',
    Scan: 'Scan',
  };
  // Batch calls are authorised by the single-message action (SQS API reference).
  const sqsBatch: Record<string, string> = {
    SendMessageBatch: 'SendMessage',
    DeleteMessageBatch: 'DeleteMessage',
    ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
  };
  if (source.includes('lib-dynamodb')) return `dynamodb:${documentClient[command] ?? command}`;
  if (source.includes('client-dynamodb') || source === POWERTOOLS_IDEMPOTENCY) {
    return `dynamodb:${command}`;
  }
  if (source.includes('client-sqs')) return `sqs:${sqsBatch[command] ?? command}`;
  if (source.includes('client-secrets-manager')) return `secretsmanager:${command}`;
  if (source.includes('client-lambda') && command === 'Invoke') return 'lambda:InvokeFunction';
  throw new Error(`no IAM action known for ${source} ${command}`);
}

/** Commands each AWS adapter sends, read from its source, with the SDK package they come from. */
function adapterCommands(): Map<string, { source: string; commands: Set<string> }> {
  const out = new Map<string, { source: string; commands: Set<string> }>();
  for (const file of readdirSync(AWS_ADAPTERS).filter((f) => f.endsWith('.ts'))) {
    const code = readFileSync(path.join(AWS_ADAPTERS, file), 'utf8');
    const commands = new Set([...code.matchAll(/new (\w+)Command\(/g)].map((m) => m[1] as string));
    // Adapters take the SDK from its loaders, `#core/adapters/aws/sdk/<package>.ts`.
    const packages = [
      ...code.matchAll(/(?:from |import\()'#core\/adapters\/aws\/sdk\/([\w-]+)\.ts'/g),
    ].map((m) => `@aws-sdk/${m[1] as string}`);
    // An adapter on the document client takes only an error class from client-dynamodb.
    const source = packages.find(
      (s) => s !== '@aws-sdk/client-dynamodb' || !packages.includes('@aws-sdk/lib-dynamodb'),
    );
    out.set(file.replace(/\.ts$/, ''), { source: source ?? '', commands });
  }
  return out;
}

/** AWS adapters (and Powertools idempotency) a composition root imports. */
function adaptersImportedBy(id: FunctionId): Set<string> {
  const code = readFileSync(path.join(ROOT, 'functions', id, 'compose.ts'), 'utf8');
  const adapters = [
    ...code.matchAll(/(?:from |import\()'#core\/adapters\/aws\/([\w-]+)\.ts'/g),
  ].map((m) => m[1] as string);
  if (code.includes(`'${POWERTOOLS_IDEMPOTENCY}'`)) adapters.push(POWERTOOLS_IDEMPOTENCY);
  return new Set(adapters);
}

// Entra ID as a source: the configuration with every grant (the worker's Graph secret included).
const { stack } = buildApp({
  context: {
    stage: 'test',
    stages: { test: { graph: { subscriptionEnabled: true } } },
    'aws:cdk:bundling-stacks': [],
  },
});
const template = Template.fromStack(stack);
const logicalId = (c: { node: { defaultChild?: unknown } }) =>
  Stack.of(stack).getLogicalId(c.node.defaultChild as never);

/** Logical ids a CloudFormation value refers to (Ref / Fn::GetAtt, at any depth). */
function referencedIds(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return [v.Ref];
  if (Array.isArray(v['Fn::GetAtt'])) return [v['Fn::GetAtt'][0] as string];
  return Object.values(v).flatMap(referencedIds);
}

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function statementsOf(id: FunctionId): Statement[] {
  const roleId = logicalId(stack.functions[id].role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** Whether `action` is allowed on a resource of `resourceId`, optionally with an ARN suffix. */
function allows(id: FunctionId, action: string, resourceId: string, suffix?: string): boolean {
  return statementsOf(id).some(
    (s) =>
      s.Effect === 'Allow' &&
      [s.Action].flat().includes(action) &&
      [s.Resource].flat().some((r) => {
        if (!referencedIds(r).includes(resourceId)) return false;
        const text = JSON.stringify(r);
        return suffix === undefined ? !text.includes('/index/') : text.includes(`${suffix}"`);
      }),
  );
}

function environmentRef(id: FunctionId, name: EnvName | typeof EVENT_SOURCE_QUEUE): string {
  if (name === EVENT_SOURCE_QUEUE) {
    const fnId = logicalId(stack.functions[id].fn);
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) => referencedIds(m.Properties.FunctionName).includes(fnId),
    );
    const [queue] = referencedIds(mapping?.Properties.EventSourceArn);
    if (!queue) throw new Error(`${id}: no SQS event source`);
    return queue;
  }
  const resources = template.findResources('AWS::Lambda::Function');
  const fn = resources[logicalId(stack.functions[id].fn)];
  const value = fn?.Properties.Environment.Variables[name];
  const [ref] = referencedIds(value);
  if (!ref) throw new Error(`${id}: ${name} refers to no resource`);
  return ref;
}

describe('SDK calls and IAM grants', () => {
  const commands = adapterCommands();

  it.each(FUNCTION_IDS)('%s: the table lists exactly the AWS adapters its root imports', (id) => {
    const listed = new Set(USES[id].map((u) => u.adapter));
    expect([...listed].sort()).toEqual([...adaptersImportedBy(id)].sort());
  });

  it('lists only commands the adapters send, and every command some adapter sends', () => {
    const listed = new Map<string, Set<string>>();
    for (const use of Object.values(USES).flat()) {
      if (use.adapter === POWERTOOLS_IDEMPOTENCY) continue;
      const sent = commands.get(use.adapter)?.commands ?? new Set();
      for (const command of use.commands)
        expect(sent, `${use.adapter} ${command}`).toContain(command);
      const seen = listed.get(use.adapter) ?? new Set<string>();
      for (const command of use.commands) seen.add(command);
      listed.set(use.adapter, seen);
    }
    for (const [adapter, { commands: sent }] of commands) {
      expect([...(listed.get(adapter) ?? [])].sort(), adapter).toEqual([...sent].sort());
    }
  });

  it.each(FUNCTION_IDS)('%s: its role allows every call it makes, on that resource', (id) => {
    const missing: string[] = [];
    for (const use of USES[id]) {
      const source =
        use.adapter === POWERTOOLS_IDEMPOTENCY
          ? POWERTOOLS_IDEMPOTENCY
          : (commands.get(use.adapter)?.source ?? '');
      const resource = environmentRef(id, use.resource);
      for (const command of use.commands) {
        const action = iamAction(source, command);
        if (!allows(id, action, resource)) missing.push(`${action} on ${use.resource}`);
        // Lookups query the contract's indexes, which are separate IAM resources.
        if (action === 'dynamodb:Query' && use.adapter === 'dynamodb-identity-store') {
          for (const { indexName } of Object.values(IDENTITY_TABLE.indexes)) {
            if (!allows(id, action, resource, `/index/${indexName}`)) {
              missing.push(`${action} on ${use.resource} index ${indexName}`);
            }
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  // The SQS event source mapping polls with the worker's role.
  it('lets the worker event source mapping consume the work queue', () => {
    const queue = logicalId(stack.workQueue.queue);
    for (const action of [
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      'sqs:GetQueueAttributes',
    ]) {
      expect(allows('worker', action, queue), action).toBe(true);
    }
  });
});
