import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { EnvName } from '../../functions/core/contract/env-names.ts';
import type { ServiceFunction } from './service-function.ts';

/**
 * Bind helpers: each sets the variable a function reads and grants exactly the access it needs,
 * in one call, so an environment variable never exists without its permission (or the reverse).
 * Statements name single resources; no wildcards.
 */

const QUEUE_ACTIONS = {
  send: ['sqs:SendMessage'],
  receive: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'],
} as const;

export type QueueAccess = keyof typeof QUEUE_ACTIONS;

/** Sets `name` to the queue URL and allows the given operations on that queue. */
export function bindQueue(
  fn: ServiceFunction,
  name: EnvName,
  queue: IQueue,
  access: readonly QueueAccess[],
): void {
  fn.addEnvironment(name, queue.queueUrl);
  const actions = access.flatMap((a) => QUEUE_ACTIONS[a]);
  if (actions.length === 0) return;
  fn.addToRolePolicy(allow(actions, [queue.queueArn]));
}

const SECRET_ACTIONS = {
  read: ['secretsmanager:GetSecretValue'],
  write: ['secretsmanager:PutSecretValue'],
} as const;

export type SecretAccess = keyof typeof SECRET_ACTIONS;

/** Sets `name` to the secret ARN and allows reading (and, for `write`, storing a new version). */
export function bindSecret(
  fn: ServiceFunction,
  name: EnvName,
  secret: ISecret,
  access: readonly SecretAccess[] = ['read'],
): void {
  fn.addEnvironment(name, secret.secretArn);
  fn.addToRolePolicy(
    allow(
      access.flatMap((a) => SECRET_ACTIONS[a]),
      [secret.secretArn],
    ),
  );
  // Secrets encrypted with a customer key also need kms:Decrypt on that key.
  if (secret.encryptionKey) {
    secret.encryptionKey.grantDecrypt(fn.role);
    if (access.includes('write')) secret.encryptionKey.grantEncrypt(fn.role);
  }
}

/** Item-level read/write: what an identity store and Powertools idempotency use. */
const TABLE_READ_WRITE = [
  'dynamodb:BatchGetItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DeleteItem',
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:UpdateItem',
];

/** Sets `name` to the table name and allows item read/write on the table and its named indexes. */
export function bindTable(
  fn: ServiceFunction,
  name: EnvName,
  table: ITable,
  indexNames: readonly string[] = [],
): void {
  fn.addEnvironment(name, table.tableName);
  const resources = [table.tableArn, ...indexNames.map((i) => `${table.tableArn}/index/${i}`)];
  fn.addToRolePolicy(allow(TABLE_READ_WRITE, resources));
}

/** Sets `name` to the target's function name and allows invoking exactly that function. */
export function bindInvoke(fn: ServiceFunction, name: EnvName, target: ServiceFunction): void {
  fn.addEnvironment(name, target.fn.functionName);
  fn.addToRolePolicy(allow(['lambda:InvokeFunction'], [target.fn.functionArn]));
}

function allow(actions: readonly string[], resources: string[]): PolicyStatement {
  return new PolicyStatement({ effect: Effect.ALLOW, actions: [...actions], resources });
}
