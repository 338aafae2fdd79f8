import { ENV, type EnvName } from '../functions/core/contract/env-names.ts';

export const FUNCTION_IDS = [
  'ingest',
  'worker',
  'token-refresher',
  'redrive',
  'eventbridge-ingest',
  'graph-subscription',
] as const;
export type FunctionId = (typeof FUNCTION_IDS)[number];

/** Set on every function by the base construct (observability), whether or not it reads them. */
export const COMMON_ENV: readonly EnvName[] = [ENV.STAGE, ENV.LOG_LEVEL, ENV.SERVICE_NAME];

/**
 * Variables a function may read but the stack only sets when the stage config has a value
 * (the function has a default or falls back to a secret).
 */
export const OPTIONAL_ENV: readonly EnvName[] = [
  // The worker's Graph secret is bound only where Entra ID is a source (stage config graph).
  ENV.GRAPH_SECRET_ARN,
  ENV.HELPCENTER_IDS,
  ENV.HELPCENTER_BASE_URL,
  ENV.OKTA_ZOHO_APP_INSTANCE_IDS,
];

/**
 * Which environment variables each function reads: the single source of truth for what the stack
 * must set (the base function construct refuses to synthesize when a required one is missing).
 */
export const FUNCTION_ENV: Readonly<Record<FunctionId, readonly EnvName[]>> = {
  ingest: [
    ENV.WORK_QUEUE_URL,
    ENV.WEBHOOK_SECRET_ARN,
    ENV.OKTA_DEPROVISION_EVENT_TYPES,
    ENV.OKTA_ZOHO_APP_INSTANCE_IDS,
    ENV.GROUP_MAPPING,
    ENV.MAX_BODY_BYTES,
    ENV.IDENTITY_TABLE_NAME,
    ENV.STAGE,
    ENV.LOG_LEVEL,
    ENV.SERVICE_NAME,
  ],
  worker: [
    ENV.DEAD_LETTER_QUEUE_URL,
    ENV.ZOHO_OAUTH_SECRET_ARN,
    ENV.ZOHO_TOKEN_SECRET_ARN,
    ENV.TOKEN_REFRESHER_FUNCTION_NAME,
    ENV.IDENTITY_TABLE_NAME,
    ENV.IDEMPOTENCY_TABLE_NAME,
    ENV.HELPCENTER_API,
    ENV.HELPCENTER_IDS,
    ENV.HELPCENTER_BASE_URL,
    ENV.HELPCENTER_CONCURRENCY,
    ENV.HELPCENTER_TIMEOUT_MS,
    ENV.MAX_RECEIVE_COUNT,
    ENV.MAX_IN_CALL_RETRIES,
    ENV.DRY_RUN,
    ENV.VERIFY_AFTER_REMOVE,
    ENV.REMOVE_PORTAL_ACCESS,
    ENV.GUARD_MAX_REQUESTS,
    ENV.GUARD_WINDOW_SECONDS,
    ENV.GROUP_MAPPING,
    // Graph `check` requests (user lookups, delta resyncs); the secret only where Entra is a source.
    ENV.GRAPH_SECRET_ARN,
    ENV.GRAPH_BASE_URL,
    ENV.GRAPH_LOGIN_URL,
    // A delta resync enqueues one request per disabled or deleted account.
    ENV.WORK_QUEUE_URL,
    ENV.STAGE,
    ENV.LOG_LEVEL,
    ENV.SERVICE_NAME,
  ],
  'token-refresher': [
    ENV.ZOHO_OAUTH_SECRET_ARN,
    ENV.ZOHO_TOKEN_SECRET_ARN,
    // Timeout of the call to the Zoho accounts server.
    ENV.HELPCENTER_TIMEOUT_MS,
  ],
  redrive: [ENV.WORK_QUEUE_URL, ENV.DEAD_LETTER_QUEUE_URL],
  'eventbridge-ingest': [
    ENV.WORK_QUEUE_URL,
    ENV.OKTA_DEPROVISION_EVENT_TYPES,
    ENV.CUSTOM_EVENT_SOURCE,
    ENV.GROUP_MAPPING,
  ],
  'graph-subscription': [
    ENV.GRAPH_SECRET_ARN,
    ENV.GRAPH_BASE_URL,
    ENV.GRAPH_LOGIN_URL,
    ENV.GRAPH_NOTIFICATION_URL,
    ENV.WEBHOOK_SECRET_ARN,
    // Where the renewal is recorded for `status`.
    ENV.IDEMPOTENCY_TABLE_NAME,
  ],
};

/** Names a function must have set: its mapping minus the optional ones. */
export function requiredEnv(id: FunctionId): EnvName[] {
  return FUNCTION_ENV[id].filter((name) => !OPTIONAL_ENV.includes(name));
}

/** Names the stack may set on a function: its mapping plus the common observability ones. */
export function allowedEnv(id: FunctionId): Set<string> {
  return new Set<string>([...FUNCTION_ENV[id], ...COMMON_ENV]);
}
