import * as z from 'zod';
import { booleanFlag, csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { DEFAULTS, LIMITS } from '#core/contract/defaults.ts';
import { HELPCENTER_DIALECTS } from '#core/contract/dialects.ts';
import { ENV } from '#core/contract/env-names.ts';
import { ZOHO_DATA_CENTRE_NAMES } from '#core/contract/zoho-data-centres.ts';

/** Built-in local secrets: printed in the banner only while the user has not set their own. */
export const LOCAL_DEFAULT_SECRETS = {
  OKTA_EVENT_HOOK_AUTHORIZATION: 'local-okta-secret',
  SCIM_BEARER_TOKEN: 'local-scim-token',
  GRAPH_CLIENT_STATE: 'local-graph-client-state',
  // Standard Webhooks secret: "whsec_" + base64 of a 24-byte local key.
  WEBHOOK_SIGNING_SECRET: 'whsec_bG9jYWwtc2lnbmluZy1rZXktMDEyMzQ1Njc=',
} as const;

export type LocalSecretName = keyof typeof LOCAL_DEFAULT_SECRETS;

const port = z.coerce.number().int().min(0).max(65_535);

const LocalEnvSchema = z.object({
  PORT: port.default(3000),
  HOST: z.string().default('127.0.0.1'),
  SANDBOX_PORT: port.default(3001),
  SANDBOX_SEED: z.string().default('local/seed.json'),
  GRAPH_STANDIN_PORT: port.default(3002),
  GRAPH_STANDIN_USERS: z.string().default('local/graph-users.json'),
  [ENV.GRAPH_BASE_URL]: z.url().optional(),
  [ENV.GRAPH_LOGIN_URL]: z.url().optional(),
  GRAPH_TENANT_ID: z.string().optional(),
  GRAPH_CLIENT_ID: z.string().optional(),
  GRAPH_CLIENT_SECRET: z.string().optional(),
  /**
   * Minutes between the runner's Graph delta resyncs (one also runs at start: with no stored link
   * it is the initial sync, which records the link and removes nobody); 0 turns them off.
   */
  GRAPH_DELTA_RESYNC_MINUTES: z.coerce.number().min(0).default(60),
  LOCAL_DATA_DIR: z.string().default('.local'),
  [ENV.HELPCENTER_BASE_URL]: z.url().optional(),
  ZOHO_ACCOUNTS_URL: z.url().optional(),
  ZOHO_DATA_CENTRE: z.enum(ZOHO_DATA_CENTRE_NAMES).optional(),
  [ENV.HELPCENTER_API]: z.enum(HELPCENTER_DIALECTS).default(DEFAULTS.helpCenterDialect),
  [ENV.HELPCENTER_IDS]: z.pipe(csv, z.array(z.string()).min(1)).optional(),
  [ENV.HELPCENTER_CONCURRENCY]: z._default(
    positiveInt.check(z.lte(LIMITS.helpCenterConcurrency)),
    DEFAULTS.helpCenterConcurrency,
  ),
  [ENV.HELPCENTER_TIMEOUT_MS]: z._default(positiveInt, DEFAULTS.helpCenterTimeoutMs),
  [ENV.LOG_FORMAT]: z.enum(['pretty', 'json']).default('pretty'),
  [ENV.LOG_LEVEL]: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  [ENV.DRY_RUN]: z._default(booleanFlag, false),
  [ENV.VERIFY_AFTER_REMOVE]: z._default(booleanFlag, false),
  [ENV.REMOVE_PORTAL_ACCESS]: z._default(booleanFlag, DEFAULTS.removePortalAccess),
  [ENV.MAX_RECEIVE_COUNT]: z._default(positiveInt, DEFAULTS.maxReceiveCount),
  [ENV.MAX_IN_CALL_RETRIES]: z.coerce
    .number()
    .int()
    .min(0)
    .max(LIMITS.maxInCallRetries)
    .default(DEFAULTS.maxInCallRetries),
  REDELIVERY_DELAY_MS: z.coerce.number().int().min(0).default(1_000),
  [ENV.GUARD_MAX_REQUESTS]: z._default(positiveInt, DEFAULTS.guardMaxRequests),
  [ENV.GUARD_WINDOW_SECONDS]: z._default(positiveInt, DEFAULTS.guardWindowSeconds),
  [ENV.OKTA_DEPROVISION_EVENT_TYPES]: z
    .pipe(csv, z.array(z.string()).min(1))
    .default([...DEFAULTS.oktaDeprovisionEventTypes]),
  [ENV.OKTA_ZOHO_APP_INSTANCE_IDS]: z._default(csv, []),
  /** JSON array: IdP group → Help Center group (see functions/core/config/group-mapping.ts). */
  [ENV.GROUP_MAPPING]: z.string().optional(),
  OKTA_EVENT_HOOK_AUTHORIZATION: z.string().optional(),
  SCIM_BEARER_TOKEN: z.string().optional(),
  GRAPH_CLIENT_STATE: z.string().optional(),
  WEBHOOK_SIGNING_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be whsec_<base64>')
    .optional(),
  ZOHO_CLIENT_ID: z.string().optional(),
  ZOHO_CLIENT_SECRET: z.string().optional(),
  ZOHO_REFRESH_TOKEN: z.string().optional(),
  ZOHO_ORG_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Zoho org id')
    .optional(),
  // Real-service mode (any of these switches it on).
  [ENV.WORK_QUEUE_URL]: z.url().optional(),
  [ENV.DEAD_LETTER_QUEUE_URL]: z.url().optional(),
  [ENV.WEBHOOK_SECRET_ARN]: z.string().optional(),
  [ENV.ZOHO_OAUTH_SECRET_ARN]: z.string().optional(),
  [ENV.ZOHO_TOKEN_SECRET_ARN]: z.string().optional(),
  [ENV.IDENTITY_TABLE_NAME]: z.string().optional(),
  [ENV.IDEMPOTENCY_TABLE_NAME]: z.string().optional(),
  /** Real-service mode: the Entra app secret for Graph lookups (optional). */
  [ENV.GRAPH_SECRET_ARN]: z.string().optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
});

export type LocalEnv = z.infer<typeof LocalEnvSchema>;

/** The variables that switch `npm start` to real-service mode; `resources create` prints them. */
export const REAL_SERVICE_ENV = [
  ENV.WORK_QUEUE_URL,
  ENV.DEAD_LETTER_QUEUE_URL,
  ENV.WEBHOOK_SECRET_ARN,
  ENV.ZOHO_OAUTH_SECRET_ARN,
  ENV.ZOHO_TOKEN_SECRET_ARN,
  ENV.IDENTITY_TABLE_NAME,
  ENV.IDEMPOTENCY_TABLE_NAME,
] as const;

const ZOHO_KEYS = [
  'ZOHO_CLIENT_ID',
  'ZOHO_CLIENT_SECRET',
  'ZOHO_REFRESH_TOKEN',
  'ZOHO_ORG_ID',
] as const;

export interface LocalConfig extends LocalEnv {
  mode: 'local' | 'aws';
  /** Which local secrets the user set (never printed). */
  userSecrets: ReadonlySet<LocalSecretName>;
  secrets: Record<LocalSecretName, string>;
}

/**
 * Reads the local runner's configuration. @throws ConfigError naming every missing or invalid key
 * (before anything listens).
 */
export function loadLocalConfig(env: Record<string, string | undefined>): LocalConfig {
  const schema = LocalEnvSchema.superRefine((c, ctx) => {
    const awsSet = REAL_SERVICE_ENV.filter((k) => c[k] !== undefined);
    if (awsSet.length > 0) {
      for (const key of REAL_SERVICE_ENV) {
        if (c[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'required in real-service mode (another AWS resource variable is set)',
          });
        }
      }
    } else if (c.HELPCENTER_BASE_URL !== undefined) {
      for (const key of ZOHO_KEYS) {
        if (c[key] === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: 'required when HELPCENTER_BASE_URL points at a real Help Center',
          });
        }
      }
      if (c.ZOHO_ACCOUNTS_URL === undefined && c.ZOHO_DATA_CENTRE === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ZOHO_ACCOUNTS_URL'],
          message: 'set ZOHO_ACCOUNTS_URL or ZOHO_DATA_CENTRE with HELPCENTER_BASE_URL',
        });
      }
    }
  });
  const checked = schema.superRefine((c, ctx) => {
    // Real-service mode reads the Graph app from GRAPH_SECRET_ARN instead (a stack's worker
    // environment carries GRAPH_BASE_URL even where Entra ID is not a source).
    const realService = REAL_SERVICE_ENV.some((k) => c[k] !== undefined);
    if (c.GRAPH_BASE_URL === undefined || c.GRAPH_SECRET_ARN !== undefined || realService) return;
    for (const key of ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET'] as const) {
      if (c[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'required when GRAPH_BASE_URL is set',
        });
      }
    }
  });
  const parsed = parseEnv(checked, env, 'local configuration');
  const userSecrets = new Set<LocalSecretName>();
  const secrets = { ...LOCAL_DEFAULT_SECRETS } as Record<LocalSecretName, string>;
  for (const name of Object.keys(LOCAL_DEFAULT_SECRETS) as LocalSecretName[]) {
    const value = parsed[name];
    if (value !== undefined) {
      userSecrets.add(name);
      secrets[name] = value;
    }
  }
  return {
    ...parsed,
    mode: REAL_SERVICE_ENV.some((k) => parsed[k] !== undefined) ? 'aws' : 'local',
    userSecrets,
    secrets,
  };
}
