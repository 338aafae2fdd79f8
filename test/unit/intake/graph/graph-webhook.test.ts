import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeprovisionRequestSchema,
  GRAPH_DELTA_SUBJECT,
  graphDeletedRequestId,
} from '#core/domain/deprovision-request.ts';
import {
  DEFAULT_STANDIN_USERS,
  type GraphStandin,
  startGraphStandin,
} from '../../../../local/graph-standin/server.ts';
import {
  CLIENT_STATE,
  DISABLED_USER_ID,
  ENABLED_USER_ID,
  GONE_USER_ID,
  graphPost,
  ingestWithGraph,
  lifecycleNotification,
  recordingLogger,
  SUBSCRIPTION_ID,
  userNotification,
} from './graph-helpers.ts';

const VALIDATION_TOKEN =
  'Validation: Testing client application reachability for subscription Request-Id: 0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';

let standin: GraphStandin;

beforeAll(async () => {
  standin = await startGraphStandin();
});
afterAll(async () => {
  await standin.close();
});
beforeEach(() => {
  standin.setUsers([...DEFAULT_STANDIN_USERS]);
});

/** Ingest next to a live Graph stand-in (whose call log proves ingest never calls it). */
function withStandin() {
  return ingestWithGraph({});
}

const userCalls = () => standin.state().calls.filter((c) => c.path.startsWith('/v1.0/users/'));

describe('POST /webhooks/graph validation', () => {
  it('echoes the decoded validationToken as text/plain 200 for an empty text/plain POST', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    const res = await call(
      graphPost('', {
        contentType: 'text/plain; charset=utf-8',
        query: { validationToken: VALIDATION_TOKEN },
      }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers?.['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(VALIDATION_TOKEN);
    expect(queue.sent).toHaveLength(0);
  });

  it('echoes the token whatever the body or content type, without authentication', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    const res = await call(
      graphPost(
        {
          value: [
            userNotification({ userId: GONE_USER_ID, changeType: 'deleted', clientState: 'wrong' }),
          ],
        },
        { contentType: 'application/octet-stream', query: { validationToken: VALIDATION_TOKEN } },
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(VALIDATION_TOKEN);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 400 to a token with markup or outside the token format, never reflecting it', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    for (const token of [
      '<script>alert(1)</script>',
      'abc <b>&</b>',
      'Validation: x"><img src=x onerror=alert(1)>',
      'caf\u00e9',
      'line\nbreak',
      '',
      'x'.repeat(1025),
    ]) {
      const res = await call(
        graphPost('', { contentType: 'text/plain', query: { validationToken: token } }),
      );
      expect(res.statusCode).toBe(400);
      expect(res.headers?.['content-type'] ?? '').not.toMatch(/html/);
      if (token.length > 0) expect(res.body ?? '').not.toContain(token);
      expect(res.body ?? '').not.toMatch(/[<>]/);
    }
    expect(queue.sent).toHaveLength(0);
  });
});

describe('POST /webhooks/graph clientState', () => {
  it('answers 401 and enqueues nothing when the clientState differs (no Graph call)', async () => {
    const { call, queue } = withStandin();
    const before = userCalls().length;
    const res = await call(
      graphPost({
        value: [
          userNotification({
            userId: DISABLED_USER_ID,
            changeType: 'updated',
            clientState: 'notTheClientState',
          }),
        ],
      }),
    );
    expect(res.statusCode).toBe(401);
    expect(queue.sent).toHaveLength(0);
    expect(userCalls().length).toBe(before);
  });

  it('answers 401 when no notification of the collection has the right clientState', async () => {
    const { call, queue } = withStandin();
    for (const bad of ['nope', null]) {
      const res = await call(
        graphPost({
          value: [
            userNotification({ userId: GONE_USER_ID, changeType: 'deleted', clientState: bad }),
            userNotification({
              userId: 'aaaaaaaa-0000-4000-8000-000000000001',
              changeType: 'deleted',
              clientState: 'forged',
            }),
          ],
        }),
      );
      expect(res.statusCode).toBe(401);
    }
    expect(queue.sent).toHaveLength(0);
  });

  it('acts on the authentic notification of a mixed POST, drops and counts the forged one, 202', async () => {
    const metrics: Array<[string, number | undefined]> = [];
    const { logger, lines } = recordingLogger();
    const { call, queue } = ingestWithGraph(
      { metric: (name, value) => metrics.push([name, value]) },
      { logger },
    );
    const before = userCalls().length;
    const forgedId = 'aaaaaaaa-0000-4000-8000-000000000001';
    const res = await call(
      graphPost({
        value: [
          userNotification({ userId: forgedId, changeType: 'deleted', clientState: 'forged' }),
          userNotification({ userId: GONE_USER_ID, changeType: 'deleted' }),
          userNotification({ userId: DISABLED_USER_ID, changeType: 'updated', clientState: null }),
        ],
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent.map((r) => r.subject.idpUserId)).toEqual([GONE_USER_ID]);
    expect(metrics).toEqual([['GraphForgedNotifications', 2]]);
    // Nothing of the POST, forged or authentic, cost a Graph call.
    expect(userCalls().length).toBe(before);
    expect(JSON.stringify(lines)).not.toContain(CLIENT_STATE);
    expect(lines.some((l) => l.level === 'warn' && l.extra?.forged === 2)).toBe(true);
  });

  it('answers 400 to a body that is not a notification collection', async () => {
    const { call, queue } = withStandin();
    for (const body of ['not json', '{"value":[]}', '{"value":"x"}', '[]', 'null']) {
      const res = await call(graphPost(body));
      expect(res.statusCode).toBe(400);
    }
    expect(queue.sent).toHaveLength(0);
  });
});

describe('POST /webhooks/graph users notifications', () => {
  it('deprovisions a deleted user by object id with the id a delta resync also uses, 202', async () => {
    const { call, queue } = withStandin();
    const res = await call(
      graphPost({
        value: [
          userNotification({
            userId: GONE_USER_ID,
            changeType: 'deleted',
            sequenceNumber: 3,
            eventTime: '2026-11-20T09:14:31.3062901Z',
          }),
        ],
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent).toHaveLength(1);
    expect(DeprovisionRequestSchema.parse(queue.sent[0])).toEqual({
      schemaVersion: 1,
      requestId: graphDeletedRequestId(GONE_USER_ID),
      source: 'graph',
      subject: { idpUserId: GONE_USER_ID },
      reason: 'graph.users.deleted',
      occurredAt: '2026-11-20T09:14:31.306Z',
      receivedAt: '2026-11-20T09:15:02.000Z',
    });
  });

  it('turns an updated user into a graph-user check for the worker, calling nothing but the queue', async () => {
    const { call, queue } = withStandin();
    const before = standin.state().calls.length;
    const res = await call(
      graphPost({
        value: [
          userNotification({ userId: DISABLED_USER_ID, changeType: 'updated', sequenceNumber: 1 }),
        ],
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(DeprovisionRequestSchema.parse(queue.sent[0])).toEqual({
      schemaVersion: 1,
      requestId: `graph:${SUBSCRIPTION_ID}:${DISABLED_USER_ID}:updated:1`,
      source: 'graph',
      subject: { idpUserId: DISABLED_USER_ID },
      reason: 'graph.users.updated',
      occurredAt: expect.any(String),
      receivedAt: '2026-11-20T09:15:02.000Z',
      check: { kind: 'graph-user' },
    });
    expect(standin.state().calls.length).toBe(before);
  });

  it('keys an updated check without sequence number or event time by its delivery', async () => {
    const { call, queue } = withStandin();
    await call(
      graphPost({ value: [userNotification({ userId: GONE_USER_ID, changeType: 'updated' })] }),
    );
    expect(queue.sent[0]?.requestId).toBe(
      `graph:${SUBSCRIPTION_ID}:${GONE_USER_ID}:updated:r${Date.parse('2026-11-20T09:15:02.000Z')}`,
    );
  });

  it('handles a mixed collection: one request per user change, none for other resources', async () => {
    const { call, queue } = withStandin();
    const res = await call(
      graphPost({
        value: [
          userNotification({ userId: DISABLED_USER_ID, changeType: 'updated', sequenceNumber: 1 }),
          userNotification({ userId: DISABLED_USER_ID, changeType: 'updated', sequenceNumber: 2 }),
          userNotification({ userId: ENABLED_USER_ID, changeType: 'updated' }),
          userNotification({ userId: GONE_USER_ID, changeType: 'deleted' }),
          userNotification({ userId: ENABLED_USER_ID, changeType: 'created' }),
          {
            ...userNotification({ userId: 'x', changeType: 'deleted' }),
            resource: 'groups/x',
            resourceData: { id: 'x' },
          },
        ],
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent.map((r) => [r.subject.idpUserId, r.reason])).toEqual([
      [DISABLED_USER_ID, 'graph.users.updated'],
      [DISABLED_USER_ID, 'graph.users.updated'],
      [ENABLED_USER_ID, 'graph.users.updated'],
      [GONE_USER_ID, 'graph.users.deleted'],
    ]);
  });

  it('gives a redelivered notification the same requestId', async () => {
    const { call, queue } = withStandin();
    const body = { value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] };
    await call(graphPost(body));
    await call(graphPost(body));
    expect(queue.sent).toHaveLength(2);
    expect(queue.sent[0]?.requestId).toBe(queue.sent[1]?.requestId);
  });

  it('answers 202 to an updated notification whatever Graph does (ingest never calls it)', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    standin.addFault({ target: 'any', status: 503, count: 5 });
    const res = await call(
      graphPost({ value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent).toHaveLength(1);
  });

  it('answers 503 when the enqueue fails', async () => {
    const { call, queue } = withStandin();
    queue.failNext = true;
    const res = await call(
      graphPost({ value: [userNotification({ userId: GONE_USER_ID, changeType: 'deleted' })] }),
    );
    expect(res.statusCode).toBe(503);
  });

  it('never logs the clientState', async () => {
    const { logger, lines } = recordingLogger();
    const { call } = ingestWithGraph({}, { logger });
    await call(
      graphPost({ value: [userNotification({ userId: GONE_USER_ID, changeType: 'deleted' })] }),
    );
    await call(
      graphPost({
        value: [
          userNotification({ userId: GONE_USER_ID, changeType: 'deleted', clientState: 'nope' }),
        ],
      }),
    );
    expect(JSON.stringify(lines)).not.toContain(CLIENT_STATE);
  });
});

describe('POST /webhooks/graph lifecycle notifications', () => {
  it.each(['missed', 'subscriptionRemoved'] as const)(
    'enqueues one graph-delta resync on %s and answers 202',
    async (event) => {
      const { call, queue } = ingestWithGraph(undefined);
      const res = await call(graphPost({ value: [lifecycleNotification(event)] }));
      expect(res.statusCode).toBe(202);
      expect(queue.sent).toHaveLength(1);
      const request = DeprovisionRequestSchema.parse(queue.sent[0]);
      expect(request).toMatchObject({
        source: 'graph',
        subject: GRAPH_DELTA_SUBJECT,
        reason: `graph.lifecycle.${event}`,
        check: { kind: 'graph-delta', trigger: event },
      });
      expect(request.requestId).toMatch(new RegExp(`^graph-delta:${event}:${SUBSCRIPTION_ID}:`));
    },
  );

  it('gives a redelivered lifecycle notification the same resync requestId', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    const body = { value: [lifecycleNotification('missed')] };
    await call(graphPost(body));
    await call(graphPost(body));
    expect(queue.sent[0]?.requestId).toBe(queue.sent[1]?.requestId);
  });

  it('logs a warning and counts a metric on missed', async () => {
    const metrics: string[] = [];
    const { logger, lines } = recordingLogger();
    const { call } = ingestWithGraph({ metric: (name) => metrics.push(name) }, { logger });
    const res = await call(graphPost({ value: [lifecycleNotification('missed')] }));
    expect(res.statusCode).toBe(202);
    expect(metrics).toEqual(['GraphMissedNotifications']);
    expect(lines.some((l) => l.level === 'warn' && l.extra?.lifecycleEvent === 'missed')).toBe(
      true,
    );
  });

  it('turns reauthorizationRequired into a graph-reauthorize request, calling nothing', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    const before = standin.state().calls.length;
    const res = await call(
      graphPost({ value: [lifecycleNotification('reauthorizationRequired')] }),
    );
    expect(res.statusCode).toBe(202);
    expect(DeprovisionRequestSchema.parse(queue.sent[0])).toMatchObject({
      source: 'graph',
      subject: { externalId: `microsoft-graph:subscriptions/${SUBSCRIPTION_ID}` },
      reason: 'graph.lifecycle.reauthorizationRequired',
      check: { kind: 'graph-reauthorize', subscriptionId: SUBSCRIPTION_ID },
    });
    expect(queue.sent[0]?.requestId).toMatch(new RegExp(`^graph-reauthorize:${SUBSCRIPTION_ID}:`));
    expect(standin.state().calls.length).toBe(before);
  });

  it('rejects a lifecycle notification with the wrong clientState and enqueues nothing', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    const res = await call(
      graphPost({ value: [lifecycleNotification('subscriptionRemoved', 'forged')] }),
    );
    expect(res.statusCode).toBe(401);
    expect(queue.sent).toHaveLength(0);
  });
});
