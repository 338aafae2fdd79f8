import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';
import type { GraphSubscriptionMaintenance } from '#core/ports/graph.ts';
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
  graphClientFor,
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

function withStandin(options: { timeoutMs?: number } = {}) {
  return ingestWithGraph({ users: graphClientFor(standin, options) });
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
      { users: graphClientFor(standin), metric: (name, value) => metrics.push([name, value]) },
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
    // The forged `updated` notification did not cost a Graph lookup.
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
  it('deprovisions a deleted user by object id and answers 202', async () => {
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
      requestId: `graph:${SUBSCRIPTION_ID}:${GONE_USER_ID}:deleted:3`,
      source: 'graph',
      subject: { idpUserId: GONE_USER_ID },
      reason: 'graph.users.deleted',
      occurredAt: '2026-11-20T09:14:31.306Z',
      receivedAt: '2026-11-20T09:15:02.000Z',
    });
  });

  it('looks an updated user up through the stand-in and deprovisions when accountEnabled is false', async () => {
    const { call, queue } = withStandin();
    const res = await call(
      graphPost({
        value: [
          userNotification({ userId: DISABLED_USER_ID, changeType: 'updated', sequenceNumber: 1 }),
        ],
      }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatchObject({
      requestId: `graph:${SUBSCRIPTION_ID}:${DISABLED_USER_ID}:updated:1`,
      source: 'graph',
      subject: {
        idpUserId: DISABLED_USER_ID,
        login: 'BonnieK@contoso.com',
        email: 'bonniek@contoso.com',
      },
      reason: 'graph.users.updated.accountEnabled=false',
    });
    expect(userCalls().at(-1)).toEqual({
      method: 'GET',
      path: `/v1.0/users/${DISABLED_USER_ID}`,
      status: 200,
    });
  });

  it('prefers mail over the UPN for the email', async () => {
    standin.setUsers([
      {
        id: DISABLED_USER_ID,
        accountEnabled: false,
        userPrincipalName: 'bk_contoso.com#EXT#@fabrikam.onmicrosoft.com',
        mail: 'Bonnie.K@Contoso.com',
      },
    ]);
    const { call, queue } = withStandin();
    await call(
      graphPost({ value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] }),
    );
    expect(queue.sent[0]?.subject).toEqual({
      idpUserId: DISABLED_USER_ID,
      login: 'bk_contoso.com#EXT#@fabrikam.onmicrosoft.com',
      email: 'bonnie.k@contoso.com',
    });
  });

  it('enqueues nothing for an enabled user (profile-only update or re-enable)', async () => {
    const { call, queue } = withStandin();
    const res = await call(
      graphPost({ value: [userNotification({ userId: ENABLED_USER_ID, changeType: 'updated' })] }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent).toHaveLength(0);
  });

  it('deprovisions by object id when Graph answers 404 for an updated user (soft- or hard-deleted)', async () => {
    const { call, queue } = withStandin();
    const res = await call(
      graphPost({ value: [userNotification({ userId: GONE_USER_ID, changeType: 'updated' })] }),
    );
    expect(res.statusCode).toBe(202);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatchObject({
      subject: { idpUserId: GONE_USER_ID },
      reason: 'graph.users.updated.notFound',
      requestId: `graph:${SUBSCRIPTION_ID}:${GONE_USER_ID}:updated:r${Date.parse('2026-11-20T09:15:02.000Z')}`,
    });
  });

  it('handles a mixed collection: one lookup per user, requests only for disabled/deleted', async () => {
    const { call, queue } = withStandin();
    const before = userCalls().length;
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
    expect(queue.sent.map((r) => r.reason)).toEqual([
      'graph.users.updated.accountEnabled=false',
      'graph.users.updated.accountEnabled=false',
      'graph.users.deleted',
    ]);
    expect(userCalls().length - before).toBe(2);
  });

  it('gives a redelivered notification the same requestId', async () => {
    const { call, queue } = withStandin();
    const body = { value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] };
    await call(graphPost(body));
    await call(graphPost(body));
    expect(queue.sent).toHaveLength(2);
    expect(queue.sent[0]?.requestId).toBe(queue.sent[1]?.requestId);
  });

  it('answers 503 with Retry-After and enqueues nothing when the Graph lookup fails', async () => {
    const { call, queue } = withStandin();
    standin.addFault({ target: 'users', status: 503 });
    const res = await call(
      graphPost({
        value: [
          userNotification({ userId: GONE_USER_ID, changeType: 'deleted' }),
          userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' }),
        ],
      }),
    );
    // Transient: Graph redelivers a notification its endpoint answered with 5xx.
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'retry-after': '5' });
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 5xx when the Graph lookup is slower than the timeout', async () => {
    const { call, queue } = withStandin({ timeoutMs: 200 });
    standin.addFault({ target: 'users', delayMs: 600 });
    const res = await call(
      graphPost({ value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] }),
    );
    expect(res.statusCode).toBe(503);
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 5xx when the app token cannot be obtained (wrong client secret)', async () => {
    const { call, queue } = ingestWithGraph({
      users: graphClientFor(standin, { clientSecret: 'wrong' }),
    });
    const res = await call(
      graphPost({ value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] }),
    );
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('wrong');
    expect(queue.sent).toHaveLength(0);
  });

  it('answers 500 for an updated notification when no Graph credentials are configured', async () => {
    const { call, queue } = ingestWithGraph(undefined);
    const res = await call(
      graphPost({ value: [userNotification({ userId: DISABLED_USER_ID, changeType: 'updated' })] }),
    );
    expect(res.statusCode).toBe(500);
    expect(queue.sent).toHaveLength(0);
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
    const { call } = ingestWithGraph({ users: graphClientFor(standin) }, { logger });
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
  function maintenance(fail = false) {
    const calls: string[] = [];
    const subscriptions: GraphSubscriptionMaintenance = {
      renew: async (id) => {
        calls.push(`renew:${id}`);
        if (fail) throw new Error('graph down');
        return { action: 'renewed' };
      },
      ensure: async () => {
        calls.push('ensure');
        return { action: 'created' };
      },
    };
    return { calls, subscriptions };
  }

  it('renews the subscription on reauthorizationRequired and answers 202', async () => {
    const { calls, subscriptions } = maintenance();
    const { call, queue } = ingestWithGraph({ subscriptions });
    const res = await call(
      graphPost({ value: [lifecycleNotification('reauthorizationRequired')] }),
    );
    expect(res.statusCode).toBe(202);
    expect(calls).toEqual([`renew:${SUBSCRIPTION_ID}`]);
    expect(queue.sent).toHaveLength(0);
  });

  it('recreates the subscription on subscriptionRemoved', async () => {
    const { calls, subscriptions } = maintenance();
    const { call } = ingestWithGraph({ subscriptions });
    const res = await call(graphPost({ value: [lifecycleNotification('subscriptionRemoved')] }));
    expect(res.statusCode).toBe(202);
    expect(calls).toEqual(['ensure']);
  });

  it('logs a warning and counts a metric on missed, and accepts', async () => {
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

  it('accepts when the renewal fails, logging the error and counting a metric', async () => {
    const metrics: string[] = [];
    const { calls, subscriptions } = maintenance(true);
    const { logger, lines } = recordingLogger();
    const { call } = ingestWithGraph(
      { subscriptions, metric: (name) => metrics.push(name) },
      { logger },
    );
    const res = await call(
      graphPost({ value: [lifecycleNotification('reauthorizationRequired')] }),
    );
    expect(res.statusCode).toBe(202);
    expect(calls).toHaveLength(1);
    expect(metrics).toEqual(['GraphLifecycleActionFailed']);
    expect(lines.some((l) => l.level === 'error')).toBe(true);
  });

  it('rejects a lifecycle notification with the wrong clientState and acts on nothing', async () => {
    const { calls, subscriptions } = maintenance();
    const { call } = ingestWithGraph({ subscriptions });
    const res = await call(
      graphPost({ value: [lifecycleNotification('subscriptionRemoved', 'forged')] }),
    );
    expect(res.statusCode).toBe(401);
    expect(calls).toHaveLength(0);
  });

  it('accepts a lifecycle notification when no subscription maintenance is configured', async () => {
    const { call } = ingestWithGraph(undefined);
    const res = await call(
      graphPost({ value: [lifecycleNotification('reauthorizationRequired')] }),
    );
    expect(res.statusCode).toBe(202);
  });
});
