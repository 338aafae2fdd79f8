import { resolve } from 'node:path';
import type { DescribeStacksCommandOutput } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbIdentityLinks } from '#core/adapters/aws/dynamodb-identity-links.ts';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { LambdaTokenRefresher } from '#core/adapters/aws/lambda-token-refresher.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { SqsDeadLetterSource } from '#core/adapters/aws/sqs-dead-letter-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import type { Dispatcher } from '#core/adapters/http/transport.ts';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { booleanFlag } from '#core/config/parse-env.ts';
import { HELPCENTER_DIALECTS } from '#core/config/worker-config.ts';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { ENV } from '#core/contract/env-names.ts';
import { zohoAccountsUrl } from '#core/contract/zoho-data-centres.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { ConfigError, SecretError } from '#core/domain/errors.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';
import type { IdentityLinkWriter, IdentityStore } from '#core/ports/identity-store.ts';
import { silentLogger } from '#core/ports/logger.ts';
import type { SecretSource, SecretWriter } from '#core/ports/secret-source.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
import { FileIdentityStore } from '../local/adapters/file-identity-store.ts';
import { InMemoryIdentityStore } from '../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../local/adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from '../local/adapters/in-process-token-refresher.ts';
import { loadLocalConfig } from '../local/config.ts';
import { loadSeed } from '../local/sandbox/seed.ts';
import { UsageError } from './args.ts';
import { type DlqReader, FileDlqReader, SqsDlqReader } from './dlq-reader.ts';

/** CloudFormation output of the stack (infra/stack.ts `createOutputs`) → the env name it fills. */
const STACK_OUTPUTS: Record<string, string> = {
  WorkQueueUrl: ENV.WORK_QUEUE_URL,
  DeadLetterQueueUrl: ENV.DEAD_LETTER_QUEUE_URL,
  ZohoOAuthSecretArn: ENV.ZOHO_OAUTH_SECRET_ARN,
  ZohoTokenSecretArn: ENV.ZOHO_TOKEN_SECRET_ARN,
  WebhookSecretArn: ENV.WEBHOOK_SECRET_ARN,
  IdentityTableName: ENV.IDENTITY_TABLE_NAME,
  IdempotencyTableName: ENV.IDEMPOTENCY_TABLE_NAME,
  TokenRefresherFunctionName: ENV.TOKEN_REFRESHER_FUNCTION_NAME,
  ApiUrl: 'API_URL',
};

export interface LocalTarget {
  kind: 'local';
  env: Record<string, string | undefined>;
  dataDir: string;
  /** The local runner (`npm start`). */
  runnerUrl: string;
  dlqPath: string;
  identityPath: string;
}

export interface AwsTarget {
  kind: 'aws';
  env: Record<string, string | undefined>;
  stage?: string;
}

export type Target = LocalTarget | AwsTarget;

export interface TargetFlags {
  aws?: boolean;
  stage?: string;
  url?: string;
}

/**
 * Which service the CLI talks to: a deployed stack or moto (`--aws`, `--stage`, or the functions'
 * env names / AWS_ENDPOINT_URL set), else the local runner and its files under LOCAL_DATA_DIR.
 * @throws UsageError, ConfigError
 */
export async function resolveTarget(
  flags: TargetFlags,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<Target> {
  const awsHinted =
    env.AWS_ENDPOINT_URL !== undefined ||
    env[ENV.WORK_QUEUE_URL] !== undefined ||
    env[ENV.DEAD_LETTER_QUEUE_URL] !== undefined;
  if (flags.stage !== undefined) {
    const outputs = await readStackOutputs(flags.stage);
    return { kind: 'aws', env: { ...outputs, ...definedOnly(env) }, stage: flags.stage };
  }
  if (flags.aws || awsHinted) return { kind: 'aws', env };
  const dataDir = resolve(cwd, env.LOCAL_DATA_DIR ?? '.local');
  const runnerUrl =
    flags.url ?? `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? '3000'}`.replace(/\/$/, '');
  return {
    kind: 'local',
    env,
    dataDir,
    runnerUrl,
    dlqPath: resolve(dataDir, 'dlq.jsonl'),
    identityPath: resolve(dataDir, 'identities.json'),
  };
}

function definedOnly(env: Record<string, string | undefined>) {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

/**
 * Reads the stack's outputs (`HelpcenterDeprovisioner-<stage>`) with @aws-sdk/client-cloudformation
 * (loaded only for `--stage`). @throws ConfigError
 */
async function readStackOutputs(stage: string): Promise<Record<string, string>> {
  const stackName = `HelpcenterDeprovisioner-${stage}`;
  let out: DescribeStacksCommandOutput;
  try {
    const { CloudFormationClient, DescribeStacksCommand } = await import(
      '@aws-sdk/client-cloudformation'
    );
    out = await new CloudFormationClient({}).send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
  } catch (error) {
    throw new ConfigError(
      `--stage ${stage}: stack ${stackName} could not be read (${(error as Error).message.split('\n')[0]}); check the stage name, region and credentials, or set the env names from the stack outputs`,
      ['--stage'],
    );
  }
  const env: Record<string, string> = {};
  for (const output of out.Stacks?.[0]?.Outputs ?? []) {
    const name = output.OutputKey ? STACK_OUTPUTS[output.OutputKey] : undefined;
    if (name && output.OutputValue) env[name] = output.OutputValue;
  }
  return env;
}

/** The value of a required env name. @throws ConfigError naming it */
/** A boolean setting read the way the functions read it (booleanFlag); unset gives `fallback`. */
function parseFlag(target: AwsTarget, name: string, fallback: boolean): boolean {
  const value = target.env[name];
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = booleanFlag.safeParse(value.trim());
  if (!parsed.success) {
    throw new ConfigError(`${name} must be true or false (got an unreadable value)`, [name]);
  }
  return parsed.data;
}

export function required(target: AwsTarget, name: string): string {
  const value = target.env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigError(
      `${name} is not set: set it to the stack output${target.stage ? '' : ' or pass --stage <stage>'}`,
      [name],
    );
  }
  return value.trim();
}

const awsClients = new Map<string, unknown>();
function client<T>(key: string, make: () => T): T {
  if (!awsClients.has(key)) awsClients.set(key, make());
  return awsClients.get(key) as T;
}

// With an explicit endpoint (moto, LocalStack) talk to it, not to the host named in the queue URL.
export const sqsClient = () =>
  client(
    'sqs',
    () => new SQSClient(process.env.AWS_ENDPOINT_URL ? { useQueueUrlAsEndpoint: false } : {}),
  );
export const secretsClient = () => client('secrets', () => new SecretsManagerClient({}));
export const documentClient = () =>
  client('dynamo', () =>
    DynamoDBDocumentClient.from(new DynamoDBClient({}), {
      marshallOptions: { removeUndefinedValues: true },
    }),
  );

/** Reads the dead-letter queue without consuming or hiding records. */
export function buildDlqReader(target: Target): DlqReader {
  return target.kind === 'local'
    ? new FileDlqReader(target.dlqPath)
    : new SqsDlqReader(sqsClient(), required(target, ENV.DEAD_LETTER_QUEUE_URL));
}

/** The redrive's ports on AWS (the same adapters as the redrive Lambda's composition root). */
export function buildAwsRedrivePorts(target: AwsTarget) {
  return {
    deadLetters: new SqsDeadLetterSource(sqsClient(), required(target, ENV.DEAD_LETTER_QUEUE_URL)),
    queue: new SqsWorkQueue(sqsClient(), required(target, ENV.WORK_QUEUE_URL)),
  };
}

/** The identity store: the runner's file locally, the DynamoDB table on AWS. */
export async function buildIdentityStore(target: Target): Promise<IdentityStore> {
  return target.kind === 'local'
    ? FileIdentityStore.open(target.identityPath)
    : new DynamoDbIdentityStore(documentClient(), required(target, ENV.IDENTITY_TABLE_NAME));
}

/** Secrets held by this process only (the local runner's secrets come from env, never disk). */
class ProcessSecrets implements SecretSource, SecretWriter {
  private readonly values = new Map<string, string>();
  constructor(initial: Record<string, string>) {
    for (const [k, v] of Object.entries(initial)) this.values.set(k, v);
  }
  async getSecretString(secretId: string): Promise<string> {
    const value = this.values.get(secretId);
    if (value === undefined) throw new SecretError(`Secret ${secretId} is not set`, false);
    return value;
  }
  async putSecretString(secretId: string, value: string): Promise<void> {
    this.values.set(secretId, value);
  }
}

/** Dead letters of a manual run: kept for the report, not written to the service's DLQ. */
export class CapturedDeadLetters implements DeadLetterQueue {
  readonly records: DeadLetterRecord[] = [];
  async send(record: DeadLetterRecord): Promise<void> {
    this.records.push(record);
  }
}

/**
 * When a failure says nothing listens at the Help Center (its code is ECONNREFUSED), what to do
 * about it: locally the sandbox runs inside `npm start`; on AWS the URL or data centre is wrong.
 * Otherwise undefined.
 */
export function unreachableFix(
  target: Target,
  baseUrl: string,
  failure: { errorCode?: string | undefined },
): string | undefined {
  if (failure.errorCode !== 'ECONNREFUSED') return undefined;
  return `nothing answers at ${baseUrl}: ${target.kind === 'local' ? 'start `npm start` (it runs the sandbox Help Center), or set HELPCENTER_BASE_URL' : 'check HELPCENTER_BASE_URL or the data centre in the OAuth secret'}`;
}

/**
 * The worker's dependency graph for one manual request, built with the same `assembleWorker` as the
 * worker Lambda and the local runner. Locally it reads the runner's env (the sandbox on
 * SANDBOX_PORT and its seed unless HELPCENTER_BASE_URL and ZOHO_* are set) and a read-only copy of
 * the identity file; on AWS the secrets, token secret and identity table the functions use.
 * @throws ConfigError naming the missing setting
 */
export async function buildWorker(target: Target) {
  const deadLetters = new CapturedDeadLetters();
  const guard = new InMemoryRateGuard(1_000_000, 1, { now: () => new Date() });
  let settings: {
    dialect: (typeof HELPCENTER_DIALECTS)[number];
    ids?: string[];
    base?: string;
    removePortalAccess: boolean;
  };
  let identityLinks: IdentityLinkWriter | undefined;
  let secrets: SecretSource & SecretWriter;
  let oauthSecretId: string;
  let tokenSecretId: string;
  let identityStore: IdentityStore;
  let refresher: TokenRefresher;
  let dispatcher: Dispatcher;
  if (target.kind === 'local') {
    const config = loadLocalConfig(target.env);
    const seed =
      config.HELPCENTER_BASE_URL === undefined ? await loadSeed(config.SANDBOX_SEED) : undefined;
    const base = config.HELPCENTER_BASE_URL ?? `http://${config.HOST}:${config.SANDBOX_PORT}`;
    const ids = config.HELPCENTER_IDS ?? seed?.helpCenters.map((hc) => hc.id);
    oauthSecretId = 'cli/zoho-oauth';
    tokenSecretId = 'cli/zoho-token';
    secrets = new ProcessSecrets({
      [oauthSecretId]: JSON.stringify({
        clientId: config.ZOHO_CLIENT_ID ?? seed?.oauth.clientId,
        clientSecret: config.ZOHO_CLIENT_SECRET ?? seed?.oauth.clientSecret,
        refreshToken: config.ZOHO_REFRESH_TOKEN ?? seed?.oauth.refreshToken,
        orgId: config.ZOHO_ORG_ID ?? seed?.orgId,
        accountsUrl:
          config.ZOHO_ACCOUNTS_URL ??
          (config.ZOHO_DATA_CENTRE ? zohoAccountsUrl(config.ZOHO_DATA_CENTRE) : base),
        ...(ids ? { helpCenterIds: ids } : {}),
      }),
    });
    // A copy: the runner owns the file while it runs, so a manual run never rewrites it.
    const file = await FileIdentityStore.open(target.identityPath);
    identityStore = new InMemoryIdentityStore(file.snapshot());
    settings = {
      dialect: config.HELPCENTER_API,
      base,
      ...(ids ? { ids } : {}),
      removePortalAccess: config.REMOVE_PORTAL_ACCESS,
    };
    dispatcher = createZohoAgent({ timeoutMs: config.HELPCENTER_TIMEOUT_MS, connections: 5 });
    refresher = inProcessRefresher(secrets, dispatcher, oauthSecretId, tokenSecretId);
  } else {
    const dialect = target.env[ENV.HELPCENTER_API] ?? 'user-groups-delete';
    if (!(HELPCENTER_DIALECTS as readonly string[]).includes(dialect)) {
      throw new ConfigError(
        `${ENV.HELPCENTER_API} must be one of ${HELPCENTER_DIALECTS.join(', ')}`,
        [ENV.HELPCENTER_API],
      );
    }
    const ids = target.env[ENV.HELPCENTER_IDS]
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const base = target.env[ENV.HELPCENTER_BASE_URL];
    settings = {
      dialect: dialect as (typeof HELPCENTER_DIALECTS)[number],
      ...(ids && ids.length > 0 ? { ids } : {}),
      ...(base ? { base } : {}),
      removePortalAccess: parseFlag(target, ENV.REMOVE_PORTAL_ACCESS, DEFAULTS.removePortalAccess),
    };
    oauthSecretId = required(target, ENV.ZOHO_OAUTH_SECRET_ARN);
    tokenSecretId = required(target, ENV.ZOHO_TOKEN_SECRET_ARN);
    secrets = new SecretsManagerSecretSource(secretsClient(), { ttlMs: 30_000 });
    identityStore = new DynamoDbIdentityStore(
      documentClient(),
      required(target, ENV.IDENTITY_TABLE_NAME),
    );
    // As the worker does: links found by exact email are written back (conditional writes).
    identityLinks = new DynamoDbIdentityLinks(
      documentClient(),
      required(target, ENV.IDENTITY_TABLE_NAME),
    );
    dispatcher = createZohoAgent({
      timeoutMs: DEFAULTS.helpCenterTimeoutMs,
      connections: DEFAULTS.helpCenterConcurrency,
    });
    const fn = target.env[ENV.TOKEN_REFRESHER_FUNCTION_NAME];
    refresher = fn
      ? new LambdaTokenRefresher(new LambdaClient({}), fn)
      : inProcessRefresher(secrets, dispatcher, oauthSecretId, tokenSecretId);
  }
  const deps = await assembleWorker(
    {
      dialect: settings.dialect,
      ...(settings.ids ? { helpCenterIds: settings.ids } : {}),
      ...(settings.base ? { helpCenterBaseUrl: settings.base } : {}),
      concurrency: 5,
      timeoutMs: 8_000,
      maxReceiveCount: 1,
      maxInCallRetries: 3,
      dryRun: false,
      verifyAfterRemove: false,
      removePortalAccess: settings.removePortalAccess,
      guardMaxRequests: 1_000_000,
      guardWindowSeconds: 1,
    },
    {
      secrets,
      oauthSecretId,
      tokenSecretId,
      refresher,
      identityStore,
      ...(identityLinks ? { identityLinks } : {}),
      deadLetters,
      guard,
      dispatcher,
      logger: silentLogger,
    },
  );
  return {
    deps,
    deadLetters,
    dialect: settings.dialect,
    removePortalAccess: settings.removePortalAccess,
    close: () => dispatcher.close(),
  };
}

function inProcessRefresher(
  secrets: SecretSource & SecretWriter,
  dispatcher: Dispatcher,
  oauthSecretId: string,
  tokenSecretId: string,
) {
  return new InProcessTokenRefresher({
    secrets,
    writer: secrets,
    minter: new ZohoAccountsClient(dispatcher, { timeoutMs: 8_000 }),
    oauthSecretId,
    tokenSecretId,
    logger: silentLogger,
  });
}

/** Whether the local runner answers its health check (and its queue depth when it does). */
export async function runnerHealth(
  target: LocalTarget,
): Promise<{ up: boolean; queueDepth?: number | null; mode?: string }> {
  try {
    const res = await fetch(`${target.runnerUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
    if (res.status !== 200) return { up: false };
    const body = (await res.json()) as { queueDepth?: number | null; mode?: string };
    return { up: true, ...body };
  } catch {
    return { up: false };
  }
}

export { UsageError };
