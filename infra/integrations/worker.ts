import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DEFAULTS } from '../../functions/core/contract/defaults.ts';
import type { HelpCenterDialect } from '../../functions/core/contract/dialects.ts';
import { ENV } from '../../functions/core/contract/env-names.ts';
import type { GroupMappingEntry } from '../config.ts';
import { bindInvoke, bindQueue, bindSecret, bindTable } from '../constructs/bind.ts';
import { type FunctionDefaults, ServiceFunction } from '../constructs/service-function.ts';
import type { WorkQueue } from '../constructs/work-queue.ts';

/** How the worker talks to the Help Center (every key is a worker environment variable). */
export interface HelpCenterSettings {
  /** @default DEFAULTS.helpCenterDialect */
  dialect?: HelpCenterDialect;
  /** Overrides the OAuth secret's list. @default the secret's `helpCenterIds` */
  ids?: readonly string[];
  /** @default the data centre's Desk URL from the OAuth secret */
  baseUrl?: string;
  /** @default DEFAULTS.helpCenterConcurrency */
  concurrency?: number;
  /** @default DEFAULTS.helpCenterTimeoutMs */
  timeoutMs?: number;
  /** @default DEFAULTS.maxInCallRetries */
  maxInCallRetries?: number;
  /** @default false */
  dryRun?: boolean;
  /** @default false */
  verifyAfterRemove?: boolean;
  /** After a full deprovision, also remove portal access (removePortalUser). @default false */
  removePortalAccess?: boolean;
}

export interface DeprovisionWorkerProps {
  functionDefaults: FunctionDefaults;
  /** The work queue it consumes and its DLQ (dead letters are sent by the worker itself). */
  workQueue: WorkQueue;
  oauthSecret: ISecret;
  tokenSecret: ISecret;
  /** Invoked once on INVALID_OAUTH. */
  tokenRefresher: ServiceFunction;
  identityTable: ITable;
  identityIndexNames: readonly string[];
  /** Powertools idempotency records and the guard's window items. */
  idempotencyTable: ITable;
  helpCenter?: HelpCenterSettings;
  /** Hold requests when more than this many arrive within the window. @default DEFAULTS.guardMaxRequests */
  guardMaxRequests?: number;
  /** @default DEFAULTS.guardWindowSeconds */
  guardWindowSeconds?: number;
  /** IdP group → Help Center group (Approach A); see `functions/core/config/group-mapping.ts`. @default [] */
  groupMapping?: readonly GroupMappingEntry[];
  /** Must match the work queue's consumer timeout. @default Duration.seconds(120) */
  timeout?: Duration;
  /** @default 512 */
  memorySize?: number;
  /** @default 5 */
  batchSize?: number;
  /** @default Duration.seconds(1) */
  maxBatchingWindow?: Duration;
  /** SQS event source maxConcurrency (keep below the Zoho org's limit). @default 2 */
  maxConcurrency?: number;
  /** @default Duration.minutes(5) */
  redriveTimeout?: Duration;
  /**
   * Entra app registration for Graph `check` requests (user lookups, delta resyncs): bound only
   * where Entra ID is a source, because the worker refuses to start on an incomplete Graph secret.
   * @default none (check requests dead-letter as `config`)
   */
  graphSecret?: ISecret;
  /** @default DEFAULTS.graphBaseUrl */
  graphBaseUrl?: string;
  /** @default DEFAULTS.graphLoginUrl */
  graphLoginUrl?: string;
}

/**
 * Deprovisioning (DESIGN "Flow", right half): the worker that consumes the work queue with partial
 * batch failures, and the operator's redrive function that moves dead letters back.
 */
export class DeprovisionWorker extends Construct {
  readonly function: ServiceFunction;
  readonly redrive: ServiceFunction;

  constructor(scope: Construct, id: string, props: DeprovisionWorkerProps) {
    super(scope, id);
    const hc = props.helpCenter ?? {};
    const { queue, deadLetterQueue } = props.workQueue;
    const batchingWindow = props.maxBatchingWindow ?? Duration.seconds(1);
    this.function = new ServiceFunction(this, 'Function', {
      ...props.functionDefaults,
      id: 'worker',
      description: 'Removes deprovisioned users from every Help Center group (SQS consumer)',
      timeout: props.timeout ?? Duration.seconds(120),
      memorySize: props.memorySize ?? 512,
      environment: {
        [ENV.HELPCENTER_API]: hc.dialect ?? DEFAULTS.helpCenterDialect,
        ...(hc.ids ? { [ENV.HELPCENTER_IDS]: hc.ids.join(',') } : {}),
        ...(hc.baseUrl ? { [ENV.HELPCENTER_BASE_URL]: hc.baseUrl } : {}),
        [ENV.HELPCENTER_CONCURRENCY]: String(hc.concurrency ?? DEFAULTS.helpCenterConcurrency),
        [ENV.HELPCENTER_TIMEOUT_MS]: String(hc.timeoutMs ?? DEFAULTS.helpCenterTimeoutMs),
        // The redrive policy's count, so the worker knows which receive is the last.
        [ENV.MAX_RECEIVE_COUNT]: String(props.workQueue.maxReceiveCount),
        [ENV.MAX_IN_CALL_RETRIES]: String(hc.maxInCallRetries ?? DEFAULTS.maxInCallRetries),
        [ENV.DRY_RUN]: String(hc.dryRun ?? false),
        [ENV.VERIFY_AFTER_REMOVE]: String(hc.verifyAfterRemove ?? false),
        [ENV.REMOVE_PORTAL_ACCESS]: String(hc.removePortalAccess ?? DEFAULTS.removePortalAccess),
        [ENV.GUARD_MAX_REQUESTS]: String(props.guardMaxRequests ?? DEFAULTS.guardMaxRequests),
        [ENV.GUARD_WINDOW_SECONDS]: String(props.guardWindowSeconds ?? DEFAULTS.guardWindowSeconds),
        [ENV.GROUP_MAPPING]: JSON.stringify(props.groupMapping ?? []),
        [ENV.GRAPH_BASE_URL]: props.graphBaseUrl ?? DEFAULTS.graphBaseUrl,
        [ENV.GRAPH_LOGIN_URL]: props.graphLoginUrl ?? DEFAULTS.graphLoginUrl,
      },
    });
    // Consuming is granted by the event source mapping below; the worker sends to the work queue
    // only the per-account requests of a Graph delta resync.
    bindQueue(this.function, ENV.DEAD_LETTER_QUEUE_URL, deadLetterQueue, ['send']);
    bindQueue(this.function, ENV.WORK_QUEUE_URL, queue, ['send']);
    if (props.graphSecret) bindSecret(this.function, ENV.GRAPH_SECRET_ARN, props.graphSecret);
    bindSecret(this.function, ENV.ZOHO_OAUTH_SECRET_ARN, props.oauthSecret);
    bindSecret(this.function, ENV.ZOHO_TOKEN_SECRET_ARN, props.tokenSecret);
    bindInvoke(this.function, ENV.TOKEN_REFRESHER_FUNCTION_NAME, props.tokenRefresher);
    bindTable(
      this.function,
      ENV.IDENTITY_TABLE_NAME,
      props.identityTable,
      props.identityIndexNames,
    );
    bindTable(this.function, ENV.IDEMPOTENCY_TABLE_NAME, props.idempotencyTable);
    this.function.fn.addEventSource(
      new SqsEventSource(queue, {
        batchSize: props.batchSize ?? 5,
        maxBatchingWindow: batchingWindow,
        maxConcurrency: props.maxConcurrency ?? 2,
        reportBatchItemFailures: true,
      }),
    );

    this.redrive = new ServiceFunction(this, 'Redrive', {
      ...props.functionDefaults,
      id: 'redrive',
      description: 'Operator tool: moves dead-lettered requests back to the work queue',
      timeout: props.redriveTimeout ?? Duration.minutes(5),
    });
    bindQueue(this.redrive, ENV.DEAD_LETTER_QUEUE_URL, deadLetterQueue, ['receive']);
    bindQueue(this.redrive, ENV.WORK_QUEUE_URL, queue, ['send']);
  }
}
