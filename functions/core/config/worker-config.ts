import { type GroupMapping, parseGroupMapping } from '#core/config/group-mapping.ts';
import { booleanFlag, csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { DEFAULTS, LIMITS } from '#core/contract/defaults.ts';
import { HELPCENTER_DIALECTS, type HelpCenterDialect } from '#core/contract/dialects.ts';
import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { type GraphConfig, GraphEnvShape, graphConfigFrom } from '#core/intake/graph/config.ts';

export { HELPCENTER_DIALECTS, type HelpCenterDialect };

export const WorkerConfigSchema = z.object({
  [ENV.DEAD_LETTER_QUEUE_URL]: z.url(),
  [ENV.ZOHO_OAUTH_SECRET_ARN]: z.string().check(z.minLength(1)),
  [ENV.ZOHO_TOKEN_SECRET_ARN]: z.string().check(z.minLength(1)),
  [ENV.TOKEN_REFRESHER_FUNCTION_NAME]: z.string().check(z.minLength(1)),
  [ENV.IDENTITY_TABLE_NAME]: z.string().check(z.minLength(1)),
  [ENV.IDEMPOTENCY_TABLE_NAME]: z.string().check(z.minLength(1)),
  [ENV.HELPCENTER_API]: z._default(z.enum(HELPCENTER_DIALECTS), DEFAULTS.helpCenterDialect),
  [ENV.HELPCENTER_IDS]: z.optional(z.pipe(csv, z.array(z.string()).check(z.minLength(1)))),
  [ENV.HELPCENTER_BASE_URL]: z.optional(z.url()),
  [ENV.HELPCENTER_CONCURRENCY]: z._default(
    positiveInt.check(z.lte(LIMITS.helpCenterConcurrency)),
    DEFAULTS.helpCenterConcurrency,
  ),
  [ENV.HELPCENTER_TIMEOUT_MS]: z._default(positiveInt, DEFAULTS.helpCenterTimeoutMs),
  [ENV.MAX_RECEIVE_COUNT]: z._default(positiveInt, DEFAULTS.maxReceiveCount),
  [ENV.MAX_IN_CALL_RETRIES]: z._default(
    z.coerce.number().check(z.int(), z.gte(0), z.lte(LIMITS.maxInCallRetries)),
    DEFAULTS.maxInCallRetries,
  ),
  [ENV.DRY_RUN]: z._default(booleanFlag, false),
  [ENV.VERIFY_AFTER_REMOVE]: z._default(booleanFlag, false),
  [ENV.REMOVE_PORTAL_ACCESS]: z._default(booleanFlag, DEFAULTS.removePortalAccess),
  [ENV.GUARD_MAX_REQUESTS]: z._default(positiveInt, DEFAULTS.guardMaxRequests),
  [ENV.GUARD_WINDOW_SECONDS]: z._default(positiveInt, DEFAULTS.guardWindowSeconds),
  [ENV.GROUP_MAPPING]: z.optional(z.string()),
  /** Needed with Graph: a delta resync puts one request per changed account on the work queue. */
  [ENV.WORK_QUEUE_URL]: z.optional(z.url()),
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
