import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
} from '#core/adapters/zoho/request-builders.ts';
import { isMapped, parseGroupMapping } from '#core/config/group-mapping.ts';
import { createWorkerHandler } from '#core/deprovision/batch.ts';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { createEventBridgeIngestHandler } from '#core/intake/eventbridge/handler.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { scimGroupId } from '#core/intake/scim/groups.ts';
import { signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import type { HelpCenter } from '#core/ports/help-center.ts';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { apiGatewayEvent, lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { NO_RETRY } from '../../helpers/process-deps.ts';
import { sqsEvent, sqsRecord } from '../../helpers/sqs-event.ts';

/**
 * Safety of the new group-level inputs (SCIM /Groups PATCH, signed webhook, EventBridge custom
 * events), end to end from the intake handler through the worker: whatever the input,
 * - every enqueued request is group-level with a scope that is exactly a GROUP_MAPPING entry;
 * - the worker never makes a full removal, never an empty `userIds`, and every group-centric call
 *   builds (in both dialects) only the member-removal path, never the group-delete path;
 * - nobody loses a membership outside the mapping.
 */

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const G = { beta: '7001000000104001', support: '7001000000104003', resellers: '7001000000204001' };
const UNMAPPED = { enterprise: '7001000000104002', onboarding: '7001000000204002' };
const MAPPING_JSON = JSON.stringify([
  { idpGroupId: 'Partners', helpCenterId: HC2, groupId: G.resellers },
  { idpGroupId: '00gBETA', helpCenterId: HC1, groupId: G.beta },
  { idpGroupId: 'c0ffee00-0000-4000-8000-000000000001', helpCenterId: HC1, groupId: G.support },
]);
const mapping = parseGroupMapping(MAPPING_JSON);
const TARGETS = new Set([...mapping.values()].map((e) => `${e.helpCenterId}/${e.groupId}`));
const NOW = new Date('2026-11-20T09:15:00.000Z');
const KEY = Buffer.from('group-level-properties-key-0123', 'utf8');
const SECRET_ID = 'webhook';
const PEOPLE = ['p1', 'p2', 'p3', 'p4'];

const record = (id: string): IdentityRecord => ({
  id,
  userName: `${id}@example.org`,
  email: `${id}@example.org`,
  active: true,
  createdAt: NOW.toISOString(),
  updatedAt: NOW.toISOString(),
  version: 1,
});

function helpCenterUsers() {
  return PEOPLE.flatMap((p, i) => [
    {
      id: `70010000001180${i}1`,
      email: `${p}@example.org`,
      helpCenterId: HC1,
      groupIds: [G.beta, G.support, UNMAPPED.enterprise],
    },
    {
      id: `70010000002180${i}1`,
      email: `${p}@example.org`,
      helpCenterId: HC2,
      groupIds: [G.resellers, UNMAPPED.onboarding],
    },
  ]);
}

/**
 * Runs the enqueued requests through the worker and checks every Help Center call on the way.
 * The stand-in only records problems (an `expect` thrown inside it would be caught by the worker
 * and turned into a retry or a dead letter); they are asserted after the handler returns, together
 * with the handler's result: no record failed and nothing was dead-lettered.
 */
async function work(requests: DeprovisionRequest[]) {
  const inner = new InMemoryHelpCenter(helpCenterUsers(), []);
  const before = new Map(inner.users.map((u) => [u.id, [...u.groupIds]]));
  const deadLetters = new InMemoryDeadLetterQueue();
  const violations: string[] = [];
  let groupCalls = 0;
  let fullRemovals = 0;
  const checked: HelpCenter = {
    findUsersByEmail: (email) => inner.findUsersByEmail(email),
    listUserGroups: (userId) => inner.listUserGroups(userId),
    removeUserFromAllGroups: async () => {
      fullRemovals += 1;
      throw new Error('a group-level input reached the full (every group) removal');
    },
    removeUsersFromGroup: (hc, group, userIds, options) => {
      groupCalls += 1;
      if (userIds.length === 0) violations.push(`empty userIds for ${hc}/${group}`);
      if (!TARGETS.has(`${hc}/${group}`)) violations.push(`unmapped target ${hc}/${group}`);
      for (const built of [
        buildRemoveUsersFromGroupInHelpCenter(hc, group, userIds),
        buildRemoveUsersFromGroup(group, userIds),
      ]) {
        if (!/^\/api\/v1\/(helpcenter\/\d+\/)?groups\/\d+\/users(\/remove)?$/.test(built.path)) {
          violations.push(`not a member-removal path: ${built.method} ${built.path}`);
        }
      }
      return inner.removeUsersFromGroup(hc, group, userIds, options);
    },
  };
  const handler = createWorkerHandler({
    helpCenter: checked,
    identityStore: new InMemoryIdentityStore(PEOPLE.map(record)),
    directory: new DirectoryCache(60_000, { now: () => NOW }),
    deadLetters,
    guard: new InMemoryRateGuard(10_000, 300, { now: () => NOW }),
    clock: { now: () => NOW },
    logger: silentLogger,
    retry: NO_RETRY,
    helpCenterIds: [HC1, HC2],
    maxReceiveCount: 5,
    dryRun: false,
    verifyAfterRemove: false,
    groupMapping: mapping,
  });
  if (requests.length > 0) {
    const result = await handler(
      sqsEvent(requests.map((r, i) => sqsRecord(r, { messageId: `m-${i}` }))),
      lambdaContext,
    );
    expect(result.batchItemFailures).toEqual([]);
  }
  expect(violations).toEqual([]);
  expect(fullRemovals).toBe(0);
  expect(deadLetters.records).toEqual([]);
  for (const u of inner.users) {
    const lost = (before.get(u.id) ?? []).filter((g) => !u.groupIds.includes(g));
    for (const g of lost) expect(TARGETS.has(`${u.helpCenterId}/${g}`)).toBe(true);
  }
  return groupCalls;
}

function expectScoped(requests: DeprovisionRequest[]) {
  for (const r of requests) {
    expect(r.scope).toBeDefined();
    expect(isMapped(mapping, r.scope!)).toBe(true);
  }
}

function ingest() {
  const queue = new InMemoryWorkQueue();
  const handler = createIngestHandler({
    identityStore: new InMemoryIdentityStore(PEOPLE.map(record)),
    config: {
      workQueueUrl: 'http://queue.local/work',
      webhookSecretId: SECRET_ID,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      maxBodyBytes: 64 * 1024,
      groupMapping: mapping,
    },
    queue,
    secretSource: new StaticSecretSource({
      [SECRET_ID]: JSON.stringify({
        scimBearerToken: 'token-0123456789',
        webhookSigningSecret: `whsec_${KEY.toString('base64')}`,
      }),
    }),
    clock: { now: () => NOW },
    logger: silentLogger,
  });
  return { queue, call: (e: ReturnType<typeof apiGatewayEvent>) => handler(e, lambdaContext) };
}

const groupKey = fc.constantFrom(
  'Partners',
  '00gBETA',
  'c0ffee00-0000-4000-8000-000000000001',
  'Everyone',
  '00gOTHER',
);
const memberValue = fc.oneof(
  { arbitrary: fc.constantFrom(...PEOPLE), weight: 4 },
  { arbitrary: fc.string({ maxLength: 12 }), weight: 1 },
);
const anyOperation = fc.record(
  {
    op: fc.constantFrom('remove', 'Remove', 'add', 'Add', 'replace', 'Replace', 'delete'),
    path: fc.oneof(
      fc.constant('members'),
      memberValue.map((v) => `members[value eq ${JSON.stringify(v)}]`),
      fc.constantFrom('displayName', 'externalId', 'owners', 'members[value eq'),
      fc.string({ maxLength: 20 }),
    ),
    value: fc.oneof(
      fc.array(fc.record({ value: memberValue }), { maxLength: 5 }),
      fc.record({ value: memberValue }),
      fc.string({ maxLength: 8 }),
      fc.record({ displayName: fc.string({ maxLength: 8 }) }),
      fc.constant(null),
    ),
  },
  { requiredKeys: ['op'] },
);

/** Removals as Okta and Entra send them, weighted up so most runs reach the queue and the worker. */
const removal = fc.oneof(
  fc
    .tuple(fc.constantFrom('remove', 'Remove'), memberValue)
    .map(([op, v]) => ({ op, path: `members[value eq ${JSON.stringify(v)}]` })),
  fc
    .tuple(
      fc.constantFrom('remove', 'Remove'),
      fc.array(memberValue, { minLength: 1, maxLength: 4 }),
    )
    .map(([op, vs]) => ({
      op,
      path: 'members',
      value: vs.map((value) => ({ $ref: null, value })),
    })),
);
const operation = fc.oneof(
  { arbitrary: removal, weight: 3 },
  { arbitrary: anyOperation, weight: 1 },
);

describe('group-level inputs: safety properties', () => {
  it('SCIM /Groups PATCH: any body on any pushed group enqueues only mapped scopes, and the worker removes nothing outside the mapping', async () => {
    let enqueuedRuns = 0;
    await fc.assert(
      fc.asyncProperty(
        groupKey,
        fc.option(groupKey, { nil: undefined }),
        fc.array(operation, { minLength: 1, maxLength: 4 }),
        async (displayName, externalId, operations) => {
          const { queue, call } = ingest();
          const id = scimGroupId(externalId ? { displayName, externalId } : { displayName });
          const res = await call(
            apiGatewayEvent({
              method: 'PATCH',
              path: `/scim/v2/Groups/${encodeURIComponent(id)}`,
              headers: {
                authorization: 'Bearer token-0123456789',
                'content-type': 'application/scim+json',
              },
              body: JSON.stringify({
                schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
                Operations: operations,
              }),
            }),
          );
          expect([204, 400]).toContain(res.statusCode);
          if (res.statusCode !== 204) expect(queue.sent).toEqual([]);
          expectScoped(queue.sent);
          if (queue.sent.length > 0) enqueuedRuns += 1;
          // Every enqueued request names a person of the identity store, each with exactly one
          // Help Center user in the scope's help center: one group-centric call per request.
          expect(queue.sent.every((r) => PEOPLE.includes(r.subject.idpUserId ?? ''))).toBe(true);
          const calls = await work(queue.sent);
          expect(calls).toBe(queue.sent.length);
        },
      ),
      { numRuns: 200 },
    );
    // Most runs must have reached the worker, not only the parser's refusals.
    expect(enqueuedRuns).toBeGreaterThan(40);
  });

  it('signed webhook and EventBridge: any event naming an IdP group enqueues only mapped scopes, never a full deprovision', async () => {
    let enqueuedRuns = 0;
    const ebQueue = new InMemoryWorkQueue();
    const eventBridge = createEventBridgeIngestHandler({
      queue: ebQueue,
      clock: { now: () => NOW },
      logger: silentLogger,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      customEventSource: 'helpcenter.deprovisioner',
      groupMapping: mapping,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('user.deprovisioned', 'group.membership.removed'),
        fc.constantFrom('User Deprovisioned', 'Group Membership Removed'),
        fc.oneof(groupKey, fc.string({ minLength: 1, maxLength: 30 })),
        fc.constantFrom(...PEOPLE),
        async (type, detailType, idpGroupId, person) => {
          const subject = { email: `${person}@example.org` };
          const { queue, call } = ingest();
          const bytes = Buffer.from(JSON.stringify({ type, subject, idpGroupId }));
          const timestamp = String(Math.floor(NOW.getTime() / 1000));
          const res = await call(
            apiGatewayEvent({
              method: 'POST',
              path: '/webhooks/events',
              headers: {
                'content-type': 'application/json',
                'webhook-id': 'msg_property',
                'webhook-timestamp': timestamp,
                'webhook-signature': signWebhook(KEY, 'msg_property', timestamp, bytes),
              },
              body: bytes,
            }),
          );
          expect([200, 400]).toContain(res.statusCode);
          ebQueue.sent.length = 0;
          await eventBridge({
            id: 'e-1',
            'detail-type': detailType,
            source: 'helpcenter.deprovisioner',
            detail: { subject, idpGroupId },
          });
          const sent = [...queue.sent, ...ebQueue.sent];
          expectScoped(sent);
          const mapped = mapping.has(idpGroupId.trim());
          expect(sent.length).toBe(mapped ? 2 : 0);
          if (sent.length > 0) enqueuedRuns += 1;
          expect(await work(sent)).toBe(sent.length);
        },
      ),
      { numRuns: 100 },
    );
    expect(enqueuedRuns).toBeGreaterThan(10);
  });
});
