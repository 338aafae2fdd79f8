import { describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { createEventBridgeIngestHandler } from '#core/intake/eventbridge/handler.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { buildEventBridgeIngestFromEnv } from '../../../functions/eventbridge-ingest/compose.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { oktaLogEvent } from '../../fixtures/okta-events.ts';
import { apiGatewayEvent, lambdaContext } from '../../helpers/api-gateway.ts';

/**
 * Group-level requests from the signed webhook (`group.membership.removed`, or any event with
 * `idpGroupId`) and the EventBridge custom events ("Group Membership Removed", or "User
 * Deprovisioned" with `idpGroupId`): a mapped group becomes one scoped request; an unmapped group
 * is ignored and never widens to a full deprovision.
 */

const HC = '7001000000000002';
const PARTNERS = '7001000000204001';
const MAPPING_JSON = JSON.stringify([
  { idpGroupId: '00gPARTNERS', helpCenterId: HC, groupId: PARTNERS, name: 'Partners' },
]);
const mapping = parseGroupMapping(MAPPING_JSON);
const SCOPE = { kind: 'group', idpGroupId: '00gPARTNERS', helpCenterId: HC, groupId: PARTNERS };
const NOW = new Date('2026-11-20T09:15:00.000Z');
const KEY = Buffer.from('group-level-events-unit-test-key', 'utf8');
const SECRET_ID = 'webhook-secret';
const subject = { idpUserId: 'u-1001', email: 'pat.lee@example.org' };

function webhook() {
  const queue = new InMemoryWorkQueue();
  const handler = createIngestHandler({
    identityStore: new InMemoryIdentityStore(),
    config: {
      workQueueUrl: 'http://queue.local/work',
      webhookSecretId: SECRET_ID,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      maxBodyBytes: 4096,
      groupMapping: mapping,
    },
    queue,
    secretSource: new StaticSecretSource({
      [SECRET_ID]: JSON.stringify({ webhookSigningSecret: `whsec_${KEY.toString('base64')}` }),
    }),
    clock: { now: () => NOW },
    logger: silentLogger,
  });
  const send = async (body: unknown, id = 'msg_group_1') => {
    const bytes = Buffer.from(JSON.stringify(body));
    const timestamp = String(Math.floor(NOW.getTime() / 1000));
    const res = await handler(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhooks/events',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': signWebhook(KEY, id, timestamp, bytes),
        },
        body: bytes,
      }),
      lambdaContext,
    );
    return res.statusCode;
  };
  return { queue, send };
}

describe('signed webhook: group-level events', () => {
  it('group.membership.removed of a mapped group enqueues one scoped request (requestId = webhook-id)', async () => {
    const { queue, send } = webhook();
    expect(
      await send({ type: 'group.membership.removed', subject, idpGroupId: '00gPARTNERS' }),
    ).toBe(200);
    expect(queue.sent).toHaveLength(1);
    const [request] = queue.sent;
    expect(DeprovisionRequestSchema.parse(request)).toEqual(request);
    expect(request).toMatchObject({
      requestId: 'msg_group_1',
      source: 'webhook',
      subject,
      reason: 'group.membership.removed',
      scope: SCOPE,
    });
  });

  it('user.deprovisioned with an idpGroupId is group-level too, never a full deprovision', async () => {
    const { queue, send } = webhook();
    expect(await send({ type: 'user.deprovisioned', subject, idpGroupId: '00gPARTNERS' })).toBe(
      200,
    );
    expect(queue.sent.map((r) => r.scope)).toEqual([SCOPE]);
  });

  it('an unmapped group is acknowledged (200) and enqueues nothing, whatever the type', async () => {
    const { queue, send } = webhook();
    for (const type of ['group.membership.removed', 'user.deprovisioned']) {
      expect(await send({ type, subject, idpGroupId: '00gEVERYONE' })).toBe(200);
    }
    expect(queue.sent).toEqual([]);
  });

  it('group.membership.removed without idpGroupId is 400 and enqueues nothing', async () => {
    const { queue, send } = webhook();
    expect(await send({ type: 'group.membership.removed', subject })).toBe(400);
    expect(queue.sent).toEqual([]);
  });
});

function eventBridge(groupMapping = mapping) {
  const queue = new InMemoryWorkQueue();
  const metrics: string[] = [];
  const handler = createEventBridgeIngestHandler({
    queue,
    clock: { now: () => NOW },
    logger: silentLogger,
    oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
    customEventSource: 'helpcenter.deprovisioner',
    groupMapping,
    metric: (name) => metrics.push(name),
  });
  return { queue, handler, metrics };
}

const event = (detailType: string, detail: unknown, source = 'helpcenter.deprovisioner') => ({
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': detailType,
  source,
  account: '111122223333',
  time: '2026-11-20T09:14:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

describe('EventBridge: group-level custom events', () => {
  it('"Group Membership Removed" of a mapped group enqueues one scoped request (requestId = event id)', async () => {
    const { queue, handler } = eventBridge();
    const result = await handler(
      event('Group Membership Removed', { subject, idpGroupId: '00gPARTNERS' }),
    );
    expect(result).toEqual({ kind: 'custom', enqueued: 1 });
    expect(queue.sent[0]).toMatchObject({
      requestId: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      source: 'eventbridge',
      subject,
      scope: SCOPE,
    });
  });

  it('"User Deprovisioned" with idpGroupId is group-level; an unmapped group is ignored (not dropped)', async () => {
    const { queue, handler, metrics } = eventBridge();
    expect(
      await handler(event('User Deprovisioned', { subject, idpGroupId: '00gPARTNERS' })),
    ).toEqual({ kind: 'custom', enqueued: 1 });
    expect(queue.sent.map((r) => r.scope)).toEqual([SCOPE]);
    for (const type of ['User Deprovisioned', 'Group Membership Removed']) {
      expect(await handler(event(type, { subject, idpGroupId: '00gEVERYONE' }))).toEqual({
        kind: 'ignored',
        enqueued: 0,
      });
    }
    expect(queue.sent).toHaveLength(1);
    expect(metrics).toEqual([]);
  });

  it('"Group Membership Removed" without idpGroupId is dropped as invalid (counted)', async () => {
    const { queue, handler, metrics } = eventBridge();
    expect(await handler(event('Group Membership Removed', { subject }))).toEqual({
      kind: 'invalid',
      enqueued: 0,
    });
    expect(queue.sent).toEqual([]);
    expect(metrics).toEqual(['EventDropped']);
  });

  it('Okta log-streaming group.user_membership.remove of a mapped group is group-level', async () => {
    const { queue, handler } = eventBridge();
    const detail = oktaLogEvent({
      uuid: 'e-1',
      eventType: 'group.user_membership.remove',
      targets: [
        { id: '00uPAT', type: 'User', alternateId: 'pat.lee@example.org' },
        { id: '00gPARTNERS', type: 'UserGroup', alternateId: 'unknown', displayName: 'Partners' },
      ],
    });
    await handler(event('SystemLog', detail, 'aws.partner/okta.com/example/stream'));
    expect(queue.sent.map((r) => r.scope)).toEqual([SCOPE]);
  });

  it('eventbridge-ingest refuses to start with an invalid GROUP_MAPPING, naming it', () => {
    expect(() =>
      buildEventBridgeIngestFromEnv({
        WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/111122223333/work',
        GROUP_MAPPING: '[{"idpGroupId":"x","helpCenterId":"not-digits","groupId":"2"}]',
      }),
    ).toThrow(/GROUP_MAPPING/);
  });
});
