import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import { join, resolve } from 'node:path';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDbGraphStateStore } from '#core/adapters/aws/dynamodb-graph-state-store.ts';
import { DynamoDbIdentityLinks } from '#core/adapters/aws/dynamodb-identity-links.ts';
import { DynamoDbIdentityStore } from '#core/adapters/aws/dynamodb-identity-store.ts';
import { DynamoDbRateGuard } from '#core/adapters/aws/dynamodb-rate-guard.ts';
import { SecretsManagerSecretSource } from '#core/adapters/aws/secrets-manager-secret-source.ts';
import { SqsDeadLetterQueue } from '#core/adapters/aws/sqs-dead-letter-queue.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { MAX_IDS_PER_REQUEST } from '#core/adapters/zoho/request-builders.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { buildGraphWorkerDeps } from '#core/compose/graph-worker-wiring.ts';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { assertMappedGroupsExist } from '#core/config/group-mapping-check.ts';
import { LOCAL_ROUTE } from '#core/contract/routes.ts';
import { IDEMPOTENCY_TABLE } from '#core/contract/tables.ts';
import { zohoAccountsUrl } from '#core/contract/zoho-data-centres.ts';
import { createWorkerHandler } from '#core/deprovision/batch.ts';
import { createRedriveHandler } from '#core/deprovision/redrive-handler.ts';
import { graphDeltaResyncRequest } from '#core/domain/deprovision-request.ts';
import { ConfigError, isAppError } from '#core/domain/errors.ts';
import { DEFAULT_GRAPH_BASE_URL, DEFAULT_GRAPH_LOGIN_URL } from '#core/intake/graph/config.ts';
import {
  checkWebhookSecrets,
  createIngestHandler,
  type IngestDeps,
} from '#core/intake/ingest-handler.ts';
import { systemClock } from '#core/ports/clock.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';
import type { GraphStateStore } from '#core/ports/graph-state-store.ts';
import type { IdentityLinkWriter, IdentityStore } from '#core/ports/identity-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { RateGuard } from '#core/ports/rate-guard.ts';
import type { SecretSource, SecretWriter } from '#core/ports/secret-source.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';
import { StaticSecretSource } from '../test/doubles/static-secret-source.ts';
import { FileDeadLetterQueue } from './adapters/file-dead-letter-queue.ts';
import { FileGraphStateStore } from './adapters/file-graph-state-store.ts';
import { FileIdentityStore } from './adapters/file-identity-store.ts';
import { FileQueueJournal } from './adapters/file-queue-journal.ts';
import { InMemoryPersistenceLayer } from './adapters/in-memory-idempotency.ts';
import { InMemoryRateGuard } from './adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from './adapters/in-process-token-refresher.ts';
import type { LocalConfig } from './config.ts';
import { type GraphStandin, type StandinUser, startGraphStandin } from './graph-standin/server.ts';
import { type ApiHandler, createHttpBridge } from './http-bridge.ts';
import { createLocalEventBus } from './local-events.ts';
import { type LocalMessage, LocalQueue } from './local-queue.ts';
import { loadSeed, type Sandbox, startSandbox } from './sandbox/server.ts';
import { SqsPoller } from './sqs-poller.ts';

/** Ids of the in-memory secrets in local mode (never written to disk). */
const LOCAL_SECRET_IDS = {
  webhook: 'local/webhook-secrets',
  oauth: 'local/zoho-oauth',
  token: 'local/zoho-token',
  graph: 'local/graph-app',
} as const;

export interface LocalService {
  url: string;
  port: number;
  sandbox?: { url: string };
  /** The local Microsoft Graph stand-in (local mode without GRAPH_BASE_URL). */
  graphStandin?: { url: string; stateUrl: string };
  helpCenterBaseUrl: string;
  helpCenterIds: readonly string[];
  dlqPath?: string;
  identityPath?: string;
  /** Stops listening, drains queued work (saving what is left) and closes everything. */
  close(): Promise<{ leftInQueue: number }>;
}

/**
 * Runs `start`, turning a busy port into a config error that names the variable to change.
 * @throws ConfigError naming `variable` when the port is in use
 */
async function onPort<T>(variable: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError(
        `${variable}: port ${port} is ${code === 'EADDRINUSE' ? 'already in use' : 'not allowed'}; set ${variable} to a free port (or stop what is listening there)`,
        [variable],
      );
    }
    throw error;
  }
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePort(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** The ports the runner wires the same ingest and worker code to, in either mode. */
interface RunnerPorts {
  secrets: SecretSource & SecretWriter;
  ids: { webhook: string; oauth: string; token: string };
  identityStore: IdentityStore;
  /** The worker's link write-back (the same file store locally). */
  identityLinks: IdentityLinkWriter;
  deadLetters: DeadLetterQueue;
  guard: RateGuard;
  /** The Graph delta link and subscription record. */
  graphState: GraphStateStore;
  persistence: BasePersistenceLayer;
  ingestQueue: WorkQueue;
  localQueue?: LocalQueue;
  /** The local queue's journal (local mode): work written to disk before ingest answers. */
  journal?: FileQueueJournal;
  /** Messages an earlier run left in the journal (or in a legacy queue.json). */
  resumed?: LocalMessage[];
  /** The DLQ file, also read by the local redrive. */
  fileDlq?: FileDeadLetterQueue;
  poller?: SqsPoller;
  dlqPath?: string;
  identityPath?: string;
}

interface GraphApp {
  baseUrl: string;
  loginUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

interface StandIns {
  sandbox?: Sandbox;
  graphStandin?: GraphStandin;
  helpCenterBaseUrl?: string;
  /** Zoho client, org and help centers of the sandbox seed (local defaults). */
  seed?: {
    clientId: string;
    clientSecret: string;
    refreshToken: string;
    orgId: string;
    helpCenterIds: string[];
  };
  graph?: GraphApp;
}

/**
 * Reads a file a variable names. @throws ConfigError naming the variable when the file is missing,
 * unreadable or not what it should be (start.ts turns it into exit 2, like other config errors).
 */
async function fromFile<T>(
  variable: string,
  path: string,
  read: (path: string) => Promise<T>,
): Promise<T> {
  try {
    return await read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a directory, not a file'
          : code
            ? `unreadable (${code})`
            : error instanceof SyntaxError
              ? `not valid JSON (${error.message})`
              : (error as Error).message;
    throw new ConfigError(`${variable}=${path}: ${why}`, [variable], { cause: error });
  }
}

async function readStandinUsers(path: string): Promise<{ users: StandinUser[] }> {
  const file = JSON.parse(await readFile(path, 'utf8')) as { users?: unknown };
  if (!file || !Array.isArray(file.users)) throw new Error('expected {"users": [...]}');
  return file as { users: StandinUser[] };
}

/** Creates LOCAL_DATA_DIR. @throws ConfigError naming it when it is a file or cannot be made. */
async function prepareDataDir(dataDir: string): Promise<void> {
  try {
    await mkdir(dataDir, { recursive: true });
    const info = await stat(dataDir);
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(dataDir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file, not a directory'
        : `cannot be used (${code ?? (error as Error).message})`;
    throw new ConfigError(`LOCAL_DATA_DIR=${dataDir}: ${why}`, ['LOCAL_DATA_DIR'], {
      cause: error,
    });
  }
}

/** Starts the sandbox Help Center and the Graph stand-in where the configuration asks for them. */
async function startStandIns(
  config: LocalConfig,
  closers: Array<() => Promise<void>>,
): Promise<StandIns> {
  const out: StandIns = {};
  if (config.HELPCENTER_BASE_URL !== undefined) {
    out.helpCenterBaseUrl = config.HELPCENTER_BASE_URL;
  } else if (config.mode === 'local') {
    const seed = await fromFile('SANDBOX_SEED', config.SANDBOX_SEED, loadSeed);
    const sandbox = await onPort('SANDBOX_PORT', config.SANDBOX_PORT, () =>
      startSandbox({ seed, port: config.SANDBOX_PORT, host: config.HOST }),
    );
    closers.push(() => sandbox.close());
    out.sandbox = sandbox;
    out.helpCenterBaseUrl = sandbox.url;
    out.seed = {
      clientId: seed.oauth.clientId,
      clientSecret: seed.oauth.clientSecret,
      refreshToken: seed.oauth.refreshToken,
      orgId: seed.orgId,
      helpCenterIds: seed.helpCenters.map((hc) => hc.id),
    };
  }
  if (config.GRAPH_BASE_URL !== undefined) {
    out.graph = {
      baseUrl: config.GRAPH_BASE_URL,
      loginUrl: config.GRAPH_LOGIN_URL ?? DEFAULT_GRAPH_LOGIN_URL,
      tenantId: config.GRAPH_TENANT_ID!,
      clientId: config.GRAPH_CLIENT_ID!,
      clientSecret: config.GRAPH_CLIENT_SECRET!,
    };
  } else if (config.mode === 'local') {
    const file = await fromFile(
      'GRAPH_STANDIN_USERS',
      config.GRAPH_STANDIN_USERS,
      readStandinUsers,
    );
    const standin = await onPort('GRAPH_STANDIN_PORT', config.GRAPH_STANDIN_PORT, () =>
      startGraphStandin({
        port: config.GRAPH_STANDIN_PORT,
        host: config.HOST,
        users: file.users,
      }),
    );
    closers.push(() => standin.close());
    out.graphStandin = standin;
    out.graph = {
      baseUrl: standin.url,
      loginUrl: standin.loginUrl,
      tenantId: standin.tenantId,
      clientId: standin.clientId,
      clientSecret: standin.clientSecret,
    };
  }
  return out;
}

/** Local mode: env secrets in memory, file identity store and DLQ, the in-process queue. */
async function localPorts(
  config: LocalConfig,
  standIns: StandIns,
  logger: Logger,
): Promise<RunnerPorts> {
  const dataDir = resolve(config.LOCAL_DATA_DIR);
  const helpCenterIds = config.HELPCENTER_IDS ?? standIns.seed?.helpCenterIds;
  const oauth = {
    clientId: config.ZOHO_CLIENT_ID ?? standIns.seed?.clientId,
    clientSecret: config.ZOHO_CLIENT_SECRET ?? standIns.seed?.clientSecret,
    refreshToken: config.ZOHO_REFRESH_TOKEN ?? standIns.seed?.refreshToken,
    orgId: config.ZOHO_ORG_ID ?? standIns.seed?.orgId,
    accountsUrl:
      config.ZOHO_ACCOUNTS_URL ??
      (config.ZOHO_DATA_CENTRE
        ? zohoAccountsUrl(config.ZOHO_DATA_CENTRE)
        : standIns.helpCenterBaseUrl),
    ...(helpCenterIds ? { helpCenterIds } : {}),
  };
  const graph = standIns.graph;
  const secrets = new StaticSecretSource({
    [LOCAL_SECRET_IDS.webhook]: JSON.stringify({
      oktaAuthorization: config.secrets.OKTA_EVENT_HOOK_AUTHORIZATION,
      scimBearerToken: config.secrets.SCIM_BEARER_TOKEN,
      graphClientState: config.secrets.GRAPH_CLIENT_STATE,
      webhookSigningSecret: config.secrets.WEBHOOK_SIGNING_SECRET,
    }),
    [LOCAL_SECRET_IDS.oauth]: JSON.stringify(oauth),
    ...(graph
      ? {
          [LOCAL_SECRET_IDS.graph]: JSON.stringify({
            tenantId: graph.tenantId,
            clientId: graph.clientId,
            clientSecret: graph.clientSecret,
          }),
        }
      : {}),
  });
  const identityPath = join(dataDir, 'identities.json');
  const dlqPath = join(dataDir, 'dlq.jsonl');
  const deadLetters = new FileDeadLetterQueue(dlqPath);
  const { journal, load } = await FileQueueJournal.open(join(dataDir, 'queue.journal'));
  if (load.unreadableLines > 0) {
    logger.warn('skipped unreadable lines of the queue journal (a write torn by a crash)', {
      lines: load.unreadableLines,
    });
  }
  const legacy = await readSavedQueue(join(dataDir, 'queue.json'), logger);
  if (legacy.length > 0) await journal.added(legacy);
  await rm(join(dataDir, 'queue.json'), { force: true });
  const localQueue = new LocalQueue({
    maxReceiveCount: config.MAX_RECEIVE_COUNT,
    redeliveryDelayMs: config.REDELIVERY_DELAY_MS,
    // Enough invocations in flight to keep every Help Center connection busy, and for one group's
    // removals (up to one call's userIds) to meet in the worker's coalescer within its window.
    concurrency: Math.max(2 * config.HELPCENTER_CONCURRENCY, MAX_IDS_PER_REQUEST),
    journal,
    logger,
    onExhausted: async (message) => {
      // What SQS's redrive policy does: the raw message lands in the DLQ as it was.
      await deadLetters.sendRaw(message.body);
      logger.error('message moved to the dead-letter file after its last receive', {
        messageId: message.messageId,
        receives: message.receiveCount,
      });
    },
  });
  const identityStore = await FileIdentityStore.open(identityPath);
  return {
    secrets,
    ids: LOCAL_SECRET_IDS,
    identityStore,
    identityLinks: identityStore,
    deadLetters,
    graphState: new FileGraphStateStore(join(dataDir, 'graph-state.json')),
    guard: new InMemoryRateGuard(
      config.GUARD_MAX_REQUESTS,
      config.GUARD_WINDOW_SECONDS,
      systemClock,
    ),
    persistence: new InMemoryPersistenceLayer(),
    ingestQueue: localQueue,
    localQueue,
    journal,
    resumed: [...load.messages, ...legacy],
    fileDlq: deadLetters,
    dlqPath,
    identityPath,
  };
}

/** Real-service mode: SQS, Secrets Manager and DynamoDB adapters; the work queue is polled. */
function awsPorts(config: LocalConfig, logger: Logger): RunnerPorts {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({});
  return {
    secrets: new SecretsManagerSecretSource(new SecretsManagerClient({}), { ttlMs: 30_000 }),
    ids: {
      webhook: config.WEBHOOK_SECRET_ARN!,
      oauth: config.ZOHO_OAUTH_SECRET_ARN!,
      token: config.ZOHO_TOKEN_SECRET_ARN!,
    },
    identityStore: new DynamoDbIdentityStore(dynamo, config.IDENTITY_TABLE_NAME!),
    identityLinks: new DynamoDbIdentityLinks(dynamo, config.IDENTITY_TABLE_NAME!),
    deadLetters: new SqsDeadLetterQueue(sqs, config.DEAD_LETTER_QUEUE_URL!),
    graphState: new DynamoDbGraphStateStore(dynamo, config.IDEMPOTENCY_TABLE_NAME!),
    guard: new DynamoDbRateGuard(
      dynamo,
      config.IDEMPOTENCY_TABLE_NAME!,
      config.GUARD_MAX_REQUESTS,
      config.GUARD_WINDOW_SECONDS,
      systemClock,
    ),
    persistence: new DynamoDBPersistenceLayer({
      tableName: config.IDEMPOTENCY_TABLE_NAME!,
      keyAttr: IDEMPOTENCY_TABLE.partitionKey,
      expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
      awsSdkV3Client: new DynamoDBClient({}),
    }),
    ingestQueue: new SqsWorkQueue(sqs, config.WORK_QUEUE_URL!),
    poller: new SqsPoller(sqs, config.WORK_QUEUE_URL!, {
      visibilityTimeoutSeconds: Math.max(1, Math.ceil(config.REDELIVERY_DELAY_MS / 1000)),
      logger,
    }),
  };
}

/**
 * Starts the service locally: the same ingest and worker code behind a local HTTP server, with an
 * in-process queue, a JSON-lines DLQ, a file identity store and env secrets (local mode), or the
 * SQS, Secrets Manager and DynamoDB adapters (real-service mode).
 */
export async function startLocalService(
  config: LocalConfig,
  logger: Logger,
): Promise<LocalService> {
  const closers: Array<() => Promise<void>> = [];

  try {
    // Checked before anything listens, like the other configuration errors.
    if (config.mode === 'local') await prepareDataDir(resolve(config.LOCAL_DATA_DIR));
    const standIns = await startStandIns(config, closers);
    const { sandbox, graphStandin, graph, helpCenterBaseUrl } = standIns;
    const dispatcher = createZohoAgent({
      timeoutMs: config.HELPCENTER_TIMEOUT_MS,
      connections: config.HELPCENTER_CONCURRENCY,
    });
    closers.push(() => dispatcher.close());
    const ports =
      config.mode === 'local'
        ? await localPorts(config, standIns, logger)
        : awsPorts(config, logger);
    const { secrets, ids, identityStore, identityLinks, deadLetters, guard, persistence } = ports;
    const { ingestQueue } = ports;
    const { localQueue, poller, dlqPath, identityPath } = ports;

    const refresher = new InProcessTokenRefresher({
      secrets,
      writer: secrets,
      minter: new ZohoAccountsClient(dispatcher, { timeoutMs: config.HELPCENTER_TIMEOUT_MS }),
      oauthSecretId: ids.oauth,
      tokenSecretId: ids.token,
      logger,
    });
    // Graph (worker only): the stand-in or GRAPH_* env locally; the Graph secret in real-service mode.
    const graphConfig =
      config.mode === 'local'
        ? graph && {
            secretId: LOCAL_SECRET_IDS.graph,
            baseUrl: graph.baseUrl,
            loginUrl: graph.loginUrl,
          }
        : config.GRAPH_SECRET_ARN && {
            secretId: config.GRAPH_SECRET_ARN,
            baseUrl: config.GRAPH_BASE_URL ?? DEFAULT_GRAPH_BASE_URL,
            loginUrl: config.GRAPH_LOGIN_URL ?? DEFAULT_GRAPH_LOGIN_URL,
          };
    const graphWorker = graphConfig
      ? await buildGraphWorkerDeps({
          config: graphConfig,
          secretSource: secrets,
          logger,
          state: ports.graphState,
          queue: ingestQueue,
        })
      : undefined;
    const workerDeps = await assembleWorker(
      {
        dialect: config.HELPCENTER_API,
        ...(config.HELPCENTER_IDS ? { helpCenterIds: config.HELPCENTER_IDS } : {}),
        ...(helpCenterBaseUrl ? { helpCenterBaseUrl } : {}),
        concurrency: config.HELPCENTER_CONCURRENCY,
        timeoutMs: config.HELPCENTER_TIMEOUT_MS,
        maxReceiveCount: config.MAX_RECEIVE_COUNT,
        maxInCallRetries: config.MAX_IN_CALL_RETRIES,
        dryRun: config.DRY_RUN,
        verifyAfterRemove: config.VERIFY_AFTER_REMOVE,
        removePortalAccess: config.REMOVE_PORTAL_ACCESS,
        guardMaxRequests: config.GUARD_MAX_REQUESTS,
        guardWindowSeconds: config.GUARD_WINDOW_SECONDS,
        groupMapping: parseGroupMapping(config.GROUP_MAPPING),
      },
      {
        secrets,
        oauthSecretId: ids.oauth,
        tokenSecretId: ids.token,
        refresher,
        identityStore,
        identityLinks,
        deadLetters,
        guard,
        persistence,
        dispatcher,
        logger,
        ...(graphWorker ? { graph: graphWorker } : {}),
      },
    );
    // GROUP_MAPPING set: every mapped Help Center group must exist in its help center (a read of
    // each help center's groups). An unknown group stops the start (ConfigError, exit 2); a Help
    // Center that cannot be read now (network, token) only warns: the worker reports it per request.
    const mapping = workerDeps.groupMapping;
    if (config.GROUP_MAPPING !== undefined && mapping !== undefined && mapping.size > 0) {
      try {
        await assertMappedGroupsExist(mapping, workerDeps.zoho);
      } catch (error) {
        if (error instanceof ConfigError) throw error;
        logger.warn('could not check the group mapping against the Help Center', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    const workerHandler = createWorkerHandler({
      ...workerDeps,
      // THRESHOLD_EXCEEDED: the message waits in the local queue until the credits can have renewed.
      ...(localQueue
        ? {
            deferMessage: async (record, delaySeconds) =>
              localQueue.defer(record.messageId, delaySeconds),
          }
        : {}),
    });

    const ingestDeps: IngestDeps = {
      config: {
        workQueueUrl: config.WORK_QUEUE_URL ?? 'local://work-queue',
        webhookSecretId: ids.webhook,
        oktaDeprovisionEventTypes: config.OKTA_DEPROVISION_EVENT_TYPES,
        oktaZohoAppInstanceIds: config.OKTA_ZOHO_APP_INSTANCE_IDS,
        ...(workerDeps.groupMapping ? { groupMapping: workerDeps.groupMapping } : {}),
        maxBodyBytes: 256 * 1024,
      },
      queue: ingestQueue,
      secretSource: secrets,
      identityStore,
      logger,
    };
    await checkWebhookSecrets(ingestDeps);
    const ingestHandler = createIngestHandler(ingestDeps);
    // Acks first: the in-process worker steps back while a request is being answered.
    const ingest: ApiHandler = localQueue
      ? async (event, context) => {
          localQueue.ackStarted();
          try {
            return await ingestHandler(event, context);
          } finally {
            localQueue.ackFinished();
          }
        }
      : ingestHandler;

    const localEvents = createLocalEventBus({
      queue: ingestQueue,
      logger,
      oktaDeprovisionEventTypes: config.OKTA_DEPROVISION_EVENT_TYPES,
      ...(workerDeps.groupMapping ? { groupMapping: workerDeps.groupMapping } : {}),
    });

    let ready = false;
    if (localQueue) {
      const resumed = ports.resumed ?? [];
      if (resumed.length > 0) logger.info('resuming queued work', { messages: resumed.length });
      localQueue.restore(resumed);
      localQueue.start(workerHandler);
    }
    poller?.start(workerHandler);
    const stopResyncs = graphWorker
      ? scheduleDeltaResyncs(ingestQueue, config.GRAPH_DELTA_RESYNC_MINUTES, logger)
      : () => undefined;

    const server = createHttpBridge(
      ingest,
      async (req: IncomingMessage, body: () => Promise<Buffer>) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === LOCAL_ROUTE.REDRIVE && req.method === 'POST' && localQueue && ports.fileDlq) {
          return localRedrive(ports.fileDlq, localQueue, logger, await body());
        }
        if (path === LOCAL_ROUTE.EVENTS && req.method === 'POST') {
          return localEvents(await body());
        }
        if (path === LOCAL_ROUTE.HEALTH && (req.method === 'GET' || req.method === 'HEAD')) {
          return ready
            ? {
                status: 200,
                body: { status: 'ok', mode: config.mode, queueDepth: localQueue?.depth ?? null },
              }
            : { status: 503, body: { status: 'starting' } };
        }
        return undefined;
      },
    );
    const port = await onPort('PORT', config.PORT, () => listen(server, config.PORT, config.HOST));
    ready = true;

    return {
      url: `http://${config.HOST}:${port}`,
      port,
      ...(sandbox ? { sandbox: { url: sandbox.url } } : {}),
      ...(graphStandin
        ? {
            graphStandin: {
              url: graphStandin.url,
              stateUrl: `${graphStandin.loginUrl}/_standin/state`,
            },
          }
        : {}),
      helpCenterBaseUrl: workerDeps.baseUrl,
      helpCenterIds: workerDeps.helpCenterIds,
      ...(dlqPath ? { dlqPath } : {}),
      ...(identityPath ? { identityPath } : {}),
      close: async () => {
        ready = false;
        stopResyncs();
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeAllConnections();
        await closed;
        let leftInQueue = 0;
        if (localQueue) {
          // Everything left is already in the journal; the next start resumes it.
          const left = await localQueue.drain(30_000);
          leftInQueue = left.length;
          await ports.journal?.close();
        }
        await poller?.stop();
        for (const close of closers.reverse()) await close().catch(() => undefined);
        return { leftInQueue };
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw error;
  }
}

/**
 * The local stand-in for the stack's EventBridge schedule: one `graph-delta` resync now (the
 * initial sync on a fresh data dir: it records the link and removes nobody) and one every
 * `minutes` (0: none). A failed enqueue is logged; the next tick tries again.
 */
function scheduleDeltaResyncs(queue: WorkQueue, minutes: number, logger: Logger): () => void {
  if (minutes <= 0) return () => undefined;
  const enqueue = () => {
    const at = new Date();
    queue
      .send([
        graphDeltaResyncRequest({
          requestId: `graph-delta:schedule:local-${at.getTime()}`,
          trigger: 'schedule',
          at,
        }),
      ])
      .catch((error: unknown) =>
        logger.warn('could not enqueue the scheduled graph delta resync', {
          error: error instanceof Error ? error.name : 'unknown',
        }),
      );
  };
  enqueue();
  const timer = setInterval(enqueue, minutes * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Work an older version saved in `queue.json` on its last stop (moved into the journal on start);
 * an unreadable file is kept aside (never silently dropped).
 */
async function readSavedQueue(path: string, logger: Logger): Promise<LocalMessage[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  try {
    const saved = JSON.parse(text) as LocalMessage[];
    if (!Array.isArray(saved)) throw new TypeError('not a list');
    return saved;
  } catch {
    const aside = `${path}.unreadable-${Date.now()}`;
    await rename(path, aside);
    logger.error('the saved queue could not be read; it was kept aside for inspection', {
      path: aside,
    });
    return [];
  }
}

/** `POST /_local/redrive`: the redrive handler over the DLQ file, back onto the local queue. */
async function localRedrive(
  deadLetters: FileDeadLetterQueue,
  queue: LocalQueue,
  logger: Logger,
  body: Buffer,
): Promise<{ status: number; body: unknown }> {
  try {
    const input = body.byteLength > 0 ? JSON.parse(body.toString('utf8')) : {};
    return { status: 200, body: await createRedriveHandler({ deadLetters, queue, logger })(input) };
  } catch (error) {
    if (error instanceof SyntaxError)
      return { status: 400, body: { message: 'Body is not valid JSON' } };
    if (isAppError(error) && error.expose)
      return { status: error.statusCode, body: { message: error.message } };
    throw error;
  }
}
