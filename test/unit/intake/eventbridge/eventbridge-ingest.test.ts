import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { createEventBridgeIngestHandler } from '#core/intake/eventbridge/handler.ts';
import { type Logger, silentLogger } from '#core/ports/logger.ts';
import { buildEventBridgeIngestFromEnv } from '../../../../functions/eventbridge-ingest/compose.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { oktaLogEvent } from '../../../fixtures/okta-events.ts';
import { recordingLogger } from '../../../helpers/recording-logger.ts';

const NOW = new Date('2026-11-20T09:15:02.000Z');

function setup(logger: Logger = silentLogger) {
  const queue = new InMemoryWorkQueue();
  const metrics: { name: string; value: number }[] = [];
  const handler = createEventBridgeIngestHandler({
    queue,
    clock: { now: () => NOW },
    logger,
    oktaDeprovisionEventTypes: ['user.lifecycle.deactivate', 'user.lifecycle.suspend'],
    customEventSource: 'helpcenter.deprovisioner',
    metric: (name, value = 1) => metrics.push({ name, value }),
  });
  return { queue, handler, metrics };
}

/** EventBridge envelope as AWS documents it ("Amazon EventBridge events" / event structure). */
function envelope(options: {
  id?: string;
  source: string;
  detailType: string;
  detail: unknown;
  time?: string;
}) {
  return {
    version: '0',
    id: options.id ?? '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': options.detailType,
    source: options.source,
    account: '111122223333',
    time: options.time ?? '2026-11-20T09:15:00Z',
    region: 'eu-west-1',
    resources: [],
    detail: options.detail,
  };
}

const OKTA_SOURCE = 'aws.partner/okta.com/example-org/helpcenter-stream';

describe('EventBridge ingest: Okta log-streaming partner events', () => {
  it('enqueues one request for a user.lifecycle.deactivate SystemLog event, requestId = LogEvent uuid', async () => {
    const { handler, queue } = setup();
    const result = await handler(
      envelope({
        source: OKTA_SOURCE,
        detailType: 'SystemLog',
        detail: oktaLogEvent({
          uuid: '3f1c1d9e-8a57-11ef-9c2b-8b1e4a0c1d01',
          eventType: 'user.lifecycle.deactivate',
          targets: [{ id: '00u1abcd', alternateId: 'Jane.Doe@Example.org' }],
        }),
      }),
    );
    expect(result).toEqual({ kind: 'okta', enqueued: 1 });
    expect(queue.sent).toHaveLength(1);
    const request = DeprovisionRequestSchema.parse(queue.sent[0]);
    expect(request).toMatchObject({
      requestId: '3f1c1d9e-8a57-11ef-9c2b-8b1e4a0c1d01',
      source: 'eventbridge',
      subject: {
        idpUserId: '00u1abcd',
        login: 'Jane.Doe@Example.org',
        email: 'jane.doe@example.org',
      },
      reason: 'user.lifecycle.deactivate',
      receivedAt: NOW.toISOString(),
    });
  });

  it('ignores session events such as user.session.access_admin_app', async () => {
    const { handler, queue } = setup();
    const result = await handler(
      envelope({
        source: OKTA_SOURCE,
        detailType: 'SystemLog',
        detail: oktaLogEvent({
          uuid: 'a0b1',
          eventType: 'user.session.access_admin_app',
          targets: [{ id: '00u1abcd' }],
        }),
      }),
    );
    expect(result.enqueued).toBe(0);
    expect(queue.sent).toHaveLength(0);
  });

  it('ignores a deactivate whose outcome is FAILURE', async () => {
    const { handler, queue } = setup();
    const result = await handler(
      envelope({
        source: OKTA_SOURCE,
        detailType: 'SystemLog',
        detail: oktaLogEvent({
          uuid: 'a0b2',
          eventType: 'user.lifecycle.deactivate',
          result: 'FAILURE',
          targets: [{ id: '00u1abcd' }],
        }),
      }),
    );
    expect(result.enqueued).toBe(0);
    expect(queue.sent).toHaveLength(0);
  });

  it('logs and drops an Okta event whose detail is not a LogEvent (no throw, nothing enqueued)', async () => {
    const { logger, lines } = recordingLogger();
    const { handler, queue, metrics } = setup(logger);
    const result = await handler(
      envelope({ source: OKTA_SOURCE, detailType: 'SystemLog', detail: { hello: 'world' } }),
    );
    expect(result).toEqual({ kind: 'invalid', enqueued: 0 });
    expect(queue.sent).toHaveLength(0);
    expect(lines.some((l) => l.level === 'error')).toBe(true);
    expect(metrics).toEqual([{ name: 'EventDropped', value: 1 }]);
  });
});

describe('EventBridge ingest: custom "User Deprovisioned" event', () => {
  const custom = (detail: unknown, overrides: { source?: string; detailType?: string } = {}) =>
    envelope({
      id: 'b7a1c3d4-0000-4000-8000-000000000001',
      source: overrides.source ?? 'helpcenter.deprovisioner',
      detailType: overrides.detailType ?? 'User Deprovisioned',
      detail,
      time: '2026-11-20T09:14:00Z',
    });

  it('enqueues one request with requestId = event id and the given subject', async () => {
    const { handler, queue } = setup();
    const result = await handler(
      custom({
        subject: { email: 'Jane.Doe@Example.org', idpUserId: 'hr-4711' },
        reason: 'hr.termination',
        occurredAt: '2026-11-20T08:00:00Z',
        helpCenterIds: ['hc-1'],
      }),
    );
    expect(result).toEqual({ kind: 'custom', enqueued: 1 });
    const request = DeprovisionRequestSchema.parse(queue.sent[0]);
    expect(request).toEqual({
      schemaVersion: 1,
      requestId: 'b7a1c3d4-0000-4000-8000-000000000001',
      source: 'eventbridge',
      subject: { email: 'jane.doe@example.org', idpUserId: 'hr-4711' },
      reason: 'hr.termination',
      occurredAt: '2026-11-20T08:00:00Z',
      receivedAt: NOW.toISOString(),
      helpCenterIds: ['hc-1'],
    });
  });

  it('defaults reason to eventbridge.user-deprovisioned and occurredAt to the event time', async () => {
    const { handler, queue } = setup();
    await handler(custom({ subject: { login: 'jdoe' } }));
    expect(queue.sent[0]).toMatchObject({
      reason: 'eventbridge.user-deprovisioned',
      occurredAt: '2026-11-20T09:14:00.000Z',
      subject: { login: 'jdoe' },
    });
  });

  it.each([
    ['an empty subject', { subject: {} }],
    ['no subject', { reason: 'x' }],
    ['a bad email', { subject: { email: 'not-an-email' } }],
    ['an unknown subject key', { subject: { email: 'a@example.org', name: 'A' } }],
    ['an empty helpCenterIds', { subject: { login: 'a' }, helpCenterIds: [] }],
    ['a string detail', 'subject=a'],
  ])('logs, counts and drops a detail with %s', async (_name, detail) => {
    const { logger, lines } = recordingLogger();
    const { handler, queue, metrics } = setup(logger);
    const result = await handler(custom(detail));
    expect(result).toEqual({ kind: 'invalid', enqueued: 0 });
    expect(queue.sent).toHaveLength(0);
    expect(metrics).toEqual([{ name: 'EventDropped', value: 1 }]);
    const error = lines.find((l) => l.level === 'error');
    expect(error?.extra).toMatchObject({ eventId: 'b7a1c3d4-0000-4000-8000-000000000001' });
    expect(JSON.stringify(error)).not.toContain('a@example.org');
  });

  it('ignores unknown detail keys and enqueues the request without them', async () => {
    const { handler, queue, metrics } = setup();
    const result = await handler(
      custom({
        subject: { login: 'jdoe' },
        reason: 'hr.termination',
        dryRun: true,
        ticket: { id: 'HR-1', system: 'workday' },
      }),
    );
    expect(result).toEqual({ kind: 'custom', enqueued: 1 });
    const request = DeprovisionRequestSchema.parse(queue.sent[0]);
    expect(request).toMatchObject({ subject: { login: 'jdoe' }, reason: 'hr.termination' });
    expect(queue.sent[0]).not.toHaveProperty('dryRun');
    expect(queue.sent[0]).not.toHaveProperty('ticket');
    expect(metrics).toEqual([]);
  });

  it('ignores the custom detail-type from another source', async () => {
    const { handler, queue } = setup();
    const result = await handler(
      custom({ subject: { login: 'jdoe' } }, { source: 'someone.else' }),
    );
    expect(result.kind).toBe('ignored');
    expect(queue.sent).toHaveLength(0);
  });

  it('ignores unrelated events and non-events without throwing', async () => {
    const { handler, queue } = setup();
    await expect(
      handler(envelope({ source: 'aws.ec2', detailType: 'EC2 Instance State-change', detail: {} })),
    ).resolves.toMatchObject({ kind: 'ignored' });
    await expect(handler(null)).resolves.toMatchObject({ kind: 'invalid' });
    await expect(handler('hello')).resolves.toMatchObject({ kind: 'invalid' });
    expect(queue.sent).toHaveLength(0);
  });

  it('counts EventDropped for invalid events only, not for ignored ones', async () => {
    const { handler, metrics } = setup();
    await handler(
      envelope({ source: 'aws.ec2', detailType: 'EC2 Instance State-change', detail: {} }),
    );
    await handler(custom({ subject: { login: 'jdoe' } }, { source: 'someone.else' }));
    expect(metrics).toEqual([]);
    await handler(null);
    expect(metrics).toEqual([{ name: 'EventDropped', value: 1 }]);
  });

  it('enqueues a valid detail whatever extra keys the publisher adds', async () => {
    const known = new Set(['subject', 'reason', 'occurredAt', 'helpCenterIds']);
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.string({ minLength: 1 }).filter((k) => !known.has(k) && k !== '__proto__'),
          fc.jsonValue(),
        ),
        async (extra) => {
          const { handler, queue } = setup();
          const result = await handler(custom({ ...extra, subject: { login: 'jdoe' } }));
          expect(result).toEqual({ kind: 'custom', enqueued: 1 });
          expect(queue.sent[0]).toMatchObject({ subject: { login: 'jdoe' } });
        },
      ),
    );
  });

  it('throws when the enqueue fails so the async invocation is retried', async () => {
    const { handler, queue } = setup();
    queue.failNext = true;
    await expect(handler(custom({ subject: { login: 'jdoe' } }))).rejects.toThrow();
  });
});

describe('buildEventBridgeIngestFromEnv', () => {
  it('fails fast naming the missing WORK_QUEUE_URL', () => {
    expect(() => buildEventBridgeIngestFromEnv({})).toThrow(ConfigError);
    expect(() => buildEventBridgeIngestFromEnv({})).toThrow(/WORK_QUEUE_URL/);
  });

  it('builds a handler from a complete environment', () => {
    const handler = buildEventBridgeIngestFromEnv({
      WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/work',
      AWS_REGION: 'eu-west-1',
    });
    expect(typeof handler).toBe('function');
  });
});
