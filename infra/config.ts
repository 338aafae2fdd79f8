import * as z from 'zod';
import { DEFAULT_CUSTOM_EVENT_SOURCE } from '../functions/core/contract/env-names.ts';

export const HELPCENTER_DIALECTS = ['user-groups-delete', 'zoho-desk-v1'] as const;
/** CloudWatch Logs only accepts these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const positiveInt = z.number().int().positive();

/**
 * One deployment stage. Every key has a production-minded default, so a stage entry in `cdk.json`
 * only lists what differs.
 */
export const StageConfigSchema = z
  .object({
    /** Deploy target; when unset the stack is environment-agnostic (CDK_DEFAULT_* at deploy). */
    account: z
      .string()
      .regex(/^\d{12}$/)
      .optional(),
    region: z.string().min(1).optional(),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
    logRetentionDays: z
      .number()
      .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
        message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(90),
    /** `retain` keeps tables, secrets and logs when the stack is deleted (use it in production). */
    removalPolicy: z.enum(['retain', 'destroy']).default('retain'),
    alarmEmail: z.email().optional(),
    api: z
      .object({
        throttleRateLimit: positiveInt.default(50),
        throttleBurstLimit: positiveInt.default(100),
        maxBodyBytes: positiveInt.max(256 * 1024).default(256 * 1024),
      })
      .prefault({}),
    okta: z
      .object({
        deprovisionEventTypes: z
          .array(z.string().min(1))
          .min(1)
          .default([
            'user.lifecycle.deactivate',
            'user.lifecycle.suspend',
            'user.lifecycle.delete.initiated',
          ]),
      })
      .prefault({}),
    eventBridge: z
      .object({
        /** Name of the Okta log-streaming partner event bus (`aws.partner/okta.com/...`); no rule when unset. */
        oktaPartnerEventBusName: z.string().startsWith('aws.partner/').optional(),
        /** `source` of the custom "User Deprovisioned" event on the default bus. */
        customEventSource: z
          .string()
          .min(1)
          .refine((s) => !s.startsWith('aws.'), { message: 'the aws. prefix is reserved' })
          .default(DEFAULT_CUSTOM_EVENT_SOURCE),
      })
      .prefault({}),
    graph: z
      .object({
        baseUrl: z.url().default('https://graph.microsoft.com/v1.0'),
        loginUrl: z.url().default('https://login.microsoftonline.com'),
        /** Create/renew the Graph subscription on a schedule (Entra ID as a source). */
        subscriptionEnabled: z.boolean().default(false),
        renewEveryHours: positiveInt.max(48).default(12),
      })
      .prefault({}),
    queue: z
      .object({
        /** Receives before a record goes to the DLQ; matches the worker's MAX_RECEIVE_COUNT. */
        maxReceiveCount: positiveInt.min(5).default(5),
        // Below the DLQ's 14 days: a dead letter keeps its original enqueue time, so it would expire early.
        retentionDays: positiveInt.min(1).max(7).default(4),
      })
      .prefault({}),
    worker: z
      .object({
        timeoutSeconds: positiveInt.max(900).default(120),
        memoryMb: positiveInt.min(128).max(10240).default(512),
        batchSize: positiveInt.max(100).default(5),
        maxBatchingWindowSeconds: z.number().int().min(0).max(300).default(1),
        /** Concurrent worker invocations (SQS event source `maxConcurrency`). */
        maxConcurrency: positiveInt.min(2).max(1000).default(2),
      })
      .prefault({}),
    helpCenter: z
      .object({
        api: z.enum(HELPCENTER_DIALECTS).default('user-groups-delete'),
        ids: z.array(z.string().min(1)).min(1).optional(),
        baseUrl: z.url().optional(),
        /** The Zoho org's concurrent-request limit (5–25 depending on edition). */
        orgConcurrencyLimit: positiveInt.min(5).max(25).default(10),
        /** In-flight Help Center requests per worker invocation. */
        concurrency: positiveInt.max(25).default(5),
        timeoutMs: positiveInt.max(30_000).default(8_000),
        maxInCallRetries: z.number().int().min(0).max(10).default(3),
        dryRun: z.boolean().default(false),
        verifyAfterRemove: z.boolean().default(false),
      })
      .prefault({}),
    guard: z
      .object({
        maxRequests: positiveInt.default(100),
        windowSeconds: positiveInt.default(300),
      })
      .prefault({}),
    tokenRefresher: z
      .object({
        /** Zoho access tokens live 60 minutes; refresh well before. */
        everyMinutes: positiveInt.min(5).max(55).default(45),
      })
      .prefault({}),
    alarms: z
      .object({
        oldestMessageAgeSeconds: positiveInt.default(900),
        workerErrors: positiveInt.default(5),
        throttles: positiveInt.default(1),
        api5xx: positiveInt.default(5),
      })
      .prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.worker.maxConcurrency >= c.helpCenter.orgConcurrencyLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['worker', 'maxConcurrency'],
        message: `must be below helpCenter.orgConcurrencyLimit (${c.helpCenter.orgConcurrencyLimit})`,
      });
    }
    const inFlight = c.worker.maxConcurrency * c.helpCenter.concurrency;
    if (inFlight > c.helpCenter.orgConcurrencyLimit) {
      ctx.addIssue({
        code: 'custom',
        path: ['helpCenter', 'concurrency'],
        message:
          `worker.maxConcurrency × helpCenter.concurrency = ${inFlight} exceeds ` +
          `helpCenter.orgConcurrencyLimit (${c.helpCenter.orgConcurrencyLimit})`,
      });
    }
    const worstCallMs = c.helpCenter.timeoutMs * (c.helpCenter.maxInCallRetries + 1);
    if (c.worker.timeoutSeconds * 1000 < worstCallMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['worker', 'timeoutSeconds'],
        message: `must cover one Help Center call with its retries (${worstCallMs} ms)`,
      });
    }
  });

export type StageConfig = z.infer<typeof StageConfigSchema>;
export type StageConfigInput = z.input<typeof StageConfigSchema>;

const StageNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,19}$/, 'lower-case letters, digits and dashes, at most 20');

export interface ResolvedStage {
  stage: string;
  config: StageConfig;
}

/**
 * Picks `stages[stage]` and validates it.
 * @throws Error naming every invalid key, or the known stages when `stage` is unknown.
 */
export function resolveStageConfig(stage: unknown, stages: unknown): ResolvedStage {
  const name = StageNameSchema.safeParse(stage);
  if (!name.success) {
    throw new Error(`Invalid stage ${JSON.stringify(stage)}: ${name.error.issues[0]?.message}`);
  }
  const all = z.record(z.string(), z.unknown()).safeParse(stages ?? {});
  if (!all.success) throw new Error('CDK context "stages" must be an object of stage configs');
  if (!(name.data in all.data)) {
    const known = Object.keys(all.data).join(', ') || '(none)';
    throw new Error(`Unknown stage "${name.data}" (cdk.json context "stages": ${known})`);
  }
  const parsed = StageConfigSchema.safeParse(all.data[name.data] ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid config for stage "${name.data}": ${issues.join('; ')}`);
  }
  return { stage: name.data, config: parsed.data };
}

/** Reads `-c stage=…` (default from cdk.json) and `stages` from the CDK context. */
export function stageFromContext(node: { tryGetContext(key: string): unknown }): ResolvedStage {
  return resolveStageConfig(node.tryGetContext('stage') ?? 'dev', node.tryGetContext('stages'));
}
