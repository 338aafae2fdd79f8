import { type GroupMapping, parseGroupMapping } from '#core/config/group-mapping.ts';
import { csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';

export const DEFAULT_OKTA_DEPROVISION_EVENT_TYPES = DEFAULTS.oktaDeprovisionEventTypes;
export const DEFAULT_MAX_BODY_BYTES = DEFAULTS.maxBodyBytes;

export const IngestConfigSchema = z.object({
  [ENV.WORK_QUEUE_URL]: z.url(),
  [ENV.WEBHOOK_SECRET_ARN]: z.string().check(z.minLength(1)),
  [ENV.IDENTITY_TABLE_NAME]: z.string().check(z.minLength(1)),
  [ENV.OKTA_DEPROVISION_EVENT_TYPES]: z._default(
    z.pipe(csv, z.array(z.string()).check(z.minLength(1))),
    [...DEFAULT_OKTA_DEPROVISION_EVENT_TYPES],
  ),
  [ENV.OKTA_ZOHO_APP_INSTANCE_IDS]: z._default(csv, []),
  [ENV.GROUP_MAPPING]: z.optional(z.string()),
  [ENV.MAX_BODY_BYTES]: z._default(positiveInt, DEFAULT_MAX_BODY_BYTES),
});

export interface IngestConfig {
  workQueueUrl: string;
  webhookSecretId: string;
  /** DynamoDB identity table (SCIM records); set whenever the config comes from the environment. */
  identityTableName?: string;
  oktaDeprovisionEventTypes: readonly string[];
  /** Okta app instance ids of the Zoho Desk app (empty: app unassignments are ignored). */
  oktaZohoAppInstanceIds?: readonly string[];
  /** IdP group → Help Center group (GROUP_MAPPING); help centers are checked by the worker. */
  groupMapping?: GroupMapping;
  maxBodyBytes: number;
}

/** Reads the ingest function's configuration. @throws ConfigError naming every bad key. */
export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const parsed = parseEnv(IngestConfigSchema, env, 'ingest configuration');
  return {
    workQueueUrl: parsed[ENV.WORK_QUEUE_URL],
    webhookSecretId: parsed[ENV.WEBHOOK_SECRET_ARN],
    identityTableName: parsed[ENV.IDENTITY_TABLE_NAME],
    oktaDeprovisionEventTypes: parsed[ENV.OKTA_DEPROVISION_EVENT_TYPES],
    oktaZohoAppInstanceIds: parsed[ENV.OKTA_ZOHO_APP_INSTANCE_IDS],
    groupMapping: parseGroupMapping(parsed[ENV.GROUP_MAPPING]),
    maxBodyBytes: parsed[ENV.MAX_BODY_BYTES],
  };
}
