import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import { createEventBridgeIngestHandler } from '#core/intake/eventbridge/handler.ts';
import type { GraphIngestDeps } from '#core/intake/graph/routes.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { decodeSigningSecret, signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { apiGatewayEvent, lambdaContext } from '../../helpers/api-gateway.ts';

/**
 * Fuzz suite for every ingest route (bounded: a few hundred runs each, seconds in CI). For any
 * input: the answer is never a 5xx (the queue never fails here); nothing is enqueued without the
 * route's authentication; everything enqueued survives the trip over the queue (JSON) and parses
 * with the worker's parser, `DeprovisionRequestSchema`. Generators are weighted towards valid,
 * authenticated deliveries with at most one field mutated, so that a good share of runs does
 * enqueue (each property counts them and requires at least MIN_ENQUEUED_SHARE): otherwise "all
 * that is enqueued parses" would hold vacuously.
 */
const RUNS = { okta: 400, scim: 200, graph: 400, webhook: 400, eventbridge: 400 };
const MIN_ENQUEUED_SHARE = 0.2;

const SECRET_ID = 'fuzz/webhook';
const SECRETS = {
  oktaAuthorization: 'fuzz-okta-secret',
  scimBearerToken: 'fuzz-scim-token',
  graphClientState: 'fuzz-graph-client-state',
  webhookSigningSecret: 'whsec_ZnV6ei1zaWduaW5nLWtleS0wMTIzNDU2Nzg5',
};
const NOW = new Date('2026-11-26T09:00:00.000Z');

/** Ingest's Graph part is only a metric now: it never calls Graph (the worker does). */
const healthyGraph: GraphIngestDeps = { metric: () => {} };

function ingest() {
  const queue = new InMemoryWorkQueue();
  const handler = createIngestHandler({
    config: loadIngestConfig({
      WORK_QUEUE_URL: 'http://queue.local/work',
      WEBHOOK_SECRET_ARN: SECRET_ID,
      IDENTITY_TABLE_NAME: 'identity',
    }),
    queue,
    identityStore: new InMemoryIdentityStore(),
    secretSource: new StaticSecretSource({ [SECRET_ID]: JSON.stringify(SECRETS) }),
    clock: { now: () => NOW },
    logger: silentLogger,
    graph: healthyGraph,
  });
  const call = async (event: ReturnType<typeof apiGatewayEvent>) =>
    (await handler(event, lambdaContext)) as { statusCode: number; body?: string };
  return { queue, call };
}

/** What the worker does with a message body: JSON.parse, then the request schema. */
function expectWorkerCanParse(queue: InMemoryWorkQueue): void {
  for (const request of queue.sent) {
    const overTheQueue = JSON.parse(JSON.stringify(request));
    const parsed = DeprovisionRequestSchema.safeParse(overTheQueue);
    if (!parsed.success) throw new Error(`enqueued an unparsable request: ${parsed.error.message}`);
  }
}

/** Strings vendors never send but attackers and bugs do, mixed with ordinary ones. */
const nasty = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '\ud800',
      'a\udfffb',
      '\udc00\ud800',
      '😀',
      'e\u0301\u0301\u0301',
      '\u0000',
      'tab\there',
      '\u202e',
      ' ',
      '',
      'x'.repeat(255),
      'x'.repeat(257),
      'x'.repeat(300),
      'y'.repeat(600),
      `${'a'.repeat(250)}@example.com`,
      'alice@example.com',
      'ALICE@EXAMPLE.COM',
      'a@b',
      '00u1abcdEFGHijklMN0x',
      'c37b074d-fe9d-4e68-83ad-b4401d3be174',
    ),
  },
);
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(arb, fc.constant(undefined), fc.constant(null), fc.integer());
const validIsoTime = fc
  .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
  .map((d) => d.toISOString());
const isoTime = fc.oneof(validIsoTime, nasty);
/** Ordinary addresses (fc.emailAddress() is mostly RFC 5322 oddities the schema rightly refuses). */
const plainEmail = fc
  .tuple(
    fc.stringMatching(/^[a-z][a-z0-9]{0,15}(\.[a-z0-9]{1,8})?$/),
    fc.constantFrom('example.com', 'example.org', 'mail.example.co.uk'),
  )
  .map(([local, domain]) => `${local}@${domain}`);
/** True four times in five (authentic, well-formed), false otherwise. */
const mostly = fc.integer({ min: 0, max: 4 }).map((n) => n !== 0);

type FieldPath = ReadonlyArray<string | number>;

/** A deep copy of `value` with the field at `path` set to `replacement` (undefined: left out). */
function withField(value: unknown, path: FieldPath, replacement: unknown): unknown {
  const copy = structuredClone(value);
  let node: unknown = copy;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return copy;
    node = (node as Record<string | number, unknown>)[key];
  }
  const last = path[path.length - 1];
  if (node !== null && typeof node === 'object' && last !== undefined) {
    (node as Record<string | number, unknown>)[last] = replacement;
  }
  return copy;
}

/** Half the time a valid value, otherwise that value with one of `paths` replaced by a nasty one. */
function validOrOneFieldMutated<T>(valid: fc.Arbitrary<T>, paths: FieldPath[]): fc.Arbitrary<T> {
  return fc.oneof(
    valid,
    fc
      .tuple(valid, fc.constantFrom(...paths), maybe(nasty))
      .map(([value, path, replacement]) => withField(value, path, replacement) as T),
  );
}

/** Counts the runs of a property that enqueued something. */
function enqueueCounter() {
  let runs = 0;
  return {
    record: (queue: InMemoryWorkQueue) => {
      if (queue.sent.length > 0) runs += 1;
    },
    get runs() {
      return runs;
    },
  };
}

describe('ingest fuzz: Okta event hook', () => {
  const target = fc.record({
    id: maybe(nasty),
    type: fc.oneof(fc.constant('User'), nasty),
    alternateId: maybe(nasty),
    displayName: maybe(nasty),
  });
  const event = fc.record({
    uuid: maybe(nasty),
    eventType: fc.oneof(
      fc.constantFrom('user.lifecycle.deactivate', 'user.lifecycle.suspend', 'user.session.start'),
      nasty,
    ),
    published: maybe(isoTime),
    outcome: fc.oneof(fc.constant({ result: 'SUCCESS' }), fc.record({ result: maybe(nasty) })),
    target: fc.oneof(fc.array(target, { maxLength: 3 }), maybe(nasty)),
  });
  const validEvent = fc.record({
    uuid: fc.uuid(),
    eventType: fc.constant('user.lifecycle.deactivate'),
    published: validIsoTime,
    outcome: fc.constant({ result: 'SUCCESS' }),
    target: fc
      .record({
        id: fc.stringMatching(/^00u[0-9A-Za-z]{17}$/),
        type: fc.constant('User'),
        alternateId: plainEmail,
        displayName: fc.string({ maxLength: 20 }),
      })
      .map((t) => [t]),
  });
  const nearlyValidEvent = validOrOneFieldMutated(validEvent, [
    ['uuid'],
    ['eventType'],
    ['published'],
    ['outcome'],
    ['outcome', 'result'],
    ['target'],
    ['target', 0, 'id'],
    ['target', 0, 'type'],
    ['target', 0, 'alternateId'],
    ['target', 0, 'displayName'],
  ]);
  const body = fc.oneof(
    {
      weight: 10,
      arbitrary: fc.record({
        data: fc.record({ events: fc.array(nearlyValidEvent, { minLength: 1, maxLength: 3 }) }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ data: fc.record({ events: fc.array(event, { maxLength: 4 }) }) }),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );

  it(`never answers 5xx, enqueues only when authenticated, and only what the worker parses (${RUNS.okta} runs)`, async () => {
    const enqueued = enqueueCounter();
    const raws = mostly.map((b) => !b);
    await fc.assert(
      fc.asyncProperty(body, mostly, raws, async (payload, authentic, raw) => {
        const { queue, call } = ingest();
        const res = await call(
          apiGatewayEvent({
            method: 'POST',
            path: '/webhooks/okta',
            headers: {
              authorization: authentic ? SECRETS.oktaAuthorization : 'wrong',
              'content-type': 'application/json',
            },
            body: raw ? `${JSON.stringify(payload)}\ud800` : JSON.stringify(payload),
          }),
        );
        expect(res.statusCode).toBeLessThan(500);
        if (!authentic) expect(queue.sent).toEqual([]);
        expectWorkerCanParse(queue);
        enqueued.record(queue);
      }),
      { numRuns: RUNS.okta },
    );
    expect(enqueued.runs).toBeGreaterThanOrEqual(RUNS.okta * MIN_ENQUEUED_SHARE);
  });
});

describe('ingest fuzz: SCIM', () => {
  const user = fc.record(
    {
      schemas: fc.oneof(
        fc.constant(['urn:ietf:params:scim:schemas:core:2.0:User']),
        fc.array(nasty, { maxLength: 2 }),
      ),
      userName: maybe(nasty),
      externalId: maybe(nasty),
      active: fc.oneof(fc.boolean(), fc.constantFrom('False', 'true'), nasty),
      emails: fc.oneof(
        fc.array(fc.record({ value: maybe(nasty), primary: fc.boolean() }), { maxLength: 2 }),
        maybe(nasty),
      ),
      displayName: maybe(nasty),
    },
    { requiredKeys: [] },
  );
  const validUser = fc.record({
    schemas: fc.constant(['urn:ietf:params:scim:schemas:core:2.0:User']),
    userName: plainEmail,
    externalId: fc.uuid(),
    active: fc.constant(true),
    emails: plainEmail.map((value) => [{ value, primary: true }]),
    displayName: fc.string({ maxLength: 30 }),
  });
  const createdUser = fc.oneof(
    {
      weight: 3,
      arbitrary: validOrOneFieldMutated(validUser, [
        ['schemas'],
        ['userName'],
        ['externalId'],
        ['active'],
        ['emails'],
        ['emails', 0, 'value'],
        ['displayName'],
      ]),
    },
    { weight: 1, arbitrary: user },
  );
  const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
  /** The deactivations Okta and Entra send (RFC 7644 PatchOp, PUT with active false, DELETE). */
  const validDeactivation = fc.oneof(
    fc.constant({
      method: 'PATCH',
      body: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] },
    }),
    fc.constant({
      method: 'PATCH',
      body: { schemas: [PATCH_OP], Operations: [{ op: 'Replace', value: { active: 'False' } }] },
    }),
    validUser.map((u) => ({ method: 'PUT', body: { ...u, active: false } })),
    fc.constant({ method: 'DELETE', body: undefined }),
  );
  const otherChange = fc.oneof(
    fc.constant({
      method: 'PATCH',
      body: { Operations: [{ op: 'replace', path: 'active', value: false }] },
    }),
    fc.constant({
      method: 'PATCH',
      body: { Operations: [{ op: 'Replace', value: { active: 'False' } }] },
    }),
    fc.record({
      method: fc.constant('PATCH'),
      body: fc.record({
        schemas: fc.constant(['urn:ietf:params:scim:api:messages:2.0:PatchOp']),
        Operations: fc.array(
          fc.record({
            op: fc.oneof(fc.constantFrom('replace', 'add', 'remove'), nasty),
            path: maybe(nasty),
            value: fc.jsonValue(),
          }),
          { maxLength: 3 },
        ),
      }),
    }),
    user.map((u) => ({ method: 'PUT', body: { ...u, active: false } })),
    fc.constant({ method: 'DELETE', body: undefined }),
  );
  const deactivation = fc.oneof(
    { weight: 3, arbitrary: validDeactivation },
    { weight: 1, arbitrary: otherChange },
  );

  it(`never answers 5xx, enqueues only when authenticated, and only what the worker parses (${RUNS.scim} runs)`, async () => {
    const enqueued = enqueueCounter();
    await fc.assert(
      fc.asyncProperty(createdUser, deactivation, mostly, async (created, change, authentic) => {
        const { queue, call } = ingest();
        const authorization = `Bearer ${authentic ? SECRETS.scimBearerToken : 'wrong'}`;
        const headers = { authorization, 'content-type': 'application/scim+json' };
        const res = await call(
          apiGatewayEvent({
            method: 'POST',
            path: '/scim/v2/Users',
            headers,
            body: JSON.stringify(created),
          }),
        );
        expect(res.statusCode).toBeLessThan(500);
        const id =
          res.statusCode === 201 ? (JSON.parse(res.body ?? '{}') as { id?: string }).id : 'nobody';
        const second = await call(
          apiGatewayEvent({
            method: change.method,
            path: `/scim/v2/Users/${id}`,
            headers,
            ...(change.body === undefined ? {} : { body: JSON.stringify(change.body) }),
          }),
        );
        expect(second.statusCode).toBeLessThan(500);
        if (!authentic) expect(queue.sent).toEqual([]);
        expectWorkerCanParse(queue);
        enqueued.record(queue);
      }),
      { numRuns: RUNS.scim },
    );
    expect(enqueued.runs).toBeGreaterThanOrEqual(RUNS.scim * MIN_ENQUEUED_SHARE);
  });
});

describe('ingest fuzz: Microsoft Graph notifications', () => {
  const userId = fc.oneof(fc.uuid(), nasty);
  const notification = fc.record(
    {
      subscriptionId: fc.oneof(fc.uuid(), nasty, fc.integer()),
      clientState: fc.oneof(
        { weight: 4, arbitrary: fc.constant(SECRETS.graphClientState) },
        { weight: 1, arbitrary: maybe(nasty) },
      ),
      changeType: fc.oneof(fc.constantFrom('deleted', 'updated', 'created', 'Updated'), nasty),
      resource: fc.oneof(
        userId.map((u) => `Users/${u}`),
        userId.map((u) => `users/${encodeURIComponent(u.replace(/[\ud800-\udfff]/g, ''))}`),
        fc.constantFrom('Groups/abc', 'Users', 'Users/a/b', ''),
        nasty,
      ),
      resourceData: fc.oneof(
        fc.record(
          { id: maybe(userId), sequenceNumber: maybe(fc.integer()), eventTime: maybe(isoTime) },
          { requiredKeys: [] },
        ),
        maybe(nasty),
      ),
      lifecycleEvent: fc.oneof(
        fc.constant(undefined),
        fc.constantFrom('missed', 'reauthorizationRequired', 'subscriptionRemoved'),
        nasty,
      ),
    },
    { requiredKeys: ['subscriptionId', 'clientState'] },
  );
  // Authentic user changes (ingest enqueues `deleted` and a worker check for `updated`).
  const validNotification = fc
    .record({
      subscriptionId: fc.uuid(),
      changeType: fc.constantFrom('deleted', 'updated'),
      id: fc.oneof(fc.uuid(), fc.stringMatching(/^[0-9a-f]{8,40}$/)),
    })
    .map(({ subscriptionId, changeType, id }) => ({
      subscriptionId,
      clientState: SECRETS.graphClientState,
      changeType,
      resource: `Users/${id}`,
      resourceData: { id, '@odata.type': '#Microsoft.Graph.User' },
    }));
  const nearlyValidNotification = validOrOneFieldMutated(validNotification, [
    ['subscriptionId'],
    ['clientState'],
    ['changeType'],
    ['resource'],
    ['resourceData'],
    ['resourceData', 'id'],
    ['lifecycleEvent'],
  ]);
  const body = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        value: fc.array(nearlyValidNotification, { minLength: 1, maxLength: 4 }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({ value: fc.array(notification, { minLength: 1, maxLength: 4 }) }),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );

  it(`never answers 5xx, enqueues only authentic notifications, and only what the worker parses (${RUNS.graph} runs)`, async () => {
    const enqueued = enqueueCounter();
    // Half the runs carry no validationToken (some with one are the subscription handshake).
    const tokens = fc.option(nasty, { nil: undefined, freq: 2 });
    await fc.assert(
      fc.asyncProperty(body, tokens, async (payload, token) => {
        const { queue, call } = ingest();
        const res = await call(
          apiGatewayEvent({
            method: 'POST',
            path: '/webhooks/graph',
            headers: { 'content-type': 'application/json' },
            ...(token !== undefined && token.length % 4 === 0
              ? { query: { validationToken: token } }
              : {}),
            body: JSON.stringify(payload),
          }),
        );
        expect(res.statusCode).toBeLessThan(500);
        const items = (payload as { value?: Array<{ clientState?: unknown }> } | null)?.value;
        const anyAuthentic =
          Array.isArray(items) && items.some((n) => n?.clientState === SECRETS.graphClientState);
        if (!anyAuthentic) expect(queue.sent).toEqual([]);
        expectWorkerCanParse(queue);
        enqueued.record(queue);
      }),
      { numRuns: RUNS.graph },
    );
    expect(enqueued.runs).toBeGreaterThanOrEqual(RUNS.graph * MIN_ENQUEUED_SHARE);
  });
});

describe('Graph notifications the issue named', () => {
  const cases = [
    ['a lone surrogate id', 'updated', 'Users/\ud800', { id: '\ud800' }, 'dropped'],
    // Valid text ids, enqueued as they are: deleted outright, or updated (a check for the worker).
    [
      'emoji and combining marks (deleted)',
      'deleted',
      'Users/😀e\u0301',
      { id: '😀e\u0301' },
      'enqueued',
    ],
    [
      'emoji and combining marks (updated)',
      'updated',
      'Users/😀e\u0301x',
      { id: '😀e\u0301x' },
      'enqueued',
    ],
    ['an unknown changeType', 'softDeleted', 'Users/c37b074d', {}, 'dropped'],
    ['a resource that is not Users/<id>', 'deleted', 'Groups/c37b074d', {}, 'dropped'],
  ] as const;

  it.each(cases)('answers 202 for %s', async (_, changeType, resource, resourceData, outcome) => {
    const { queue, call } = ingest();
    const res = await call(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhooks/graph',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          value: [
            {
              subscriptionId: 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b',
              clientState: SECRETS.graphClientState,
              changeType,
              resource,
              resourceData,
            },
          ],
        }),
      }),
    );
    expect(res.statusCode).toBe(202);
    if (outcome === 'dropped') expect(queue.sent).toEqual([]);
    else
      expect(queue.sent.map((r) => r.subject.idpUserId)).toEqual([
        (resourceData as { id?: string }).id,
      ]);
    expectWorkerCanParse(queue);
  });
});

describe('ingest fuzz: signed webhook', () => {
  const key = decodeSigningSecret(SECRETS.webhookSigningSecret) ?? Buffer.alloc(0);
  const subject = fc.record(
    { idpUserId: nasty, email: nasty, login: nasty, externalId: nasty, extra: nasty },
    { requiredKeys: [] },
  );
  const event = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record(
        {
          type: fc.oneof(fc.constant('user.deprovisioned'), nasty),
          subject: fc.oneof(subject, maybe(nasty)),
          reason: maybe(nasty),
          occurredAt: maybe(isoTime),
          helpCenterIds: fc.oneof(fc.array(nasty, { maxLength: 3 }), maybe(nasty)),
        },
        { requiredKeys: ['type'] },
      ),
    },
    { weight: 1, arbitrary: fc.jsonValue() },
  );
  const validEvent = fc.record({
    type: fc.constant('user.deprovisioned'),
    subject: fc.record({
      idpUserId: fc.stringMatching(/^[0-9A-Za-z]{6,24}$/),
      email: plainEmail,
    }),
    reason: fc.constantFrom('offboarded', 'contract ended'),
    occurredAt: validIsoTime,
    helpCenterIds: fc.array(fc.stringMatching(/^[0-9]{1,19}$/), { minLength: 1, maxLength: 2 }),
  });
  const events = fc.oneof(
    {
      weight: 5,
      arbitrary: validOrOneFieldMutated(validEvent, [
        ['type'],
        ['subject'],
        ['subject', 'idpUserId'],
        ['subject', 'email'],
        ['subject', 'extra'],
        ['reason'],
        ['occurredAt'],
        ['helpCenterIds'],
        ['helpCenterIds', 0],
      ]),
    },
    { weight: 1, arbitrary: event },
  );
  const webhookIds = fc.oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^msg_[0-9A-Za-z]{10,30}$/) },
    { weight: 1, arbitrary: nasty },
  );
  const auth = fc.oneof(
    { weight: 4, arbitrary: fc.constant('signed') },
    { weight: 1, arbitrary: fc.constantFrom('unsigned', 'stale', 'wrong-key') },
  );

  it(`never answers 5xx, enqueues only signed deliveries, and only what the worker parses (${RUNS.webhook} runs)`, async () => {
    const enqueued = enqueueCounter();
    await fc.assert(
      fc.asyncProperty(events, webhookIds, auth, async (payload, webhookId, how) => {
        const { queue, call } = ingest();
        const body = Buffer.from(JSON.stringify(payload));
        const timestamp = String(Math.floor(NOW.getTime() / 1000) - (how === 'stale' ? 3600 : 0));
        const signingKey = how === 'wrong-key' ? Buffer.from('another key') : key;
        const res = await call(
          apiGatewayEvent({
            method: 'POST',
            path: '/webhooks/events',
            headers: {
              'content-type': 'application/json',
              'webhook-id': webhookId,
              'webhook-timestamp': timestamp,
              'webhook-signature':
                how === 'unsigned'
                  ? 'v1,AAAA'
                  : signWebhook(signingKey, webhookId, timestamp, body),
            },
            body: body.toString('utf8'),
          }),
        );
        expect(res.statusCode).toBeLessThan(500);
        if (how !== 'signed') expect(queue.sent).toEqual([]);
        expectWorkerCanParse(queue);
        enqueued.record(queue);
      }),
      { numRuns: RUNS.webhook },
    );
    expect(enqueued.runs).toBeGreaterThanOrEqual(RUNS.webhook * MIN_ENQUEUED_SHARE);
  });

  it('refuses a 300-character webhook-id with 400 (the worker could not take it)', async () => {
    const { queue, call } = ingest();
    const webhookId = `msg_${'x'.repeat(296)}`;
    const body = Buffer.from(
      JSON.stringify({ type: 'user.deprovisioned', subject: { email: 'alice@example.com' } }),
    );
    const timestamp = String(Math.floor(NOW.getTime() / 1000));
    const res = await call(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhooks/events',
        headers: {
          'content-type': 'application/json',
          'webhook-id': webhookId,
          'webhook-timestamp': timestamp,
          'webhook-signature': signWebhook(key, webhookId, timestamp, body),
        },
        body: body.toString('utf8'),
      }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/requestId/);
    expect(queue.sent).toEqual([]);
  });
});

describe('ingest fuzz: EventBridge', () => {
  const oktaDetail = fc.record({
    uuid: maybe(nasty),
    eventType: fc.oneof(fc.constant('user.lifecycle.deactivate'), nasty),
    published: maybe(isoTime),
    outcome: fc.constant({ result: 'SUCCESS' }),
    target: fc.array(
      fc.record({ id: maybe(nasty), type: fc.constant('User'), alternateId: maybe(nasty) }),
      { maxLength: 2 },
    ),
  });
  const customDetail = fc.record(
    {
      subject: fc.record({ idpUserId: nasty, email: nasty, login: nasty }, { requiredKeys: [] }),
      reason: maybe(nasty),
      occurredAt: maybe(isoTime),
      helpCenterIds: fc.oneof(fc.array(nasty, { maxLength: 3 }), maybe(nasty)),
    },
    { requiredKeys: [] },
  );
  const validOkta = fc.record({
    version: fc.constant('0'),
    id: fc.uuid(),
    'detail-type': fc.constant('SystemLog'),
    source: fc.constant('aws.partner/okta.com/example/stream'),
    time: validIsoTime,
    detail: fc.record({
      uuid: fc.uuid(),
      eventType: fc.constant('user.lifecycle.deactivate'),
      published: validIsoTime,
      outcome: fc.constant({ result: 'SUCCESS' }),
      target: fc
        .record({
          id: fc.stringMatching(/^00u[0-9A-Za-z]{17}$/),
          type: fc.constant('User'),
          alternateId: plainEmail,
        })
        .map((t) => [t]),
    }),
  });
  const validCustom = fc.record({
    version: fc.constant('0'),
    id: fc.uuid(),
    'detail-type': fc.constant('User Deprovisioned'),
    source: fc.constant('helpcenter.deprovisioner'),
    time: validIsoTime,
    detail: fc.record({
      subject: fc.record({ email: plainEmail }),
      reason: fc.constantFrom('offboarded', 'contract ended'),
      occurredAt: validIsoTime,
      helpCenterIds: fc.array(fc.stringMatching(/^[0-9]{1,19}$/), { minLength: 1, maxLength: 2 }),
    }),
  });
  const envelope: FieldPath[] = [['id'], ['detail-type'], ['source'], ['time'], ['detail']];
  const event = fc.oneof(
    {
      weight: 3,
      arbitrary: validOrOneFieldMutated(validOkta, [
        ...envelope,
        ['detail', 'uuid'],
        ['detail', 'eventType'],
        ['detail', 'published'],
        ['detail', 'target'],
        ['detail', 'target', 0, 'id'],
        ['detail', 'target', 0, 'alternateId'],
      ]),
    },
    {
      weight: 3,
      arbitrary: validOrOneFieldMutated(validCustom, [
        ...envelope,
        ['detail', 'subject'],
        ['detail', 'subject', 'email'],
        ['detail', 'subject', 'login'],
        ['detail', 'reason'],
        ['detail', 'occurredAt'],
        ['detail', 'helpCenterIds'],
      ]),
    },
    fc.record({
      id: maybe(nasty),
      'detail-type': fc.constant('SystemLog'),
      source: fc.constant('aws.partner/okta.com/example/stream'),
      time: maybe(isoTime),
      detail: oktaDetail,
    }),
    fc.record({
      id: maybe(nasty),
      'detail-type': fc.oneof(fc.constant('User Deprovisioned'), nasty),
      source: fc.oneof(fc.constant('helpcenter.deprovisioner'), nasty),
      time: maybe(isoTime),
      detail: fc.oneof(customDetail, fc.jsonValue()),
    }),
    fc.jsonValue(),
  );

  it(`never throws (a Lambda error is EventBridge's 5xx) and enqueues only what the worker parses (${RUNS.eventbridge} runs)`, async () => {
    const enqueued = enqueueCounter();
    await fc.assert(
      fc.asyncProperty(event, async (payload) => {
        const queue = new InMemoryWorkQueue();
        const handler = createEventBridgeIngestHandler({
          queue,
          clock: { now: () => NOW },
          logger: silentLogger,
          oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
          customEventSource: 'helpcenter.deprovisioner',
        });
        await handler(payload);
        expectWorkerCanParse(queue);
        enqueued.record(queue);
      }),
      { numRuns: RUNS.eventbridge },
    );
    expect(enqueued.runs).toBeGreaterThanOrEqual(RUNS.eventbridge * MIN_ENQUEUED_SHARE);
  });
});

describe('ingest fuzz: a failing queue', () => {
  it('answers 5xx only when the enqueue itself failed', async () => {
    const { queue, call } = ingest();
    queue.failNext = true;
    const post = (events: unknown[]) =>
      call(
        apiGatewayEvent({
          method: 'POST',
          path: '/webhooks/okta',
          headers: { authorization: SECRETS.oktaAuthorization, 'content-type': 'application/json' },
          body: JSON.stringify({ data: { events } }),
        }),
      );
    const ignoredOnly = await post([
      {
        uuid: 'u1',
        eventType: 'user.session.start',
        published: NOW.toISOString(),
        outcome: { result: 'SUCCESS' },
        target: [{ id: '00u1', type: 'User' }],
      },
    ]);
    expect(ignoredOnly.statusCode).toBe(200);
    const deprovision = await post([
      {
        uuid: 'u2',
        eventType: 'user.lifecycle.deactivate',
        published: NOW.toISOString(),
        outcome: { result: 'SUCCESS' },
        target: [{ id: '00u2', type: 'User' }],
      },
    ]);
    expect(deprovision.statusCode).toBeGreaterThanOrEqual(500);
  });
});
