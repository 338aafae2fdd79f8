import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../infra/build-app.ts';
import type { StageConfigInput } from '../infra/config.ts';
import { FUNCTION_IDS, type FunctionId } from '../infra/function-env.ts';
import type { DeprovisionerStack } from '../infra/stack.ts';

/*
 * The stack's data resources made from its synthesized template on an AWS API endpoint (moto or
 * LocalStack): `resources create|delete` (cli/commands/resources.ts) and the integration tests
 * (test/integration/stack-resources.ts) share this module. It imports aws-cdk-lib, a
 * devDependency, so the CLI loads it with a dynamic import.
 */

type CfnValue = unknown;
interface CfnResource {
  Type: string;
  Properties?: Record<string, CfnValue>;
}
export interface SynthesizedStack {
  stack: DeprovisionerStack;
  resources: Record<string, CfnResource>;
  /** Logical id of each function's AWS::Lambda::Function resource. */
  functionIds: Record<FunctionId, string>;
}

/**
 * Synthesizes the real stack in-process for a stage config (bundling skipped: only the template
 * matters here). The integration tests build their AWS resources from this template, so a name the
 * stack changes (index, queue attribute, env var) changes what the tests run against.
 */
export function synthesizeStack(stage: StageConfigInput = {}, stageName = 'it'): SynthesizedStack {
  const { stack } = buildApp({
    context: { stage: stageName, stages: { [stageName]: stage }, 'aws:cdk:bundling-stacks': [] },
  });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, CfnResource>;
  const functionIds = Object.fromEntries(
    FUNCTION_IDS.map((id) => [
      id,
      Stack.of(stack).getLogicalId(stack.functions[id].fn.node.defaultChild as never),
    ]),
  ) as Record<FunctionId, string>;
  return { stack, resources, functionIds };
}

let defaultStack: SynthesizedStack | undefined;

/** A template table's CreateTable input: keys, billing mode and indexes as the stack declares them. */
function createTableInput(p: Record<string, CfnValue>): Omit<CreateTableCommandInput, 'TableName'> {
  return {
    AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: p.KeySchema as CreateTableCommandInput['KeySchema'],
    BillingMode: p.BillingMode as CreateTableCommandInput['BillingMode'],
    ...(p.GlobalSecondaryIndexes
      ? {
          GlobalSecondaryIndexes:
            p.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
        }
      : {}),
  };
}

/**
 * A table's CreateTable input as the default stage's template defines it (key schema, attribute
 * definitions, GSIs, billing), plus its TTL specification.
 */
export function tableFromTemplate(which: 'identity' | 'idempotency'): {
  input: Omit<CreateTableCommandInput, 'TableName'>;
  ttl?: { AttributeName: string; Enabled: boolean };
} {
  defaultStack ??= synthesizeStack();
  const { stack, resources } = defaultStack;
  const id = Stack.of(stack).getLogicalId(stack.tables[which].node.defaultChild as never);
  const p = resources[id]?.Properties ?? {};
  const ttl = p.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean } | undefined;
  return {
    input: createTableInput(p),
    ...(ttl ? { ttl } : {}),
  };
}

interface Physical {
  /** What `Ref` returns (table name, queue URL, secret ARN, function name, API id). */
  ref: string;
  /** `Fn::GetAtt` values by attribute name. */
  attributes: Record<string, string>;
}

/** What `create` or `delete` did to one resource of the template. */
export interface ResourceOutcome {
  logicalId: string;
  type: 'AWS::DynamoDB::Table' | 'AWS::SQS::Queue' | 'AWS::SecretsManager::Secret';
  name: string;
  status: 'created' | 'exists' | 'deleted' | 'absent';
}

export interface StackResourcesOptions {
  /** Every physical name is `<prefix>-<logical id, at most 40 characters>`. */
  prefix: string;
}

/** A prefix SQS, DynamoDB and Secrets Manager all accept in a name (queues allow the fewest). */
export const RESOURCE_PREFIX = /^[A-Za-z0-9][A-Za-z0-9-]{0,29}$/;

const DATA_TYPES = [
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
] as const;

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? '';
}

/**
 * The data resources of a synthesized template, created on the endpoint in `AWS_ENDPOINT_URL`
 * (moto in CI) by translating each resource's properties: DynamoDB tables with their key schema,
 * GSIs and TTL; SQS queues with their redrive policies (dead-letter queues first); secrets with
 * their initial or generated value. Functions and the HTTP API are not created; references to them
 * resolve to stable placeholder names, so every function's environment resolves completely.
 * Names are `<prefix>-<logical id>`: a second `create` with the same prefix finds the resources
 * and reports them as `exists` (their settings and values are left as they are).
 */
export class StackResources {
  readonly region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  readonly dynamodb = new DynamoDBClient({ region: this.region });
  readonly sqs = new SQSClient({ region: this.region });
  readonly secrets = new SecretsManagerClient({ region: this.region });
  private readonly physical = new Map<string, Physical>();
  /** One line per table, queue and secret, in the order they were created or found. */
  readonly outcomes: ResourceOutcome[] = [];

  private constructor(
    readonly synthesized: SynthesizedStack,
    private readonly prefix: string,
  ) {
    if (!RESOURCE_PREFIX.test(prefix)) {
      throw new Error(
        `resource prefix "${prefix}": letters, digits and dashes, at most 30, starting with a letter or digit`,
      );
    }
  }

  /** Creates (or finds, by name) every table, queue and secret of the template. */
  static async create(
    synthesized: SynthesizedStack,
    options: StackResourcesOptions,
  ): Promise<StackResources> {
    const created = new StackResources(synthesized, options.prefix);
    await created.createAll();
    return created;
  }

  /**
   * Deletes every table, queue and secret of the template named with `prefix` (secrets without
   * a recovery window); what was not there is reported `absent`.
   */
  static async delete(
    synthesized: SynthesizedStack,
    options: StackResourcesOptions,
  ): Promise<ResourceOutcome[]> {
    const resources = new StackResources(synthesized, options.prefix);
    const outcomes: ResourceOutcome[] = [];
    for (const type of DATA_TYPES) {
      for (const [id] of resources.ofType(type)) {
        const name = resources.name(id);
        const deleted = await resources.deleteByName(type, name);
        outcomes.push({ logicalId: id, type, name, status: deleted ? 'deleted' : 'absent' });
      }
    }
    return outcomes;
  }

  private async deleteByName(type: (typeof DATA_TYPES)[number], name: string): Promise<boolean> {
    try {
      if (type === 'AWS::DynamoDB::Table') {
        await this.dynamodb.send(new DeleteTableCommand({ TableName: name }));
      } else if (type === 'AWS::SQS::Queue') {
        const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
        await this.sqs.send(new DeleteQueueCommand({ QueueUrl }));
      } else {
        // DeleteSecret without recovery answers success for a missing secret: look it up first.
        const { ARN } = await this.secrets.send(new DescribeSecretCommand({ SecretId: name }));
        await this.secrets.send(
          new DeleteSecretCommand({ SecretId: ARN, ForceDeleteWithoutRecovery: true }),
        );
      }
      return true;
    } catch (error) {
      if (
        [
          'ResourceNotFoundException',
          'QueueDoesNotExist',
          'AWS.SimpleQueueService.NonExistentQueue',
        ].includes(errorName(error))
      ) {
        return false;
      }
      throw error;
    }
  }

  private name(logicalId: string): string {
    return `${this.prefix}-${logicalId.slice(0, 40)}`;
  }

  private ofType(type: string): Array<[string, CfnResource]> {
    return Object.entries(this.synthesized.resources).filter(([, r]) => r.Type === type);
  }

  private async createAll(): Promise<void> {
    for (const [id, resource] of this.ofType('AWS::DynamoDB::Table')) {
      await this.createTable(id, resource.Properties ?? {});
    }
    // Queues named as a dead-letter target first, so redrive policies can point at them.
    const queues = this.ofType('AWS::SQS::Queue').sort(
      ([, a], [, b]) =>
        Number(Boolean(a.Properties?.RedrivePolicy)) - Number(Boolean(b.Properties?.RedrivePolicy)),
    );
    for (const [id, resource] of queues) await this.createQueue(id, resource.Properties ?? {});
    for (const [id, resource] of this.ofType('AWS::SecretsManager::Secret')) {
      await this.createSecret(id, resource.Properties ?? {});
    }
    for (const [id] of this.ofType('AWS::Lambda::Function')) {
      const name = this.name(id);
      this.physical.set(id, {
        ref: name,
        attributes: { Arn: `arn:aws:lambda:${this.region}:123456789012:function:${name}` },
      });
    }
    for (const [id] of this.ofType('AWS::ApiGatewayV2::Api')) {
      const apiId = `${this.prefix.replace(/[^A-Za-z0-9]/g, '').toLowerCase()}api`;
      this.physical.set(id, {
        ref: apiId,
        attributes: { ApiEndpoint: `https://${apiId}.execute-api.${this.region}.amazonaws.com` },
      });
    }
  }

  private async createTable(id: string, p: Record<string, CfnValue>): Promise<void> {
    const TableName = this.name(id);
    const input: CreateTableCommandInput = { TableName, ...createTableInput(p) };
    let arn: string;
    try {
      const out = await this.dynamodb.send(new CreateTableCommand(input));
      arn = out.TableDescription?.TableArn ?? '';
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
      const found = await this.dynamodb.send(new DescribeTableCommand({ TableName }));
      this.physical.set(id, { ref: TableName, attributes: { Arn: found.Table?.TableArn ?? '' } });
      this.outcomes.push({
        logicalId: id,
        type: 'AWS::DynamoDB::Table',
        name: TableName,
        status: 'exists',
      });
      return;
    }
    await waitUntilTableExists({ client: this.dynamodb, maxWaitTime: 30 }, { TableName });
    const ttl = p.TimeToLiveSpecification as
      | { AttributeName: string; Enabled: boolean }
      | undefined;
    if (ttl) {
      await this.dynamodb.send(
        new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: ttl }),
      );
    }
    this.physical.set(id, { ref: TableName, attributes: { Arn: arn } });
    this.outcomes.push({
      logicalId: id,
      type: 'AWS::DynamoDB::Table',
      name: TableName,
      status: 'created',
    });
  }

  private async createQueue(id: string, p: Record<string, CfnValue>): Promise<void> {
    const QueueName = this.name(id);
    let url = await this.sqs.send(new GetQueueUrlCommand({ QueueName })).then(
      (out) => out.QueueUrl,
      (error: unknown) => {
        if (
          ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes(
            errorName(error),
          )
        ) {
          return undefined;
        }
        throw error;
      },
    );
    const existed = url !== undefined;
    if (url === undefined) {
      const attributes: Record<string, string> = {};
      for (const key of ['VisibilityTimeout', 'MessageRetentionPeriod', 'SqsManagedSseEnabled']) {
        if (p[key] !== undefined) attributes[key] = String(p[key]);
      }
      const redrive = p.RedrivePolicy as
        | { deadLetterTargetArn: CfnValue; maxReceiveCount: number }
        | undefined;
      if (redrive) {
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: this.resolve(redrive.deadLetterTargetArn),
          maxReceiveCount: redrive.maxReceiveCount,
        });
      }
      const out = await this.sqs.send(
        new CreateQueueCommand({ QueueName, Attributes: attributes }),
      );
      url = out.QueueUrl ?? '';
    }
    const arn = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    this.physical.set(id, {
      ref: url,
      attributes: {
        Arn: arn.Attributes?.QueueArn ?? '',
        QueueName: url.split('/').pop() ?? '',
        QueueUrl: url,
      },
    });
    this.outcomes.push({
      logicalId: id,
      type: 'AWS::SQS::Queue',
      name: QueueName,
      status: existed ? 'exists' : 'created',
    });
  }

  /** `SecretString` as is; `GenerateSecretString` as Secrets Manager would generate it. */
  private async createSecret(id: string, p: Record<string, CfnValue>): Promise<void> {
    const Name = this.name(id);
    let value = p.SecretString as string | undefined;
    const generate = p.GenerateSecretString as
      | { SecretStringTemplate?: string; GenerateStringKey?: string; PasswordLength?: number }
      | undefined;
    if (generate?.GenerateStringKey) {
      const template = JSON.parse(generate.SecretStringTemplate ?? '{}') as object;
      const generated = randomBytes(generate.PasswordLength ?? 32)
        .toString('base64url')
        .slice(0, generate.PasswordLength ?? 32);
      value = JSON.stringify({ ...template, [generate.GenerateStringKey]: generated });
    }
    let arn: string;
    let status: ResourceOutcome['status'] = 'created';
    try {
      const out = await this.secrets.send(
        new CreateSecretCommand({ Name, SecretString: value ?? '{}' }),
      );
      arn = out.ARN ?? '';
    } catch (error) {
      if (errorName(error) !== 'ResourceExistsException') throw error;
      const found = await this.secrets.send(new DescribeSecretCommand({ SecretId: Name }));
      arn = found.ARN ?? '';
      status = 'exists';
    }
    this.physical.set(id, { ref: arn, attributes: { Id: arn } });
    this.outcomes.push({ logicalId: id, type: 'AWS::SecretsManager::Secret', name: Name, status });
  }

  /**
   * Resolves a CloudFormation value: literals, `Ref`, `Fn::GetAtt`, `Fn::Join` and the pseudo
   * parameters. @throws Error naming anything it cannot resolve (a new kind of reference).
   */
  resolve(value: CfnValue): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    const v = value as Record<string, unknown>;
    if ('Ref' in v) {
      const ref = v.Ref as string;
      if (ref === 'AWS::Region') return this.region;
      if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
      if (ref === 'AWS::AccountId') return '123456789012';
      if (ref === 'AWS::Partition') return 'aws';
      const found = this.physical.get(ref);
      if (!found) throw new Error(`unresolved Ref ${ref}`);
      return found.ref;
    }
    if ('Fn::GetAtt' in v) {
      const [id, attribute] = v['Fn::GetAtt'] as [string, string];
      const found = this.physical.get(id)?.attributes[attribute];
      if (found === undefined) throw new Error(`unresolved Fn::GetAtt ${id}.${attribute}`);
      return found;
    }
    if ('Fn::Join' in v) {
      const [separator, parts] = v['Fn::Join'] as [string, CfnValue[]];
      return parts.map((part) => this.resolve(part)).join(separator);
    }
    throw new Error(`unsupported CloudFormation value ${JSON.stringify(value)}`);
  }

  /** The function's environment exactly as the template sets it, references resolved. */
  environmentOf(id: FunctionId): Record<string, string> {
    const resource = this.synthesized.resources[this.synthesized.functionIds[id]];
    const variables = (
      resource?.Properties?.Environment as { Variables?: Record<string, CfnValue> } | undefined
    )?.Variables;
    if (!variables) throw new Error(`${id} has no environment in the template`);
    return Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [name, this.resolve(value)]),
    );
  }

  /** The physical name/URL/ARN of a construct's resource (what `Ref` returns). */
  refOf(construct: { node: { defaultChild?: unknown } }): string {
    const id = Stack.of(this.synthesized.stack).getLogicalId(construct.node.defaultChild as never);
    const found = this.physical.get(id);
    if (!found) throw new Error(`resource ${id} was not created`);
    return found.ref;
  }

  /** What an operator does after deploying: merge keys into a secret (README "Deploy"). */
  async putSecretKeys(secretArn: string, keys: Record<string, unknown>): Promise<void> {
    const current = await this.secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    const merged = { ...(JSON.parse(current.SecretString ?? '{}') as object), ...keys };
    await this.secrets.send(
      new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify(merged) }),
    );
  }

  /** Deletes every table, queue and secret it created (all attempted). */
  async cleanup(): Promise<void> {
    const deletions: Array<Promise<unknown>> = [];
    for (const [id, resource] of Object.entries(this.synthesized.resources)) {
      const physical = this.physical.get(id);
      if (!physical) continue;
      if (resource.Type === 'AWS::DynamoDB::Table') {
        deletions.push(this.dynamodb.send(new DeleteTableCommand({ TableName: physical.ref })));
      } else if (resource.Type === 'AWS::SQS::Queue') {
        deletions.push(this.sqs.send(new DeleteQueueCommand({ QueueUrl: physical.ref })));
      } else if (resource.Type === 'AWS::SecretsManager::Secret') {
        deletions.push(
          this.secrets.send(
            new DeleteSecretCommand({ SecretId: physical.ref, ForceDeleteWithoutRecovery: true }),
          ),
        );
      }
    }
    await Promise.allSettled(deletions);
    this.physical.clear();
  }
}
