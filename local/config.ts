import * as z from 'zod';
import { DEFAULT_OKTA_DEPROVISION_EVENT_TYPES } from '#core/config/ingest-config.ts';
import { booleanFlag, csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { HELPCENTER_DIALECTS } from '#core/config/worker-config.ts';
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
  GRAPH_BASE_URL: z.url().optional(),
  GRAPH_LOGIN_URL: z.url().optional(),
  GRAPH_TENANT_ID: z.string().optional(),
  GRAPH_CLIENT_ID: z.string().optional(),
  GRAPH_CLIENT_SECRET: z.string().optional(),
  LOCAL_DATA_DIR: z.string().default('.local'),
  HELPCENTER_BASE_URL: z.url().optional(),
  ZOHO_ACCOUNTS_URL: z.url().optional(),
  ZOHO_DATA_CENTRE: z.enum(ZOHO_DATA_CENTRE_NAMES).optional(),
  HELPCENTER_API: z.enum(HELPCENTER_DIALECTS).default('user-groups-delete'),
  HELPCENTER_IDS: csv.pipe(z.array(z.string()).min(1)).optional(),
  HELPCENTER_CONCURRENCY: positiveInt.max(25).default(5),
  HELPCENTER_TIMEOUT_MS: positiveInt.default(8_000),
  LOG_FORMAT: z.enum(['pretty', 'json']).default('pretty'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  DRY_RUN: booleanFlag.default(false),
  VERIFY_AFTER_REMOVE: booleanFlag.default(false),
  MAX_RECEIVE_COUNT: positiveInt.default(5),
  MAX_IN_CALL_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  REDELIVERY_DELAY_MS: z.coerce.number().int().min(0).default(1_000),
  GUARD_MAX_REQUESTS: positiveInt.default(100),
  GUARD_WINDOW_SECONDS: positiveInt.default(300),
  OKTA_DEPROVISION_EVENT_TYPES: csv
    .pipe(z.array(z.string()).min(1))
    .default([...DEFAULT_OKTA_DEPROVISION_EVENT_TYPES]),
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
  WORK_QUEUE_URL: z.url().optional(),
  DEAD_LETTER_QUEUE_URL: z.url().optional(),
  WEBHOOK_SECRET_ARN: z.string().optional(),
  ZOHO_OAUTH_SECRET_ARN: z.string().optional(),
  ZOHO_TOKEN_SECRET_ARN: z.string().optional(),
  IDENTITY_TABLE_NAME: z.string().optional(),
  IDEMPOTENCY_TABLE_NAME: z.string().optional(),
  /** Real-service mode: the Entra app secret for Graph lookups (optional). */
  GRAPH_SECRET_ARN: z.string().optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
});

export type LocalEnv = z.infer<typeof LocalEnvSchema>;

const AWS_KEYS = [
  'WORK_QUEUE_URL',
  'DEAD_LETTER_QUEUE_URL',
  'WEBHOOK_SECRET_ARN',
  'ZOHO_OAUTH_SECRET_ARN',
  'ZOHO_TOKEN_SECRET_ARN',
  'IDENTITY_TABLE_NAME',
  'IDEMPOTENCY_TABLE_NAME',
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
    const awsSet = AWS_KEYS.filter((k) => c[k] !== undefined);
    if (awsSet.length > 0) {
      for (const key of AWS_KEYS) {
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
    // Real-service mode reads the Graph app from GRAPH_SECRET_ARN instead.
    if (c.GRAPH_BASE_URL === undefined || c.GRAPH_SECRET_ARN !== undefined) return;
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
    mode: AWS_KEYS.some((k) => parsed[k] !== undefined) ? 'aws' : 'local',
    userSecrets,
    secrets,
  };
}
