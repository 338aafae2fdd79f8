import { type GroupMapping, mappedScope } from '#core/config/group-mapping.ts';
import {
  ConfigError,
  PayloadTooLargeError,
  UnauthorizedError,
  ValidationError,
} from '#core/domain/errors.ts';
import { type HttpRequest, readJsonBody } from '#core/http/http.ts';
import {
  decodeSigningSecret,
  SIGNED_WEBHOOK_DEPROVISION_TYPE,
  SIGNED_WEBHOOK_GROUP_TYPE,
  SignedWebhookDeprovisionSchema,
  SignedWebhookEventSchema,
  signedWebhookToRequest,
  timestampIsFresh,
  verifyWebhookSignature,
} from '#core/intake/signed-webhook/normalise.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export interface SignedWebhookDeps {
  queue: WorkQueue;
  secrets: WebhookSecretsReader;
  clock: Clock;
  logger: Logger;
  maxBodyBytes: number;
  /** IdP group → Help Center group, for group-level events. */
  groupMapping?: GroupMapping;
}

export interface SignedWebhookResult {
  enqueued: number;
}

/**
 * Receives one Standard Webhooks delivery: checks the timestamp and the signature over the exact
 * raw body bytes before parsing anything, then enqueues one request for `user.deprovisioned`, or a
 * group-level one for `group.membership.removed` (or any with `idpGroupId`) of a mapped group
 * (other types and unmapped groups are acknowledged and ignored). Resolves only after the request is on the queue.
 * @throws PayloadTooLargeError, UnauthorizedError (bad/missing signature, stale timestamp),
 * ValidationError (invalid body), ConfigError (unusable signing secret), QueueError.
 */
export async function receiveSignedWebhook(
  deps: SignedWebhookDeps,
  request: HttpRequest,
): Promise<SignedWebhookResult> {
  if (request.body.byteLength > deps.maxBodyBytes) {
    throw new PayloadTooLargeError(`Body is larger than ${deps.maxBodyBytes} bytes`);
  }
  const key = decodeSigningSecret(await deps.secrets.get('webhookSigningSecret'));
  if (key === undefined) {
    throw new ConfigError('The webhook signing secret is not a whsec_<base64> value', [
      'webhookSigningSecret',
    ]);
  }
  const webhookId = request.headers['webhook-id'] ?? '';
  const timestamp = request.headers['webhook-timestamp'] ?? '';
  const signatureHeader = request.headers['webhook-signature'] ?? '';
  const now = deps.clock.now();
  if (
    webhookId === '' ||
    !timestampIsFresh(timestamp, now) ||
    !verifyWebhookSignature({ key, id: webhookId, timestamp, body: request.body, signatureHeader })
  ) {
    throw new UnauthorizedError();
  }

  const event = SignedWebhookEventSchema.safeParse(readJsonBody(request, deps.maxBodyBytes));
  if (!event.success) throw new ValidationError('Body must be a JSON object with a "type"');
  const { type } = event.data;
  if (type !== SIGNED_WEBHOOK_DEPROVISION_TYPE && type !== SIGNED_WEBHOOK_GROUP_TYPE) {
    deps.logger.info('signed webhook ignored', {
      source: 'webhook',
      webhookId,
      type: event.data.type,
    });
    return { enqueued: 0 };
  }
  const deprovision = SignedWebhookDeprovisionSchema.safeParse(event.data);
  if (!deprovision.success) {
    throw new ValidationError(
      `Invalid ${type} event (check ${issuePaths(deprovision.error.issues)})`,
    );
  }
  const { idpGroupId } = deprovision.data;
  if (type === SIGNED_WEBHOOK_GROUP_TYPE && idpGroupId === undefined) {
    throw new ValidationError(`Invalid ${type} event (check idpGroupId)`);
  }
  const scope = idpGroupId === undefined ? undefined : mappedScope(deps.groupMapping, idpGroupId);
  if (idpGroupId !== undefined && scope === undefined) {
    // Group-level by its sender: an unmapped group is ignored, never widened to every group.
    deps.logger.info('signed webhook ignored: group not mapped', { source: 'webhook', webhookId });
    return { enqueued: 0 };
  }
  const normalised = signedWebhookToRequest(
    deprovision.data,
    { webhookId, timestamp, receivedAt: now },
    scope,
  );
  if (!normalised.success) {
    throw new ValidationError(
      `The event does not make a valid request (check ${issuePaths(normalised.error.issues)})`,
    );
  }
  await deps.queue.send([normalised.data]);
  deps.logger.info('signed webhook accepted', {
    source: 'webhook',
    requestId: normalised.data.requestId,
    reason: normalised.data.reason,
  });
  return { enqueued: 1 };
}

function issuePaths(issues: readonly { path: readonly PropertyKey[] }[]): string {
  return [...new Set(issues.map((i) => i.path.map(String).join('.') || '(root)'))].join(', ');
}
