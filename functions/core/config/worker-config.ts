import * as z from 'zod';
import { type GroupMapping, parseGroupMapping } from '#core/config/group-mapping.ts';
import { booleanFlag, csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { DEFAULTS, LIMITS } from '#core/contract/defaults.ts';
import { HELPCENTER_DIALECTS, type HelpCenterDialect } from '#core/contract/dialects.ts';
import { ENV } from '#core/contract/env-names.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { type GraphConfig, GraphEnvShape, graphConfigFrom } from '#core/intake/graph/config.ts';

export { HELPCENTER_DIALECTS, type HelpCenterDialect };

export const WorkerConfigSchema = z.object({
  [ENV.DEAD_LETTER_QUEUE_URL]: z.url(),
  [ENV.ZOHO_OAUTH_SECRET_ARN]: z.string().min(1),
  [ENV.ZOHO_TOKEN_SECRET_ARN]: z.string().min(1),
  [ENV.TOKEN_REFRESHER_FUNCTION_NAME]: z.string().min(1),
  [ENV.IDENTITY_TABLE_NAME]: z.string().min(1),
  [ENV.IDEMPOTENCY_TABLE_NAME]: z.string().min(1),
  [ENV.HELPCENTER_API]: z.enum(HELPCENTER_DIALECTS).default(DEFAULTS.helpCenterDialect),
  [ENV.HELPCENTER_IDS]: csv.pipe(z.array(z.string()).min(1)).optional(),
  [ENV.HELPCENTER_BASE_URL]: z.url().optional(),
  [ENV.HELPCENTER_CONCURRENCY]: positiveInt
    .max(LIMITS.helpCenterConcurrency)
    .default(DEFAULTS.helpCenterConcurrency),
  [ENV.HELPCENTER_TIMEOUT_MS]: positiveInt.default(DEFAULTS.helpCenterTimeoutMs),
  [ENV.MAX_RECEIVE_COUNT]: positiveInt.default(DEFAULTS.maxReceiveCount),
  [ENV.MAX_IN_CALL_RETRIES]: z.coerce
    .number()
    .int()
    .min(0)
    .max(LIMITS.maxInCallRetries)
    .default(DEFAULTS.maxInCallRetries),
  [ENV.DRY_RUN]: booleanFlag.default(false),
  [ENV.VERIFY_AFTER_REMOVE]: booleanFlag.default(false),
  [ENV.REMOVE_PORTAL_ACCESS]: booleanFlag.default(DEFAULTS.removePortalAccess),
  [ENV.GUARD_MAX_REQUESTS]: positiveInt.default(DEFAULTS.guardMaxRequests),
  [ENV.GUARD_WINDOW_SECONDS]: positiveInt.default(DEFAULTS.guardWindowSeconds),
  [ENV.GROUP_MAPPING]: z.string().optional(),
  /** Needed with Graph: a delta resync puts one request per changed account on the work queue. */
  [ENV.WORK_QUEUE_URL]: z.url().optional(),
  [ENV.GRAPH_SECRET_ARN]: GraphEnvShape[ENV.GRAPH_SECRET_ARN],
  [ENV.GRAPH_BASE_URL]: GraphEnvShape[ENV.GRAPH_BASE_URL],
  [ENV.GRAPH_LOGIN_URL]: GraphEnvShape[ENV.GRAPH_LOGIN_URL],
});

/** Settings of the worker's use case (the part that is not about where resources live). */
export interface ProcessingSettings {
  dialect: HelpCenterDialect;
  /** Help center ids from the environment; when unset, the OAuth secret's list is used. */
  helpCenterIds?: readonly string[];
  maxReceiveCount: number;
  maxInCallRetries: number;
  dryRun: boolean;
  verifyAfterRemove: boolean;
  /** Also remove portal access after a full deprovision (REMOVE_PORTAL_ACCESS; default off). */
  removePortalAccess?: boolean;
  guardMaxRequests: number;
  guardWindowSeconds: number;
  /**
   * IdP group → Help Center group for group-level requests (GROUP_MAPPING); checked against the
   * configured help centers at start (assembleWorker).
   */
  groupMapping?: GroupMapping;
}

export interface WorkerConfig extends ProcessingSettings {
  deadLetterQueueUrl: string;
  oauthSecretId: string;
  tokenSecretId: string;
  tokenRefresherFunctionName: string;
  identityTableName: string;
  idempotencyTableName: string;
  helpCenterBaseUrl?: string;
  concurrency: number;
  timeoutMs: number;
  /**
   * Set when GRAPH_SECRET_ARN is: `check` requests (Graph user lookups, delta resyncs) run;
   * without it they dead-letter as `config`.
   */
  graph?: GraphConfig;
  /** The work queue a delta resync sends to (required with `graph`). */
  workQueueUrl?: string;
}

/** Reads the worker's configuration. @throws ConfigError naming every bad key. */
export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  const c = parseEnv(WorkerConfigSchema, env, 'worker configuration');
  const graph = graphConfigFrom(c);
  if (graph && !c[ENV.WORK_QUEUE_URL]) {
    throw new ConfigError(
      `Invalid worker configuration: ${ENV.WORK_QUEUE_URL} is required with ${ENV.GRAPH_SECRET_ARN} (a delta resync enqueues to it)`,
      [ENV.WORK_QUEUE_URL],
    );
  }
  return {
    deadLetterQueueUrl: c[ENV.DEAD_LETTER_QUEUE_URL],
    oauthSecretId: c[ENV.ZOHO_OAUTH_SECRET_ARN],
    tokenSecretId: c[ENV.ZOHO_TOKEN_SECRET_ARN],
    tokenRefresherFunctionName: c[ENV.TOKEN_REFRESHER_FUNCTION_NAME],
    identityTableName: c[ENV.IDENTITY_TABLE_NAME],
    idempotencyTableName: c[ENV.IDEMPOTENCY_TABLE_NAME],
    dialect: c[ENV.HELPCENTER_API],
    ...(c[ENV.HELPCENTER_IDS] ? { helpCenterIds: c[ENV.HELPCENTER_IDS] } : {}),
    ...(c[ENV.HELPCENTER_BASE_URL] ? { helpCenterBaseUrl: c[ENV.HELPCENTER_BASE_URL] } : {}),
    concurrency: c[ENV.HELPCENTER_CONCURRENCY],
    timeoutMs: c[ENV.HELPCENTER_TIMEOUT_MS],
    maxReceiveCount: c[ENV.MAX_RECEIVE_COUNT],
    maxInCallRetries: c[ENV.MAX_IN_CALL_RETRIES],
    dryRun: c[ENV.DRY_RUN],
    verifyAfterRemove: c[ENV.VERIFY_AFTER_REMOVE],
    removePortalAccess: c[ENV.REMOVE_PORTAL_ACCESS],
    guardMaxRequests: c[ENV.GUARD_MAX_REQUESTS],
    guardWindowSeconds: c[ENV.GUARD_WINDOW_SECONDS],
    groupMapping: parseGroupMapping(c[ENV.GROUP_MAPPING]),
    ...(graph ? { graph } : {}),
    ...(c[ENV.WORK_QUEUE_URL] ? { workQueueUrl: c[ENV.WORK_QUEUE_URL] } : {}),
  };
}
