import type { GroupMapping } from '#core/config/group-mapping.ts';
import { UnauthorizedError, ValidationError } from '#core/domain/errors.ts';
import { secretsEqual } from '#core/http/http.ts';
import { OktaEventHookEnvelopeSchema, oktaEventsToRequests } from '#core/intake/okta/normalise.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export interface OktaEventHookDeps {
  queue: WorkQueue;
  secrets: WebhookSecretsReader;
  clock: Clock;
  logger: Logger;
  deprovisionEventTypes: ReadonlySet<string>;
  /** Okta app instance ids of the Zoho Desk app (see OktaNormaliseOptions). */
  zohoAppInstanceIds?: ReadonlySet<string>;
  /** IdP group → Help Center group (see OktaNormaliseOptions). */
  groupMapping?: GroupMapping;
}

/** @throws UnauthorizedError unless `authorization` equals the configured secret. */
async function authenticate(
  deps: OktaEventHookDeps,
  authorization: string | undefined,
): Promise<void> {
  const expected = await deps.secrets.get('oktaAuthorization');
  if (!secretsEqual(authorization, expected)) throw new UnauthorizedError();
}

/**
 * Answers Okta's one-time verification request.
 * @throws UnauthorizedError on a bad Authorization header; ValidationError without a challenge.
 */
export async function verifyOktaEventHook(
  deps: OktaEventHookDeps,
  input: { authorization: string | undefined; challenge: string | undefined },
): Promise<{ verification: string }> {
  await authenticate(deps, input.authorization);
  if (input.challenge === undefined || input.challenge === '') {
    throw new ValidationError('Missing X-Okta-Verification-Challenge header');
  }
  return { verification: input.challenge };
}

export interface OktaDeliveryResult {
  enqueued: number;
  ignored: number;
  invalid: number;
}

/**
 * Authenticates an event hook delivery, normalises its deprovisioning events and enqueues them.
 * Resolves only after every request is on the work queue.
 * @throws UnauthorizedError, ValidationError (bad envelope), QueueError (enqueue failed).
 */
export async function receiveOktaDelivery(
  deps: OktaEventHookDeps,
  input: { authorization: string | undefined; readBody: () => unknown },
): Promise<OktaDeliveryResult> {
  await authenticate(deps, input.authorization);
  const envelope = OktaEventHookEnvelopeSchema.safeParse(input.readBody());
  if (!envelope.success) {
    throw new ValidationError('Body is not an Okta event hook delivery (data.events[] missing)');
  }
  const result = oktaEventsToRequests(envelope.data.data.events, {
    deprovisionEventTypes: deps.deprovisionEventTypes,
    ...(deps.zohoAppInstanceIds ? { zohoAppInstanceIds: deps.zohoAppInstanceIds } : {}),
    ...(deps.groupMapping ? { groupMapping: deps.groupMapping } : {}),
    receivedAt: deps.clock.now(),
  });
  if (result.requests.length > 0) await deps.queue.send(result.requests);
  deps.logger.info('okta delivery accepted', {
    source: 'okta-event-hook',
    deliveryId: envelope.data.eventId,
    events: envelope.data.data.events.length,
    enqueued: result.requests.length,
    ignored: result.ignored,
    invalid: result.invalid,
    requestIds: result.requests.map((r) => r.requestId),
  });
  return { enqueued: result.requests.length, ignored: result.ignored, invalid: result.invalid };
}
