import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import {
  decodeSigningSecret,
  signWebhook,
  verifyWebhookSignature,
} from '#core/intake/signed-webhook/normalise.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import { apiGatewayEvent, lambdaContext } from '../../../helpers/api-gateway.ts';

const SECRET_ID = 'webhook-secret';
const KEY = Buffer.from('signed-webhook-unit-test-key-0123456789', 'utf8');
const SIGNING_SECRET = `whsec_${KEY.toString('base64')}`;
const NOW = new Date('2026-11-20T09:15:00.000Z');
const NOW_SECONDS = String(Math.floor(NOW.getTime() / 1000));

function setup() {
  const queue = new InMemoryWorkQueue();
  const handler = createIngestHandler({
    identityStore: new InMemoryIdentityStore(),
    config: {
      workQueueUrl: 'http://queue.local/work',
      webhookSecretId: SECRET_ID,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      maxBodyBytes: 4096,
    },
    queue,
    secretSource: new StaticSecretSource({
      [SECRET_ID]: JSON.stringify({ webhookSigningSecret: SIGNING_SECRET }),
    }),
    clock: { now: () => NOW },
    logger: silentLogger,
  });
  return {
    queue,
    call: (event: ReturnType<typeof apiGatewayEvent>) => handler(event, lambdaContext),
  };
}

function signed(
  body: string | Buffer,
  options: {
    id?: string;
    timestamp?: string;
    signature?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const id = options.id ?? 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';
  const timestamp = options.timestamp ?? NOW_SECONDS;
  return apiGatewayEvent({
    method: 'POST',
    path: '/webhooks/events',
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': options.signature ?? signWebhook(KEY, id, timestamp, bytes),
      ...options.headers,
    },
    body: bytes,
  });
}

const deprovisioned = {
  type: 'user.deprovisioned',
  subject: { idpUserId: 'u-1001', email: 'Pat.Lee@Example.org', login: 'pat.lee' },
  reason: 'offboarding',
  occurredAt: '2026-11-20T09:10:00.000Z',
  helpCenterIds: ['hc-1'],
};

describe('signed webhook ingest (POST /webhooks/events)', () => {
  it('returns 200 and enqueues one webhook request whose requestId is the webhook-id', async () => {
    const { call, queue } = setup();
    const res = await call(signed(JSON.stringify(deprovisioned), { id: 'msg_abc' }));
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toEqual([
      {
        schemaVersion: 1,
        requestId: 'msg_abc',
        source: 'webhook',
        subject: { idpUserId: 'u-1001', email: 'pat.lee@example.org', login: 'pat.lee' },
        reason: 'offboarding',
        occurredAt: '2026-11-20T09:10:00.000Z',
        receivedAt: NOW.toISOString(),
        helpCenterIds: ['hc-1'],
      },
    ]);
    expect(DeprovisionRequestSchema.safeParse(queue.sent[0]).success).toBe(true);
  });

  it('defaults reason to the event type and occurredAt to the signed timestamp', async () => {
    const { call, queue } = setup();
    const body = JSON.stringify({ type: 'user.deprovisioned', subject: { externalId: 'E-7' } });
    const res = await call(signed(body, { timestamp: String(Number(NOW_SECONDS) - 60) }));
    expect(res.statusCode).toBe(200);
    expect(queue.sent[0]).toMatchObject({
      subject: { externalId: 'E-7' },
      reason: 'user.deprovisioned',
      occurredAt: '2026-11-20T09:14:00.000Z',
    });
  });

  it('accepts a signature header with several entries when any one matches', async () => {
    const { call, queue } = setup();
    const body = JSON.stringify(deprovisioned);
    const good = signWebhook(KEY, 'msg_multi', NOW_SECONDS, Buffer.from(body));
    const other = signWebhook(
      Buffer.from('rotated-out-key'),
      'msg_multi',
      NOW_SECONDS,
      Buffer.from(body),
    );
    const res = await call(signed(body, { id: 'msg_multi', signature: `v2,abc ${other} ${good}` }));
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(1);
  });

  it('acknowledges other event types with 200 and enqueues nothing', async () => {
    const { call, queue } = setup();
    const res = await call(
      signed(JSON.stringify({ type: 'user.created', subject: { login: 'x' } })),
    );
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(0);
  });

  it.each([
    ['a missing signature header', { signature: '' }],
    [
      'a signature made with another key',
      {
        signature: signWebhook(
          Buffer.from('nope'),
          'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
          NOW_SECONDS,
          Buffer.from('{}'),
        ),
      },
    ],
    ['a signature without the v1 prefix', { signature: 'Zm9vYmFy' }],
    ['a timestamp 301 seconds old', { timestamp: String(Number(NOW_SECONDS) - 301) }],
    ['a timestamp 301 seconds in the future', { timestamp: String(Number(NOW_SECONDS) + 301) }],
    ['a non-numeric timestamp', { timestamp: '2026-11-20T09:15:00Z' }],
    ['a missing webhook-id', { id: '' }],
  ])('answers 401 and enqueues nothing for %s', async (_name, options) => {
    const { call, queue } = setup();
    const res = await call(signed(JSON.stringify(deprovisioned), options));
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(res.body as string)).toEqual({ message: 'Unauthorized' });
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 401 when the body was changed after signing (signature covers the raw bytes)', async () => {
    const { call, queue } = setup();
    const body = JSON.stringify(deprovisioned);
    const signature = signWebhook(KEY, 'msg_1', NOW_SECONDS, Buffer.from(body));
    const reformatted = JSON.stringify(deprovisioned, null, 2);
    const res = await call(signed(reformatted, { id: 'msg_1', signature }));
    expect(res.statusCode).toBe(401);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 401 (not 400) for a malformed body with a bad signature', async () => {
    const { call } = setup();
    const res = await call(signed('{not json', { signature: 'v1,AAAA' }));
    expect(res.statusCode).toBe(401);
  });

  it.each([
    ['malformed JSON', '{"type": "user.deprovisioned",'],
    ['a JSON array', '[1,2]'],
    ['a deprovision without a subject', JSON.stringify({ type: 'user.deprovisioned' })],
    ['an empty subject', JSON.stringify({ type: 'user.deprovisioned', subject: {} })],
    [
      'an invalid email',
      JSON.stringify({ type: 'user.deprovisioned', subject: { email: 'not-an-email' } }),
    ],
    [
      'an unknown subject key',
      JSON.stringify({ type: 'user.deprovisioned', subject: { upn: 'a@b.c' } }),
    ],
    ['a bad occurredAt', JSON.stringify({ ...deprovisioned, occurredAt: 'yesterday' })],
    ['empty helpCenterIds', JSON.stringify({ ...deprovisioned, helpCenterIds: [] })],
  ])(
    'answers 400 and enqueues nothing for a correctly signed body with %s',
    async (_name, body) => {
      const { call, queue } = setup();
      const res = await call(signed(body));
      expect(res.statusCode).toBe(400);
      expect(queue.sent).toHaveLength(0);
    },
  );

  it('answers 400 for a correctly signed body that is not application/json', async () => {
    const { call, queue } = setup();
    const res = await call(
      signed(JSON.stringify(deprovisioned), { headers: { 'content-type': 'text/plain' } }),
    );
    expect(res.statusCode).toBe(400);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 413 for a body over the size limit', async () => {
    const { call, queue } = setup();
    const body = JSON.stringify({ ...deprovisioned, padding: 'x'.repeat(5000) });
    const res = await call(signed(body));
    expect(res.statusCode).toBe(413);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 503 when the queue refuses the request', async () => {
    const { call, queue } = setup();
    queue.failNext = true;
    const res = await call(signed(JSON.stringify(deprovisioned)));
    expect(res.statusCode).toBe(503);
  });

  it('answers 405 for GET', async () => {
    const { call } = setup();
    const res = await call(apiGatewayEvent({ method: 'GET', path: '/webhooks/events' }));
    expect(res.statusCode).toBe(405);
  });
});

describe('signed webhook signature', () => {
  it('decodes whsec_ secrets and rejects values that are not base64', () => {
    expect(decodeSigningSecret(SIGNING_SECRET)).toEqual(KEY);
    expect(decodeSigningSecret(KEY.toString('base64'))).toEqual(KEY);
    expect(decodeSigningSecret('whsec_')).toBeUndefined();
    expect(decodeSigningSecret('whsec_not base64!')).toBeUndefined();
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the Standard Webhooks specification's example (id, timestamp, payload, secret, signature).
    const key = decodeSigningSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')!;
    const body = Buffer.from('{"test": 2432232314}');
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '1614265330', body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('accepts only the exact id, timestamp and body it was computed over', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.uint8Array({ maxLength: 256 }),
        fc.nat(),
        (keyBytes, id, ts, bodyBytes, flip) => {
          const key = Buffer.from(keyBytes);
          const body = Buffer.from(bodyBytes);
          const timestamp = String(ts);
          const signatureHeader = signWebhook(key, id, timestamp, body);
          const ok = verifyWebhookSignature({ key, id, timestamp, body, signatureHeader });
          const tampered = Buffer.concat([body, Buffer.from([flip % 256])]);
          const bad = verifyWebhookSignature({
            key,
            id,
            timestamp,
            body: tampered,
            signatureHeader,
          });
          const otherTs = verifyWebhookSignature({
            key,
            id,
            timestamp: String(ts + 1),
            body,
            signatureHeader,
          });
          return ok && !bad && !otherTs;
        },
      ),
    );
  });

  it('never enqueues for an arbitrary body or headers that were not signed with the key', async () => {
    const { call, queue } = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.json(), fc.constant(JSON.stringify(deprovisioned))),
        fc.record(
          {
            'webhook-id': fc.string(),
            'webhook-timestamp': fc.oneof(fc.constant(NOW_SECONDS), fc.string()),
            'webhook-signature': fc.oneof(
              fc.string(),
              fc.base64String().map((s) => `v1,${s}`),
            ),
          },
          { requiredKeys: [] },
        ),
        async (body, headers) => {
          const res = await call(
            apiGatewayEvent({
              method: 'POST',
              path: '/webhooks/events',
              headers: { 'content-type': 'application/json', ...headers },
              body,
            }),
          );
          expect(res.statusCode).toBe(401);
          expect(queue.sent).toHaveLength(0);
        },
      ),
    );
  });
});
