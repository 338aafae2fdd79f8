import { type GroupMapping, mappedScope } from '#core/config/group-mapping.ts';
import * as z from '#core/contract/zod.ts';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  fits,
  type GroupScope,
  looksLikeEmail,
  SubjectFieldSchemas,
} from '#core/domain/deprovision-request.ts';

/** An Okta System Log `target[]` entry (only the fields we use; the rest pass through). */
const OktaTargetSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  type: z.string(),
  alternateId: z.nullish(z.string()),
  displayName: z.nullish(z.string()),
});

/** An Okta System Log event (LogEvent) as delivered inside an event hook. */
export const OktaLogEventSchema = z.looseObject({
  uuid: z.string().check(z.minLength(1)),
  eventType: z.string().check(z.minLength(1)),
  published: z.iso.datetime({ offset: true }),
  outcome: z.nullish(z.looseObject({ result: z.nullish(z.string()) })),
  target: z.nullish(z.array(OktaTargetSchema)),
});
export type OktaLogEvent = z.infer<typeof OktaLogEventSchema>;

/** The Okta event hook delivery envelope. */
export const OktaEventHookEnvelopeSchema = z.looseObject({
  eventType: z.optional(z.string()),
  eventId: z.optional(z.string()),
  data: z.looseObject({ events: z.array(z.unknown()) }),
});

/**
 * Okta System Log event types whose meaning depends on a target other than the user (Okta Event
 * Types catalog, developer.okta.com/docs/reference/api/event-types): handled by their own rule,
 * never as a plain deprovision even when listed in OKTA_DEPROVISION_EVENT_TYPES.
 */
export const OKTA_APP_UNASSIGN_EVENT = 'application.user_membership.remove';
export const OKTA_GROUP_LEAVE_EVENT = 'group.user_membership.remove';

export interface OktaNormaliseOptions {
  deprovisionEventTypes: ReadonlySet<string>;
  /**
   * Okta app instance ids of the Zoho Desk app: `application.user_membership.remove` (targets
   * `AppUser`, `AppInstance`, `User`) deprovisions fully only when its `AppInstance` target is one
   * of these. Empty or absent: app unassignments are ignored.
   */
  zohoAppInstanceIds?: ReadonlySet<string>;
  /**
   * IdP group → Help Center group. `group.user_membership.remove` (targets `User`, `UserGroup`)
   * for a mapped group becomes a group-level request for that membership only; unmapped groups
   * (or no mapping) are ignored.
   */
  groupMapping?: GroupMapping;
  receivedAt: Date;
  source?: 'okta-event-hook' | 'eventbridge';
}

export interface OktaNormaliseResult {
  requests: DeprovisionRequest[];
  /** Events skipped because of their type, outcome or lack of a User target. */
  ignored: number;
  /** Events (or users of an event) that did not match the LogEvent shape or the request limits. */
  invalid: number;
}

/**
 * Turns Okta LogEvents into deprovision requests: one per `User` target of each event whose type is
 * configured and whose outcome is SUCCESS. `requestId` is the event `uuid` (suffixed with the target
 * id when one event names several users), so a redelivered event dedupes downstream.
 */
export function oktaEventsToRequests(
  events: readonly unknown[],
  options: OktaNormaliseOptions,
): OktaNormaliseResult {
  const requests: DeprovisionRequest[] = [];
  let ignored = 0;
  let invalid = 0;
  for (const candidate of events) {
    const parsed = OktaLogEventSchema.safeParse(candidate);
    if (!parsed.success) {
      invalid += 1;
      continue;
    }
    const event = parsed.data;
    const users = (event.target ?? []).filter((t) => t.type === 'User');
    let scope: GroupScope | undefined;
    if (event.eventType === OKTA_GROUP_LEAVE_EVENT) {
      scope = mappedGroupScope(event, options);
      if (scope === undefined || event.outcome?.result !== 'SUCCESS' || users.length === 0) {
        ignored += 1;
        continue;
      }
    } else if (
      !isDeprovisioning(event, options) ||
      event.outcome?.result !== 'SUCCESS' ||
      users.length === 0
    ) {
      ignored += 1;
      continue;
    }
    for (const user of users) {
      // A login outside the limits is left out (the Okta id still names the person); a request
      // the worker could not parse is never enqueued: it is counted as invalid instead.
      const login = fits(SubjectFieldSchemas.login, user.alternateId);
      const email =
        login && looksLikeEmail(login) ? fits(SubjectFieldSchemas.email, login) : undefined;
      const request = DeprovisionRequestSchema.safeParse({
        schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
        requestId: users.length === 1 ? event.uuid : `${event.uuid}:${user.id}`,
        source: options.source ?? 'okta-event-hook',
        subject: {
          idpUserId: user.id,
          ...(login ? { login } : {}),
          ...(email ? { email } : {}),
        },
        reason: event.eventType,
        occurredAt: new Date(event.published).toISOString(),
        receivedAt: options.receivedAt.toISOString(),
        ...(scope ? { scope } : {}),
      });
      if (request.success) requests.push(request.data);
      else invalid += 1;
    }
  }
  return { requests, ignored, invalid };
}

/**
 * Whether an event deprovisions its `User` targets fully. App unassignment counts only for the
 * configured Zoho Desk app instances; group membership removal never does (it is group-level).
 */
function isDeprovisioning(event: OktaLogEvent, options: OktaNormaliseOptions): boolean {
  if (event.eventType === OKTA_GROUP_LEAVE_EVENT) return false;
  if (event.eventType === OKTA_APP_UNASSIGN_EVENT) {
    const apps = (event.target ?? []).filter((t) => t.type === 'AppInstance');
    return apps.length > 0 && apps.every((app) => options.zohoAppInstanceIds?.has(app.id) === true);
  }
  return options.deprovisionEventTypes.has(event.eventType);
}

/**
 * `group.user_membership.remove` for a mapped `UserGroup`: the scope of its group-level requests
 * (one per `User` target). Several `UserGroup` targets or an unmapped one: none (never guess).
 */
function mappedGroupScope(
  event: OktaLogEvent,
  options: OktaNormaliseOptions,
): GroupScope | undefined {
  const groups = (event.target ?? []).filter((t) => t.type === 'UserGroup');
  return groups.length === 1 ? mappedScope(options.groupMapping, groups[0]?.id ?? '') : undefined;
}
