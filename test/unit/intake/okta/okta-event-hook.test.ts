import { describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { createIngestHandler, type IngestDeps } from '#core/intake/ingest-handler.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import {
  mixedDelivery,
  OKTA_TEST_SECRET,
  oktaDelivery,
  oktaLogEvent,
} from '../../../fixtures/okta-events.ts';
import { apiGatewayEvent, lambdaContext } from '../../../helpers/api-gateway.ts';

const SECRET_ID = 'webhook-secret';
const NOW = new Date('2026-11-20T09:15:02.000Z');

function setup(overrides: Partial<IngestDeps['config']> = {}) {
  const queue = new InMemoryWorkQueue();
  const deps: IngestDeps = {
    config: {
      workQueueUrl: 'http://queue.local/work',
      webhookSecretId: SECRET_ID,
      oktaDeprovisionEventTypes: [
        'user.lifecycle.deactivate',
        'user.lifecycle.suspend',
        'user.lifecycle.delete.initiated',
      ],
      maxBodyBytes: 256 * 1024,
      ...overrides,
    },
    queue,
    identityStore: new InMemoryIdentityStore(),
    secretSource: new StaticSecretSource({
      [SECRET_ID]: JSON.stringify({ oktaAuthorization: OKTA_TEST_SECRET }),
    }),
    clock: { now: () => NOW },
    logger: silentLogger,
  };
  const handler = createIngestHandler(deps);
  const call = (event: ReturnType<typeof apiGatewayEvent>) => handler(event, lambdaContext);
  return { queue, call };
}

const post = (body: unknown, headers: Record<string, string> = {}) =>
  apiGatewayEvent({
    method: 'POST',
    path: '/webhooks/okta',
    headers: { 'Content-Type': 'application/json', Authorization: OKTA_TEST_SECRET, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('Okta event hook ingest', () => {
  it('answers the verification GET by echoing the challenge header as JSON', async () => {
    const { call, queue } = setup();
    const res = await call(
      apiGatewayEvent({
        method: 'GET',
        path: '/webhooks/okta',
        headers: { Authorization: OKTA_TEST_SECRET, 'X-Okta-Verification-Challenge': 'abc-123' },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(res.body as string)).toEqual({ verification: 'abc-123' });
    expect(queue.sent).toHaveLength(0);
  });

  it('rejects a verification GET without the challenge header with 400', async () => {
    const { call } = setup();
    const res = await call(
      apiGatewayEvent({
        method: 'GET',
        path: '/webhooks/okta',
        headers: { Authorization: OKTA_TEST_SECRET },
      }),
    );
    expect(res.statusCode).toBe(400);
  });

  it('rejects a verification GET with the wrong Authorization with 401', async () => {
    const { call } = setup();
    const res = await call(
      apiGatewayEvent({
        method: 'GET',
        path: '/webhooks/okta',
        headers: { Authorization: 'Basic d3Jvbmc=', 'X-Okta-Verification-Challenge': 'abc' },
      }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('abc');
  });

  it('returns 200 and enqueues one request per deactivated user of a mixed delivery', async () => {
    const { call, queue } = setup();
    const res = await call(post(mixedDelivery));
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(queue.sent.map((r) => r.requestId)).toEqual([
      '11111111-aaaa-4bbb-8ccc-000000000001',
      '11111111-aaaa-4bbb-8ccc-000000000004:00uDAVE0000000000004',
      '11111111-aaaa-4bbb-8ccc-000000000004:00uERIN0000000000005',
    ]);
    for (const request of queue.sent)
      expect(DeprovisionRequestSchema.parse(request)).toEqual(request);
    expect(queue.sent[0]).toEqual({
      schemaVersion: 1,
      requestId: '11111111-aaaa-4bbb-8ccc-000000000001',
      source: 'okta-event-hook',
      subject: {
        idpUserId: '00uALICE000000000001',
        login: 'Alice.Jones@Example.org',
        email: 'alice.jones@example.org',
      },
      reason: 'user.lifecycle.deactivate',
      occurredAt: '2026-11-20T09:15:00.000Z',
      receivedAt: NOW.toISOString(),
    });
    expect(queue.sent[1]?.subject).toEqual({ idpUserId: '00uDAVE0000000000004', login: 'dave' });
  });

  it('acknowledges other event types and failed outcomes with 200 and enqueues nothing', async () => {
    const { call, queue } = setup();
    const res = await call(
      post(
        oktaDelivery([
          oktaLogEvent({ uuid: 'u1', eventType: 'user.session.start', targets: [{ id: '00u1' }] }),
          oktaLogEvent({
            uuid: 'u2',
            eventType: 'user.lifecycle.deactivate',
            result: 'FAILURE',
            targets: [{ id: '00u2' }],
          }),
          oktaLogEvent({ uuid: 'u3', eventType: 'user.lifecycle.deactivate', targets: [] }),
        ]),
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(0);
  });

  it('uses the configured event types instead of the defaults', async () => {
    const { call, queue } = setup({
      oktaDeprovisionEventTypes: ['user.lifecycle.delete.completed'],
    });
    await call(
      post(
        oktaDelivery([
          oktaLogEvent({
            uuid: 'a',
            eventType: 'user.lifecycle.deactivate',
            targets: [{ id: '00uA' }],
          }),
          oktaLogEvent({
            uuid: 'b',
            eventType: 'user.lifecycle.delete.completed',
            targets: [{ id: '00uB' }],
          }),
        ]),
      ),
    );
    expect(queue.sent.map((r) => r.subject.idpUserId)).toEqual(['00uB']);
  });

  it.each([
    ['missing', undefined],
    ['wrong', 'Basic d3Jvbmc6d3Jvbmc='],
    ['a prefix of the secret', OKTA_TEST_SECRET.slice(0, 10)],
  ])(
    'answers 401 with no detail and enqueues nothing when Authorization is %s',
    async (_, auth) => {
      const { call, queue } = setup();
      const event = post(mixedDelivery);
      if (auth === undefined) delete event.headers.authorization;
      else event.headers.authorization = auth;
      const res = await call(event);
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body as string)).toEqual({ message: 'Unauthorized' });
      expect(queue.sent).toHaveLength(0);
    },
  );

  it('answers 400 to malformed JSON and enqueues nothing', async () => {
    const { call, queue } = setup();
    const res = await call(post('{"data": {"events": ['));
    expect(res.statusCode).toBe(400);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 400 to a body that is not an event hook envelope', async () => {
    const { call, queue } = setup();
    const res = await call(post({ hello: 'world' }));
    expect(res.statusCode).toBe(400);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 400 to a wrong content type', async () => {
    const { call, queue } = setup();
    const res = await call(post(mixedDelivery, { 'Content-Type': 'text/plain' }));
    expect(res.statusCode).toBe(400);
    expect(queue.sent).toHaveLength(0);
  });

  it('accepts application/json with a charset parameter and a base64-encoded body', async () => {
    const { call, queue } = setup();
    const event = apiGatewayEvent({
      method: 'POST',
      path: '/webhooks/okta',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: OKTA_TEST_SECRET,
      },
      body: JSON.stringify(mixedDelivery),
      base64: true,
    });
    const res = await call(event);
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(3);
  });

  it('answers 413 to a body over the limit and enqueues nothing', async () => {
    const { call, queue } = setup();
    const big = oktaDelivery([
      oktaLogEvent({
        uuid: 'x',
        eventType: 'user.lifecycle.deactivate',
        targets: [{ id: '00uX', displayName: 'x'.repeat(300_000) }],
      }),
    ]);
    const res = await call(post(big));
    expect(res.statusCode).toBe(413);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 405 with an Allow header to other methods', async () => {
    const { call } = setup();
    const res = await call(apiGatewayEvent({ method: 'PUT', path: '/webhooks/okta', body: '{}' }));
    expect(res.statusCode).toBe(405);
    expect(res.headers?.allow).toBe('GET, POST');
  });

  it('answers 503 with a generic body when the enqueue fails, so Okta retries', async () => {
    const { call, queue } = setup();
    queue.failNext = true;
    const res = await call(post(mixedDelivery));
    expect(res.statusCode).toBe(503);
    expect(res.body).not.toContain('in-memory');
  });
});
