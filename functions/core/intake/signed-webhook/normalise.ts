import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from '#core/contract/zod.ts';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  type GroupScope,
  SubjectSchema,
} from '#core/domain/deprovision-request.ts';

/** The event type that means "deprovision this person"; every other type is acknowledged and ignored. */
export const SIGNED_WEBHOOK_DEPROVISION_TYPE = 'user.deprovisioned';
/**
 * "This person left the IdP group `idpGroupId`": removes exactly the Help Center membership
 * GROUP_MAPPING maps that group to; an unmapped group is ignored. `user.deprovisioned` with an
 * `idpGroupId` means the same (it never widens to a full deprovision).
 */
export const SIGNED_WEBHOOK_GROUP_TYPE = 'group.membership.removed';

/** Standard Webhooks allows this much clock skew, in either direction. */
export const SIGNED_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

const SECRET_PREFIX = 'whsec_';

/** Body of a signed webhook event (Standard Webhooks payload naming the subject). */
export const SignedWebhookEventSchema = z.looseObject({
  type: z.string().check(z.minLength(1)),
});

export const SignedWebhookDeprovisionSchema = z.looseObject({
  type: z.enum([SIGNED_WEBHOOK_DEPROVISION_TYPE, SIGNED_WEBHOOK_GROUP_TYPE]),
  idpGroupId: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(512))),
  subject: SubjectSchema,
  reason: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(512))),
  occurredAt: z.optional(z.iso.datetime({ offset: true })),
  helpCenterIds: z.optional(
    z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(512))).check(z.minLength(1)),
  ),
});

/**
 * Decodes a Standard Webhooks signing secret (`whsec_<base64>`; the prefix is optional) into the
 * HMAC key. Returns undefined when the value is not usable as a key.
 */
export function decodeSigningSecret(secret: string): Buffer | undefined {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.byteLength > 0 ? key : undefined;
}

/** `v1,<base64 HMAC-SHA256 of "${id}.${timestamp}.${body}">` for `key` (used by tests and senders). */
export function signWebhook(key: Buffer, id: string, timestamp: string, body: Buffer): string {
  return `v1,${hmac(key, id, timestamp, body).toString('base64')}`;
}

function hmac(key: Buffer, id: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest();
}

/**
 * True when any `v1,` entry of the space-separated `signatureHeader` is the HMAC of the exact raw
 * body bytes. Each candidate is compared in constant time; unknown versions are skipped.
 */
export function verifyWebhookSignature(input: {
  key: Buffer;
  id: string;
  timestamp: string;
  body: Buffer;
  signatureHeader: string;
}): boolean {
  const expected = hmac(input.key, input.id, input.timestamp, input.body);
  let matched = false;
  for (const entry of input.signatureHeader.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    if (given.byteLength === expected.byteLength && timingSafeEqual(given, expected)) {
      matched = true;
    }
  }
  return matched;
}

/** True when `timestamp` (Unix seconds) is within the tolerance of `now`, in either direction. */
export function timestampIsFresh(timestamp: string, now: Date): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  const skew = Math.abs(now.getTime() / 1000 - Number(timestamp));
  return skew <= SIGNED_WEBHOOK_TOLERANCE_SECONDS;
}

/**
 * Turns a verified `user.deprovisioned` event into the normalised request (group-level with
 * `scope`). `requestId` is the
 * `webhook-id`, so a redelivery dedupes downstream; `occurredAt` defaults to the signed timestamp.
 * Returns the zod error when the result is not a valid request (for example an over-long id).
 */
export function signedWebhookToRequest(
  event: z.infer<typeof SignedWebhookDeprovisionSchema>,
  meta: { webhookId: string; timestamp: string; receivedAt: Date },
  scope?: GroupScope,
) {
  const candidate: DeprovisionRequest = {
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    requestId: meta.webhookId,
    source: 'webhook',
    subject: event.subject,
    reason: event.reason ?? event.type,
    occurredAt: new Date(event.occurredAt ?? Number(meta.timestamp) * 1000).toISOString(),
    receivedAt: meta.receivedAt.toISOString(),
    ...(event.helpCenterIds ? { helpCenterIds: event.helpCenterIds } : {}),
    ...(scope ? { scope } : {}),
  };
  return DeprovisionRequestSchema.safeParse(candidate);
}
