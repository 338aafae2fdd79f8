import * as z from 'zod';
import { DEFAULTS, LIMITS } from '../functions/core/contract/defaults.ts';
import { HELPCENTER_DIALECTS } from '../functions/core/contract/dialects.ts';
import { DEFAULT_CUSTOM_EVENT_SOURCE } from '../functions/core/contract/events.ts';
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
        maxBodyBytes: positiveInt.max(DEFAULTS.maxBodyBytes).default(DEFAULTS.maxBodyBytes),
        /** The ingest function answers IdPs that give up after about 3 s. */
        ingestTimeoutSeconds: positiveInt.max(29).default(10),
        ingestMemoryMb: positiveInt.min(128).max(10240).default(512),
      })
      .prefault({}),
    okta: z
      .object({
        deprovisionEventTypes: z
          .array(z.string().min(1))
          .min(1)
          .default([...DEFAULTS.oktaDeprovisionEventTypes]),
        /** App instance ids of the Zoho Desk app: only their unassignment deprovisions. */
        zohoAppInstanceIds: z.array(z.string().min(1)).default([]),
      })
      .prefault({}),
    /**
     * IdP group → Help Center group (GROUP_MAPPING); the functions validate it at start
     * (duplicates, shared targets, help centers not configured).
     */
    groupMapping: z
      .array(
        z
          .object({
            idpGroupId: z.string().min(1),
            helpCenterId: z.string().regex(/^[0-9]{1,19}$/),
            groupId: z.string().regex(/^[0-9]{1,19}$/),
            name: z.string().optional(),
          })
          .strict(),
      )
      .default([]),
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
        ingestTimeoutSeconds: positiveInt.max(900).default(30),
        /** How long EventBridge keeps retrying an event it cannot deliver (then: failure queue). */
        maxEventAgeHours: positiveInt.max(24).default(24),
      })
      .prefault({}),
    graph: z
      .object({
        baseUrl: z.url().default(DEFAULTS.graphBaseUrl),
        loginUrl: z.url().default(DEFAULTS.graphLoginUrl),
        /** Create/renew the Graph subscription on a schedule (Entra ID as a source). */
        subscriptionEnabled: z.boolean().default(false),
        renewEveryHours: positiveInt.max(48).default(12),
        /**
         * Minutes between scheduled Graph users delta resyncs (with subscriptionEnabled): the
         * backstop for deprovisions no notification delivered. One delta call when nothing
         * changed, so hourly is cheap; notifications stay the fast path.
         */
        deltaResyncEveryMinutes: positiveInt.min(5).max(1440).default(60),
        subscriptionTimeoutSeconds: positiveInt.max(900).default(30),
      })
      .prefault({}),
    queue: z
      .object({
        /** Receives before a record goes to the DLQ; matches the worker's MAX_RECEIVE_COUNT. */
        maxReceiveCount: positiveInt.min(5).default(DEFAULTS.maxReceiveCount),
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
        api: z.enum(HELPCENTER_DIALECTS).default(DEFAULTS.helpCenterDialect),
        ids: z.array(z.string().min(1)).min(1).optional(),
        baseUrl: z.url().optional(),
        /** The Zoho org's concurrent-request limit (5–25 depending on edition). */
        orgConcurrencyLimit: positiveInt.min(5).max(25).default(10),
        /** In-flight Help Center requests per worker invocation. */
        concurrency: positiveInt
          .max(LIMITS.helpCenterConcurrency)
          .default(DEFAULTS.helpCenterConcurrency),
        timeoutMs: positiveInt.max(30_000).default(DEFAULTS.helpCenterTimeoutMs),
        maxInCallRetries: z
          .number()
          .int()
          .min(0)
          .max(LIMITS.maxInCallRetries)
          .default(DEFAULTS.maxInCallRetries),
        dryRun: z.boolean().default(false),
        verifyAfterRemove: z.boolean().default(false),
        /** Remove portal access after a full deprovision (needs Desk.settings.DELETE). */
        removePortalAccess: z.boolean().default(DEFAULTS.removePortalAccess),
      })
      .prefault({}),
    guard: z
      .object({
        maxRequests: positiveInt.default(DEFAULTS.guardMaxRequests),
        windowSeconds: positiveInt.default(DEFAULTS.guardWindowSeconds),
      })
      .prefault({}),
    tokenRefresher: z
      .object({
        /** Zoho access tokens live 60 minutes; refresh well before. */
        everyMinutes: positiveInt.min(5).max(55).default(45),
        timeoutSeconds: positiveInt.max(900).default(30),
      })
      .prefault({}),
    redrive: z
      .object({
        /** The operator's redrive moves up to its maxCount records per invocation. */
        timeoutSeconds: positiveInt.max(900).default(300),
      })
      .prefault({}),
    alarms: z
      .object({
        oldestMessageAgeSeconds: positiveInt.default(900),
        workerErrors: positiveInt.default(5),
        throttles: positiveInt.default(1),
        api5xx: positiveInt.default(5),
        /** One failure of these is already worth an operator's look. */
        tokenRefresherErrors: positiveInt.default(1),
        eventBridgeIngestErrors: positiveInt.default(1),
        eventFailures: positiveInt.default(1),
        graphSubscriptionErrors: positiveInt.default(1),
        /** Held, dropped or missed events in 5 minutes. */
        needsAttention: positiveInt.default(1),
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

/** One IdP group → Help Center group entry of the stage's `groupMapping`. */
export type GroupMappingEntry = StageConfig['groupMapping'][number];
