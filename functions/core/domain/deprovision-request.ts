import { GRAPH_DELTA } from '#core/contract/graph.ts';
import * as z from '#core/contract/zod.ts';

export const DEPROVISION_REQUEST_SCHEMA_VERSION = 1 as const;

export const deprovisionSources = [
  'okta-event-hook',
  'scim',
  'graph',
  'eventbridge',
  'webhook',
  'manual',
] as const;

export const DeprovisionSourceSchema = z.enum(deprovisionSources);
export type DeprovisionSource = z.infer<typeof DeprovisionSourceSchema>;

/**
 * Limits every source's ids fit (ingest enforces them with a 400 or drops the element, the worker
 * parses with the same schema, so whatever ingest accepts the worker can process):
 * - Okta user ids are 20 characters and LogEvent `uuid`s 36 (Okta Users API, System Log API);
 *   Entra object ids are GUIDs (36); a userPrincipalName is at most 113 characters (Microsoft Entra
 *   "userPrincipalName property"); SCIM (RFC 7643) sets no limit, so SCIM intake applies these.
 * - An email address is at most 254 characters (RFC 5321 §4.5.3.1.3: a 256-octet path incl. <>).
 * - Zoho Desk ids are numeric strings (zoho/zohodesk-oas `Common.json`), far below 64.
 * - Standard Webhooks' `webhook-id` has no published maximum; 256 is generous for the `msg_…` ids
 *   senders use, and leaves room for the ids we derive (`graph:<subscription>:<user>:…`).
 * Text must be well-formed UTF-16 without control characters: SQS refuses characters outside
 * XML 1.0's set in message attributes, and a lone surrogate cannot be encoded in a URL.
 */
export const REQUEST_ID_MAX_LENGTH = 256;
export const SUBJECT_ID_MAX_LENGTH = 256;
export const EXTERNAL_ID_MAX_LENGTH = 512;
export const EMAIL_MAX_LENGTH = 254;
export const REASON_MAX_LENGTH = 256;
export const HELP_CENTER_ID_MAX_LENGTH = 64;
export const HELP_CENTER_IDS_MAX = 50;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;

/** True when `value` is well-formed UTF-16 without control characters (safe for SQS and URLs). */
export function isCleanText(value: string): boolean {
  return !LONE_SURROGATE.test(value) && !CONTROL.test(value);
}

/** Trimmed, non-empty, at most `max` characters, clean text. */
export function boundedText(max: number) {
  return z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(max),
      z.refine(isCleanText, { message: 'must be well-formed text without control characters' }),
    );
}

const email = z
  .pipe(z.string().check(z.trim(), z.toLowerCase(), z.maxLength(EMAIL_MAX_LENGTH)), z.email())
  .check(z.refine(isCleanText, { message: 'must be well-formed text without control characters' }));

/** One schema per subject field (intake uses them to keep only the fields that fit). */
export const SubjectFieldSchemas = {
  idpUserId: boundedText(SUBJECT_ID_MAX_LENGTH),
  email,
  login: boundedText(SUBJECT_ID_MAX_LENGTH),
  externalId: boundedText(EXTERNAL_ID_MAX_LENGTH),
} as const;

export const SubjectSchema = z
  .strictObject({
    idpUserId: z.optional(SubjectFieldSchemas.idpUserId),
    email: z.optional(SubjectFieldSchemas.email),
    login: z.optional(SubjectFieldSchemas.login),
    externalId: z.optional(SubjectFieldSchemas.externalId),
  })
  .check(
    z.refine(
      (s) =>
        s.idpUserId !== undefined ||
        s.email !== undefined ||
        s.login !== undefined ||
        s.externalId !== undefined,
      { message: 'subject needs at least one of idpUserId, email, login, externalId' },
    ),
  );
export type Subject = z.infer<typeof SubjectSchema>;

/**
 * Narrows a request to one membership (seed Approach A): remove the person from the Help Center
 * group that the IdP group `idpGroupId` is mapped to, and from nothing else. The worker acts only
 * when the scope is exactly an entry of its group mapping.
 */
export const GroupScopeSchema = z.strictObject({
  kind: z.literal('group'),
  idpGroupId: boundedText(SUBJECT_ID_MAX_LENGTH),
  helpCenterId: boundedText(HELP_CENTER_ID_MAX_LENGTH),
  groupId: boundedText(HELP_CENTER_ID_MAX_LENGTH),
});
export type GroupScope = z.infer<typeof GroupScopeSchema>;

/** What started a Graph delta resync (see `GraphCheckSchema`). */
export const GRAPH_DELTA_TRIGGERS = [
  'missed',
  'subscriptionRemoved',
  'schedule',
  'manual',
] as const;

/**
 * A request the worker must first check against Microsoft Graph (ingest makes no outbound call
 * but the queue, so the Graph work happens in the worker):
 * - `graph-user`: look the Entra user `subject.idpUserId` up; deprovision when `accountEnabled` is
 *   false or Graph answers 404 (deleted), no-op otherwise.
 * - `graph-delta`: run the users delta query from the stored delta link and enqueue one request per
 *   account disabled or deleted since. `subject` names the tracked resource, not a person.
 *   `initialSync` says what a first run (no stored link) does with accounts already disabled:
 *   `record-only` (default) stores the link and deprovisions nobody.
 * - `graph-reauthorize`: reauthorize subscription `subscriptionId` after Graph's
 *   `reauthorizationRequired` lifecycle notification. `subject` names the subscription.
 */
export const GraphCheckSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('graph-user') }),
  z.strictObject({
    kind: z.literal('graph-delta'),
    trigger: z.enum(GRAPH_DELTA_TRIGGERS),
    initialSync: z.optional(z.enum(['record-only', 'deprovision-disabled'])),
  }),
  z.strictObject({
    kind: z.literal('graph-reauthorize'),
    subscriptionId: boundedText(SUBJECT_ID_MAX_LENGTH),
  }),
]);
export type GraphCheck = z.infer<typeof GraphCheckSchema>;

/**
 * A Graph delta resync or subscription reauthorization: maintenance that removes nobody itself
 * (a resync's own requests are separate), so the guard does not count it and its failure is a
 * lifecycle failure.
 */
export function isGraphMaintenance(request: { check?: GraphCheck }): boolean {
  return request.check !== undefined && request.check.kind !== 'graph-user';
}

/**
 * The request id of "Entra account `userId` was deleted", shared by the `deleted` notification and
 * the delta resync (`@removed`), so whichever arrives second is a duplicate.
 */
export function graphDeletedRequestId(userId: string): string {
  return `graph:${userId}:deleted`;
}

/** The subject of a `graph-reauthorize` request: the subscription it keeps alive. */
export function graphSubscriptionSubject(subscriptionId: string): Subject {
  return { externalId: `microsoft-graph:subscriptions/${subscriptionId}` };
}

/** The subject of a `graph-delta` request: the resource whose changes are replayed. */
export const GRAPH_DELTA_SUBJECT = GRAPH_DELTA.subject;

/**
 * The one message that crosses the work queue. Every source event becomes zero or more of these.
 * `requestId` is derived from the source's own delivery or event id so that a redelivery dedupes.
 */
export const DeprovisionRequestSchema = z.strictObject({
  schemaVersion: z.literal(DEPROVISION_REQUEST_SCHEMA_VERSION),
  requestId: boundedText(REQUEST_ID_MAX_LENGTH),
  source: DeprovisionSourceSchema,
  subject: SubjectSchema,
  reason: boundedText(REASON_MAX_LENGTH),
  occurredAt: z.iso.datetime({ offset: true }),
  receivedAt: z.iso.datetime({ offset: true }),
  helpCenterIds: z.optional(
    z
      .array(boundedText(HELP_CENTER_ID_MAX_LENGTH))
      .check(z.minLength(1), z.maxLength(HELP_CENTER_IDS_MAX)),
  ),
  /**
   * Absent: a full deprovision (every group of every configured help center). Added within
   * schema version 1: a message without it reads as before.
   */
  scope: z.optional(GroupScopeSchema),
  /**
   * Absent: act on the subject now. Present: check Microsoft Graph first (see GraphCheckSchema).
   * Added within schema version 1 like `scope`: optional and additive, so every v1 message
   * written before it still parses, and a v1 reader that predates it rejects (never misreads)
   * a message carrying it (the schema is strict), leaving it to the queue's redrive policy.
   */
  check: z.optional(GraphCheckSchema),
});
export type DeprovisionRequest = z.infer<typeof DeprovisionRequestSchema>;

/** `value` as `schema` normalises it, or undefined when it does not fit (intake keeps what fits). */
export function fits<T>(
  schema: { safeParse(value: unknown): { success: boolean; data?: T } },
  value: unknown,
): T | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Returns the most useful id to log for a subject (never the email). */
export function subjectLogId(subject: Subject): string {
  return subject.idpUserId ?? subject.externalId ?? subject.login ?? '(email only)';
}

/** Built once: building a zod schema costs more than a parse (it ran per event in ingest). */
const EmailSchema = z.email();

/** True when `value` looks like an email address (used to derive `email` from a login). */
export function looksLikeEmail(value: string): boolean {
  return EmailSchema.safeParse(value).success;
}

/**
 * A `graph-delta` resync request (the lifecycle notifications, the local runner's schedule; the
 * stack's EventBridge schedule writes the same JSON). @throws z.core.$ZodError for an unusable id
 */
export function graphDeltaResyncRequest(input: {
  requestId: string;
  trigger: (typeof GRAPH_DELTA_TRIGGERS)[number];
  at: Date;
  reason?: string;
  initialSync?: 'record-only' | 'deprovision-disabled';
}): DeprovisionRequest {
  const at = input.at.toISOString();
  return DeprovisionRequestSchema.parse({
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    requestId: input.requestId,
    source: 'graph',
    subject: GRAPH_DELTA_SUBJECT,
    reason: input.reason ?? `graph.delta.${input.trigger}`,
    occurredAt: at,
    receivedAt: at,
    check: {
      kind: 'graph-delta',
      trigger: input.trigger,
      ...(input.initialSync ? { initialSync: input.initialSync } : {}),
    },
  });
}
