import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DeprovisionRequest,
  DeprovisionRequestSchema,
} from '#core/domain/deprovision-request.ts';
import { QueueError } from '#core/domain/errors.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { silentLogger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import { mixedDelivery, OKTA_TEST_SECRET } from '../../../fixtures/okta-events.ts';
import { apiGatewayEvent, lambdaContext } from '../../../helpers/api-gateway.ts';

const SECRET_ID = 'webhook-secret';
const MAX_BODY_BYTES = 8 * 1024;

/** Records what was sent and, when told to, fails every send (counting the attempts). */
class ScriptedQueue implements WorkQueue {
  sent: DeprovisionRequest[] = [];
  failing = false;
  failedAttempts = 0;

  async send(requests: readonly DeprovisionRequest[]): Promise<void> {
    if (this.failing) {
      this.failedAttempts += 1;
      throw new QueueError('scripted failure');
    }
    this.sent.push(...requests);
  }

  reset(failing: boolean): void {
    this.sent = [];
    this.failing = failing;
    this.failedAttempts = 0;
  }
}

const queue = new ScriptedQueue();
const handler = createIngestHandler({
  identityStore: new InMemoryIdentityStore(),
  config: {
    workQueueUrl: 'http://queue.local/work',
    webhookSecretId: SECRET_ID,
    oktaDeprovisionEventTypes: [
      'user.lifecycle.deactivate',
      'user.lifecycle.suspend',
      'user.lifecycle.delete.initiated',
    ],
    maxBodyBytes: MAX_BODY_BYTES,
  },
  queue,
  secretSource: new StaticSecretSource({
    [SECRET_ID]: JSON.stringify({ oktaAuthorization: OKTA_TEST_SECRET }),
  }),
  clock: { now: () => new Date('2026-11-20T09:15:02.000Z') },
  logger: silentLogger,
});

type Json = unknown;

/** Applies `edits` to a deep copy of `value`: each edit walks a path and replaces or deletes. */
function mutate(
  value: Json,
  edits: readonly { steps: number[]; replacement: Json; remove: boolean }[],
) {
  const copy = structuredClone(value) as Json;
  for (const edit of edits) {
    let node: Json = copy;
    for (const [depth, step] of edit.steps.entries()) {
      if (node === null || typeof node !== 'object') break;
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[step % keys.length]!;
      const container = node as Record<string, Json>;
      if (depth === edit.steps.length - 1) {
        if (edit.remove) delete container[key];
        else container[key] = edit.replacement;
      } else node = container[key];
    }
  }
  return copy;
}

const mutatedDelivery = fc
  .array(
    fc.record({
      steps: fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
      replacement: fc.jsonValue({ maxDepth: 2 }),
      remove: fc.boolean(),
    }),
    { maxLength: 4 },
  )
  .map((edits) => JSON.stringify(mutate(mixedDelivery, edits)));

const body = fc.oneof(
  { arbitrary: fc.constant(JSON.stringify(mixedDelivery)), weight: 2 },
  { arbitrary: mutatedDelivery, weight: 4 },
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(''),
  fc.constant(`{"data":{"events":[]},"pad":"${'x'.repeat(MAX_BODY_BYTES)}"}`),
);

const authorization = fc.oneof(
  fc.constant<string | undefined>(undefined),
  { arbitrary: fc.constant(OKTA_TEST_SECRET), weight: 6 },
  fc.constant(OKTA_TEST_SECRET.toLowerCase()),
  fc.constant(` ${OKTA_TEST_SECRET}`),
  fc.constant(`${OKTA_TEST_SECRET}x`),
  fc.constant(''),
  fc.string({ maxLength: 60 }),
);

const contentType = fc.oneof(
  fc.constant<string | undefined>(undefined),
  { arbitrary: fc.constant('application/json'), weight: 4 },
  fc.constant('application/json; charset=utf-8'),
  fc.constant('Application/JSON'),
  fc.constant('text/plain'),
  fc.constant('application/x-www-form-urlencoded'),
  fc.string({ maxLength: 30 }),
);

const method = fc.oneof(
  { arbitrary: fc.constant('POST'), weight: 6 },
  fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'post'),
);

/** An independent statement of when a request may enqueue at all. */
function mayEnqueue(input: {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string | Buffer;
}): boolean {
  if (input.method.toUpperCase() !== 'POST' || input.authorization !== OKTA_TEST_SECRET)
    return false;
  const media = (input.contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (media !== 'application/json') return false;
  const bytes = Buffer.isBuffer(input.body) ? input.body : Buffer.from(input.body, 'utf8');
  if (bytes.byteLength > MAX_BODY_BYTES) return false;
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { data?: { events?: unknown } } | null;
    return Array.isArray(parsed?.data?.events);
  } catch {
    return false;
  }
}

describe('Okta event hook route under arbitrary input', () => {
  it('never throws, answers 5xx only when the queue failed, and enqueues only for authenticated valid deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(
        method,
        body,
        authorization,
        contentType,
        fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
        fc.boolean(),
        async (httpMethod, payload, auth, type, challenge, queueFails) => {
          queue.reset(queueFails);
          const headers: Record<string, string> = {};
          if (auth !== undefined) headers.Authorization = auth;
          if (type !== undefined) headers['Content-Type'] = type;
          if (challenge !== undefined) headers['X-Okta-Verification-Challenge'] = challenge;
          const res = await handler(
            apiGatewayEvent({ method: httpMethod, path: '/webhooks/okta', headers, body: payload }),
            lambdaContext,
          );

          expect(res.statusCode).toBeGreaterThanOrEqual(200);
          expect(res.statusCode).toBeLessThan(600);
          if (res.statusCode >= 500) expect(queue.failedAttempts).toBeGreaterThan(0);

          const allowed = mayEnqueue({
            method: httpMethod,
            authorization: auth,
            contentType: type,
            body: payload,
          });
          if (!allowed) {
            expect(queue.sent).toHaveLength(0);
            expect(queue.failedAttempts).toBe(0);
            if (httpMethod.toUpperCase() === 'POST') {
              expect(res.statusCode).toBeGreaterThanOrEqual(400);
              expect(res.statusCode).toBeLessThan(500);
            }
          }
          if (auth !== OKTA_TEST_SECRET && ['GET', 'POST'].includes(httpMethod.toUpperCase())) {
            expect(res.statusCode).toBe(401);
          }
          for (const request of queue.sent) {
            expect(DeprovisionRequestSchema.safeParse(request).success).toBe(true);
            expect(request.source).toBe('okta-event-hook');
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('enqueues exactly the deprovisioning users of a valid delivery whatever the content-type casing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('application/json', 'Application/Json; charset=UTF-8', 'APPLICATION/JSON'),
        async (type) => {
          queue.reset(false);
          const res = await handler(
            apiGatewayEvent({
              method: 'POST',
              path: '/webhooks/okta',
              headers: { Authorization: OKTA_TEST_SECRET, 'Content-Type': type },
              body: JSON.stringify(mixedDelivery),
            }),
            lambdaContext,
          );
          expect(res.statusCode).toBe(200);
          expect(queue.sent.map((r) => r.subject.idpUserId).sort()).toEqual([
            '00uALICE000000000001',
            '00uDAVE0000000000004',
            '00uERIN0000000000005',
          ]);
        },
      ),
    );
  });
});
