import { type GroupMapping, mappedScope } from '#core/config/group-mapping.ts';
import {
  CUSTOM_EVENT_DETAIL_TYPE,
  DEFAULT_CUSTOM_EVENT_SOURCE,
  GROUP_EVENT_DETAIL_TYPE,
  OKTA_PARTNER_SOURCE_PREFIX,
} from '#core/contract/events.ts';
import * as z from '#core/contract/zod.ts';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  SubjectSchema,
} from '#core/domain/deprovision-request.ts';
import { oktaEventsToRequests } from '#core/intake/okta/normalise.ts';

export { DEFAULT_CUSTOM_EVENT_SOURCE };

export const OKTA_PARTNER_DETAIL_TYPE = 'SystemLog';
export const DEFAULT_CUSTOM_EVENT_REASON = 'eventbridge.user-deprovisioned';

/** The EventBridge event envelope (only the fields we route on). */
export const EventBridgeEventSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  'detail-type': z.string(),
  source: z.string(),
  time: z.optional(z.string()),
  detail: z.unknown(),
});
export type EventBridgeEvent = z.infer<typeof EventBridgeEventSchema>;

/**
 * `detail` of the custom "User Deprovisioned" event. Unknown keys are dropped, not rejected, so a
 * publisher may add its own fields; `subject` stays strict because it decides who is removed.
 */
export const CustomDeprovisionDetailSchema = z.object({
  subject: SubjectSchema,
  reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(512))),
  occurredAt: z.optional(z.iso.datetime({ offset: true })),
  helpCenterIds: z.optional(
    z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(512))).check(z.minLength(1)),
  ),
  /** Group-level: required for "Group Membership Removed"; also makes "User Deprovisioned" one. */
  idpGroupId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(512))),
});
export type CustomDeprovisionDetail = z.infer<typeof CustomDeprovisionDetailSchema>;

export interface EventBridgeNormaliseOptions {
  deprovisionEventTypes: ReadonlySet<string>;
  customEventSource: string;
  receivedAt: Date;
  /** IdP group → Help Center group (group-level custom events and Okta group leaves). */
  groupMapping?: GroupMapping;
}

export type EventBridgeNormaliseResult =
  | { kind: 'okta' | 'custom'; requests: DeprovisionRequest[]; ignored: number }
  | { kind: 'ignored'; requests: []; why: string }
  | { kind: 'invalid'; requests: []; why: string };

function validTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/**
 * Turns one EventBridge event into deprovision requests. Okta log-streaming partner events
 * (`detail` is a System Log LogEvent) go through the Okta normaliser with `requestId` = the LogEvent
 * uuid; the custom "User Deprovisioned" event becomes one request with `requestId` = the event id,
 * "Group Membership Removed" (or any custom event with `idpGroupId`) one group-level request when
 * its group is mapped (ignored otherwise).
 * Never throws: an envelope or detail we cannot read is reported as `invalid`, anything else as
 * `ignored`.
 */
export function eventBridgeEventToRequests(
  candidate: unknown,
  options: EventBridgeNormaliseOptions,
): EventBridgeNormaliseResult {
  const envelope = EventBridgeEventSchema.safeParse(candidate);
  if (!envelope.success) return { kind: 'invalid', requests: [], why: 'not an EventBridge event' };
  const event = envelope.data;
  const detailType = event['detail-type'];

  if (event.source.startsWith(OKTA_PARTNER_SOURCE_PREFIX)) {
    if (detailType !== OKTA_PARTNER_DETAIL_TYPE) {
      return { kind: 'ignored', requests: [], why: `okta detail-type ${detailType}` };
    }
    const result = oktaEventsToRequests([event.detail], {
      deprovisionEventTypes: options.deprovisionEventTypes,
      receivedAt: options.receivedAt,
      source: 'eventbridge',
      ...(options.groupMapping ? { groupMapping: options.groupMapping } : {}),
    });
    if (result.invalid > 0) {
      return { kind: 'invalid', requests: [], why: 'okta detail is not a System Log event' };
    }
    return { kind: 'okta', requests: result.requests, ignored: result.ignored };
  }

  const groupEvent = detailType === GROUP_EVENT_DETAIL_TYPE;
  if (
    event.source === options.customEventSource &&
    (groupEvent || detailType === CUSTOM_EVENT_DETAIL_TYPE)
  ) {
    const detail = CustomDeprovisionDetailSchema.safeParse(event.detail);
    if (!detail.success) {
      return {
        kind: 'invalid',
        requests: [],
        why: `custom event detail is invalid: ${detail.error.issues
          .map((issue) => `${issue.path.join('.') || '(detail)'} ${issue.message}`)
          .join('; ')}`,
      };
    }
    const { idpGroupId } = detail.data;
    if (groupEvent && idpGroupId === undefined) {
      return {
        kind: 'invalid',
        requests: [],
        why: 'custom event detail is invalid: idpGroupId required',
      };
    }
    const scope =
      idpGroupId === undefined ? undefined : mappedScope(options.groupMapping, idpGroupId);
    if (idpGroupId !== undefined && scope === undefined) {
      // Group-level by its publisher: an unmapped group is ignored, never widened to every group.
      return { kind: 'ignored', requests: [], why: 'group not in GROUP_MAPPING' };
    }
    const receivedAt = options.receivedAt.toISOString();
    const request = DeprovisionRequestSchema.safeParse({
      schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
      requestId: event.id,
      source: 'eventbridge',
      subject: detail.data.subject,
      reason: detail.data.reason ?? DEFAULT_CUSTOM_EVENT_REASON,
      occurredAt: detail.data.occurredAt ?? validTime(event.time) ?? receivedAt,
      receivedAt,
      ...(detail.data.helpCenterIds ? { helpCenterIds: detail.data.helpCenterIds } : {}),
      ...(scope ? { scope } : {}),
    });
    if (!request.success) {
      return { kind: 'invalid', requests: [], why: 'custom event does not make a valid request' };
    }
    return { kind: 'custom', requests: [request.data], ignored: 0 };
  }

  return { kind: 'ignored', requests: [], why: `unhandled source/detail-type ${detailType}` };
}
