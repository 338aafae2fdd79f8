import * as z from 'zod';

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

const nonEmpty = z.string().trim().min(1).max(512);

export const SubjectSchema = z
  .object({
    idpUserId: nonEmpty.optional(),
    email: z.string().trim().toLowerCase().pipe(z.email()).optional(),
    login: nonEmpty.optional(),
    externalId: nonEmpty.optional(),
  })
  .strict()
  .refine(
    (s) =>
      s.idpUserId !== undefined ||
      s.email !== undefined ||
      s.login !== undefined ||
      s.externalId !== undefined,
    { message: 'subject needs at least one of idpUserId, email, login, externalId' },
  );
export type Subject = z.infer<typeof SubjectSchema>;

/**
 * Narrows a request to one membership (seed Approach A): remove the person from the Help Center
 * group that the IdP group `idpGroupId` is mapped to, and from nothing else. The worker acts only
 * when the scope is exactly an entry of its group mapping.
 */
export const GroupScopeSchema = z
  .object({
    kind: z.literal('group'),
    idpGroupId: nonEmpty,
    helpCenterId: nonEmpty,
    groupId: nonEmpty,
  })
  .strict();
export type GroupScope = z.infer<typeof GroupScopeSchema>;

/**
 * The one message that crosses the work queue. Every source event becomes zero or more of these.
 * `requestId` is derived from the source's own delivery or event id so that a redelivery dedupes.
 */
export const DeprovisionRequestSchema = z
  .object({
    schemaVersion: z.literal(DEPROVISION_REQUEST_SCHEMA_VERSION),
    requestId: nonEmpty,
    source: DeprovisionSourceSchema,
    subject: SubjectSchema,
    reason: nonEmpty,
    occurredAt: z.iso.datetime({ offset: true }),
    receivedAt: z.iso.datetime({ offset: true }),
    helpCenterIds: z.array(nonEmpty).min(1).optional(),
    /**
     * Absent: a full deprovision (every group of every configured help center). Added within
     * schema version 1: a message without it reads as before.
     */
    scope: GroupScopeSchema.optional(),
  })
  .strict();
export type DeprovisionRequest = z.infer<typeof DeprovisionRequestSchema>;

/** Returns the most useful id to log for a subject (never the email). */
export function subjectLogId(subject: Subject): string {
  return subject.idpUserId ?? subject.externalId ?? subject.login ?? '(email only)';
}

/** True when `value` looks like an email address (used to derive `email` from a login). */
export function looksLikeEmail(value: string): boolean {
  return z.email().safeParse(value).success;
}
