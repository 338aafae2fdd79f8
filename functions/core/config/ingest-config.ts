import * as z from 'zod';
import { csv, parseEnv, positiveInt } from '#core/config/parse-env.ts';
import { ENV } from '#core/contract/env-names.ts';
import { type GraphConfig, GraphEnvShape, graphConfigFrom } from '#core/intake/graph/config.ts';

export const DEFAULT_OKTA_DEPROVISION_EVENT_TYPES = [
  'user.lifecycle.deactivate',
  'user.lifecycle.suspend',
  'user.lifecycle.delete.initiated',
] as const;

/** 256 KiB: SQS's classic message limit and far above any real webhook delivery. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export const IngestConfigSchema = z.object({
  [ENV.WORK_QUEUE_URL]: z.url(),
  [ENV.WEBHOOK_SECRET_ARN]: z.string().min(1),
  [ENV.IDENTITY_TABLE_NAME]: z.string().min(1),
  [ENV.OKTA_DEPROVISION_EVENT_TYPES]: csv
    .pipe(z.array(z.string()).min(1))
    .default([...DEFAULT_OKTA_DEPROVISION_EVENT_TYPES]),
  [ENV.MAX_BODY_BYTES]: positiveInt.default(DEFAULT_MAX_BODY_BYTES),
  ...GraphEnvShape,
});

export interface IngestConfig {
  workQueueUrl: string;
  webhookSecretId: string;
  /** DynamoDB identity table (SCIM records); set whenever the config comes from the environment. */
  identityTableName?: string;
  oktaDeprovisionEventTypes: readonly string[];
  maxBodyBytes: number;
  /** Set when GRAPH_SECRET_ARN is: Graph user lookups (and renewal with GRAPH_NOTIFICATION_URL). */
  graph?: GraphConfig;
}

/** Reads the ingest function's configuration. @throws ConfigError naming every bad key. */
export function loadIngestConfig(env: Record<string, string | undefined>): IngestConfig {
  const parsed = parseEnv(IngestConfigSchema, env, 'ingest configuration');
  const graph = graphConfigFrom(parsed);
  return {
    workQueueUrl: parsed[ENV.WORK_QUEUE_URL],
    webhookSecretId: parsed[ENV.WEBHOOK_SECRET_ARN],
    identityTableName: parsed[ENV.IDENTITY_TABLE_NAME],
    oktaDeprovisionEventTypes: parsed[ENV.OKTA_DEPROVISION_EVENT_TYPES],
    maxBodyBytes: parsed[ENV.MAX_BODY_BYTES],
    ...(graph ? { graph } : {}),
  };
}
