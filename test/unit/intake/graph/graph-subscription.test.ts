import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildGraphSubscription } from '#core/compose/graph-wiring.ts';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import { attemptGraphCheck } from '#core/deprovision/graph-check.ts';
import { ConfigError } from '#core/domain/errors.ts';
import {
  ensureGraphSubscription,
  type GraphSubscriptionDeps,
  renewGraphSubscription,
} from '#core/intake/graph/subscription.ts';
import { createIngestRouter } from '#core/intake/ingest-handler.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { buildGraphSubscriptionFromEnv } from '../../../../functions/graph-subscription/compose.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import { type GraphStandin, startGraphStandin } from '../../../../local/graph-standin/server.ts';
import { InMemoryGraphStateStore } from '../../../doubles/in-memory-graph-state-store.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import {
  CLIENT_STATE,
  GRAPH_SECRET_ID,
  graphClientFor,
  WEBHOOK_SECRET_ID,
} from './graph-helpers.ts';

const NOTIFICATION_URL = 'https://deprovisioner.example.org/webhooks/graph';
const DAY = 24 * 60 * 60_000;
const START = Date.parse('2026-11-20T09:00:00.000Z');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(options: { validate?: boolean; notificationUrl?: string } = {}) {
  const clock = { ms: START };
  const standin = await startGraphStandin({
    now: () => clock.ms,
    validateNotificationUrls: options.validate ?? false,
  });
  open.push(standin);
  const graph = graphClientFor(standin, { now: () => new Date(clock.ms) });
  const deps: GraphSubscriptionDeps = {
    graph,
    clientState: async () => CLIENT_STATE,
    clock: { now: () => new Date(clock.ms) },
    logger: silentLogger,
    notificationUrl: options.notificationUrl ?? NOTIFICATION_URL,
  };
  return { clock, standin, graph, deps };
}

const subscriptionCalls = (standin: GraphStandin) =>
  standin
    .state()
    .calls.filter((c) => c.path.startsWith('/v1.0/subscriptions'))
    .map((c) => `${c.method} ${c.status}`);

describe('ensureGraphSubscription against the Graph stand-in', () => {
  it('creates the users subscription when missing, with the documented settings', async () => {
    const { standin, deps } = await setup();
    const outcome = await ensureGraphSubscription(deps);
    expect(outcome.action).toBe('created');
    const [subscription, ...others] = standin.state().subscriptions;
    expect(others).toHaveLength(0);
    expect(subscription).toMatchObject({
      id: outcome.subscriptionId,
      resource: 'users',
      changeType: 'updated,deleted',
      notificationUrl: NOTIFICATION_URL,
      lifecycleNotificationUrl: NOTIFICATION_URL,
      clientState: CLIENT_STATE,
    });
    const lifetime = Date.parse(subscription?.expirationDateTime ?? '') - START;
    expect(lifetime).toBeGreaterThan(28 * DAY);
    expect(lifetime).toBeLessThanOrEqual(41_760 * 60_000);
    expect(subscriptionCalls(standin)).toEqual(['GET 200', 'POST 201']);
  });

  it('leaves a subscription that lives longer than a day alone', async () => {
    const { standin, deps, clock } = await setup();
    const created = await ensureGraphSubscription(deps);
    clock.ms += 10 * DAY;
    const outcome = await ensureGraphSubscription(deps);
    expect(outcome).toMatchObject({ action: 'unchanged', subscriptionId: created.subscriptionId });
    expect(standin.state().subscriptions).toHaveLength(1);
  });

  it('renews (PATCH expirationDateTime) when the subscription expires within a day', async () => {
    const { standin, deps, clock } = await setup();
    const created = await ensureGraphSubscription(deps);
    clock.ms += 28.5 * DAY;
    const outcome = await ensureGraphSubscription(deps);
    expect(outcome).toMatchObject({ action: 'renewed', subscriptionId: created.subscriptionId });
    expect(Date.parse(outcome.expirationDateTime) - clock.ms).toBeGreaterThan(28 * DAY);
    expect(subscriptionCalls(standin).slice(-2)).toEqual(['GET 200', 'PATCH 200']);
  });

  it('creates a new subscription after the old one expired (Graph deletes expired ones)', async () => {
    const { standin, deps, clock } = await setup();
    const first = await ensureGraphSubscription(deps);
    clock.ms += 30 * DAY;
    const outcome = await ensureGraphSubscription(deps);
    expect(outcome.action).toBe('created');
    expect(outcome.subscriptionId).not.toBe(first.subscriptionId);
    expect(standin.state().subscriptions).toHaveLength(1);
  });

  it('ignores other subscriptions and deletes duplicates of ours', async () => {
    const { standin, deps, graph } = await setup();
    const expiry = new Date(START + 20 * DAY).toISOString();
    const other = await graph.createSubscription({
      changeType: 'updated',
      notificationUrl: 'https://other.example.org/hook',
      resource: 'users',
      expirationDateTime: expiry,
      clientState: 'x',
    });
    const older = await graph.createSubscription({
      changeType: 'updated,deleted',
      notificationUrl: NOTIFICATION_URL,
      resource: 'users',
      expirationDateTime: expiry,
      clientState: CLIENT_STATE,
    });
    const newer = await graph.createSubscription({
      changeType: 'updated,deleted',
      notificationUrl: NOTIFICATION_URL,
      resource: '/users',
      expirationDateTime: new Date(START + 25 * DAY).toISOString(),
      clientState: CLIENT_STATE,
    });
    const outcome = await ensureGraphSubscription(deps);
    expect(outcome).toMatchObject({
      action: 'unchanged',
      subscriptionId: newer.id,
      removedDuplicates: 1,
    });
    const ids = standin.state().subscriptions.map((s) => s.id);
    expect(ids).toContain(other.id);
    expect(ids).not.toContain(older.id);
  });

  it('renewGraphSubscription creates a new subscription when the given one is gone', async () => {
    const { standin, deps } = await setup();
    const outcome = await renewGraphSubscription(deps, 'b5c1f6a0-0000-4000-8000-00000000dead');
    expect(outcome.action).toBe('created');
    expect(standin.state().subscriptions).toHaveLength(1);
  });

  it('fails (so the scheduled invocation errors) when Graph keeps failing', async () => {
    const { standin, deps } = await setup();
    standin.addFault({ target: 'subscriptions', status: 503 });
    await expect(ensureGraphSubscription(deps)).rejects.toMatchObject({ retryable: true });
  });
});

describe('Graph subscription end to end over HTTP', () => {
  it('Graph validates our notification URL on create; reauthorizationRequired is queued and the worker reauthorizes', async () => {
    const queue = new InMemoryWorkQueue();
    const ingest = {
      config: loadIngestConfig({
        WORK_QUEUE_URL: 'http://queue.local/work',
        WEBHOOK_SECRET_ARN: WEBHOOK_SECRET_ID,
        IDENTITY_TABLE_NAME: 'identity',
      }),
      queue,
      identityStore: new InMemoryIdentityStore(),
      secretSource: new StaticSecretSource({
        [WEBHOOK_SECRET_ID]: JSON.stringify({ graphClientState: CLIENT_STATE }),
      }),
      logger: silentLogger,
    };
    const server = await serve((req) => createIngestRouter(ingest)(req));
    open.push(server);
    const setupResult = await setup({
      validate: true,
      notificationUrl: `${server.url}/webhooks/graph`,
    });
    const deps = setupResult.deps;
    const created = await ensureGraphSubscription(deps);
    expect(created.action).toBe('created');
    expect(server.requests).toEqual(['POST /webhooks/graph 200']);

    setupResult.clock.ms += 2 * DAY;
    const res = await fetch(`${server.url}/webhooks/graph`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [
          {
            subscriptionId: created.subscriptionId,
            subscriptionExpirationDateTime: created.expirationDateTime,
            tenantId: setupResult.standin.tenantId,
            clientState: CLIENT_STATE,
            lifecycleEvent: 'reauthorizationRequired',
          },
        ],
      }),
    });
    expect(res.status).toBe(202);
    // Ingest called nothing: it queued the reauthorization, which the worker's Graph check makes.
    const calls = () => setupResult.standin.state().calls.map((c) => `${c.method} ${c.path}`);
    expect(calls()).not.toContain(`POST /v1.0/subscriptions/${created.subscriptionId}/reauthorize`);
    expect(queue.sent).toHaveLength(1);
    const outcome = await attemptGraphCheck(
      {
        graph: {
          users: graphClientFor(setupResult.standin),
          state: new InMemoryGraphStateStore(),
          queue: new InMemoryWorkQueue(),
        },
        clock: { now: () => new Date(setupResult.clock.ms) },
        logger: silentLogger,
      },
      queue.sent[0]!,
      async () => {
        throw new Error('a reauthorization removes nobody');
      },
    );
    expect(outcome).toMatchObject({ outcome: 'no-op', reason: 'subscription reauthorized' });
    expect(calls()).toContain(`POST /v1.0/subscriptions/${created.subscriptionId}/reauthorize`);
  });

  it('Graph refuses the subscription when the notification URL does not echo the token', async () => {
    const server = await serve(async () => ({ statusCode: 202, body: '' }));
    open.push(server);
    const { deps } = await setup({
      validate: true,
      notificationUrl: `${server.url}/webhooks/graph`,
    });
    await expect(ensureGraphSubscription(deps)).rejects.toMatchObject({
      httpStatus: 400,
      retryable: false,
    });
  });
});

describe('buildGraphSubscriptionFromEnv', () => {
  it('fails fast naming every missing key', async () => {
    const error = await buildGraphSubscriptionFromEnv({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues.join(' ');
    expect(issues).toContain('WEBHOOK_SECRET_ARN');
    expect(issues).toContain('GRAPH_SECRET_ARN');
    expect(issues).toContain('GRAPH_NOTIFICATION_URL');
  });
});

describe('buildGraphSubscription (the composition root with a static secret source)', () => {
  const env = (standin: GraphStandin) => ({
    WEBHOOK_SECRET_ARN: WEBHOOK_SECRET_ID,
    GRAPH_SECRET_ARN: GRAPH_SECRET_ID,
    GRAPH_NOTIFICATION_URL: NOTIFICATION_URL,
    GRAPH_BASE_URL: standin.url,
    GRAPH_LOGIN_URL: standin.loginUrl,
  });
  const graphSecret = (standin: GraphStandin) => ({
    tenantId: standin.tenantId,
    clientId: standin.clientId,
    clientSecret: standin.clientSecret,
  });
  const sources = (graph: Record<string, unknown>, webhook: Record<string, unknown>) =>
    new StaticSecretSource({
      [GRAPH_SECRET_ID]: JSON.stringify(graph),
      [WEBHOOK_SECRET_ID]: JSON.stringify(webhook),
    });

  it('builds a handler that creates the subscription when both secrets are complete', async () => {
    const { standin, clock } = await setup();
    const handler = await buildGraphSubscription(env(standin), {
      secretSource: sources(graphSecret(standin), { graphClientState: CLIENT_STATE }),
      logger: silentLogger,
      clock: { now: () => new Date(clock.ms) },
    });
    await expect(handler()).resolves.toMatchObject({ action: 'created' });
    expect(standin.state().subscriptions).toMatchObject([
      { notificationUrl: NOTIFICATION_URL, clientState: CLIENT_STATE },
    ]);
  });

  it('records each run (action, subscription, expiry, time) where status reads it', async () => {
    const { standin, clock } = await setup();
    const state = new InMemoryGraphStateStore();
    const handler = await buildGraphSubscription(env(standin), {
      secretSource: sources(graphSecret(standin), { graphClientState: CLIENT_STATE }),
      logger: silentLogger,
      clock: { now: () => new Date(clock.ms) },
      state,
    });
    const created = await handler();
    expect(state.subscription).toEqual({
      subscriptionId: created.subscriptionId,
      action: 'created',
      expirationDateTime: created.expirationDateTime,
      checkedAt: new Date(clock.ms).toISOString(),
    });
    await handler();
    expect(state.subscription?.action).toBe('unchanged');
  });

  it.each(['tenantId', 'clientId', 'clientSecret'] as const)(
    'fails at cold start naming the Graph secret key %s when it is missing, never a value',
    async (key) => {
      const { standin } = await setup();
      const { [key]: _missing, ...rest } = graphSecret(standin);
      const error = await buildGraphSubscription(env(standin), {
        secretSource: sources(rest, { graphClientState: CLIENT_STATE }),
        logger: silentLogger,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([key]);
      expect((error as Error).message).toContain(key);
      for (const value of Object.values(rest))
        expect((error as Error).message).not.toContain(value);
      expect(standin.state().calls).toHaveLength(0);
    },
  );

  it('fails at cold start naming graphClientState when the webhook secret lacks it', async () => {
    const { standin } = await setup();
    const error = await buildGraphSubscription(env(standin), {
      secretSource: sources(graphSecret(standin), { scimBearerToken: 'scim-token-not-logged' }),
      logger: silentLogger,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual(['graphClientState']);
    expect((error as Error).message).not.toContain('scim-token-not-logged');
    expect((error as Error).message).not.toContain(standin.clientSecret);
  });
});

/** A real HTTP server in front of a router-like function (what API Gateway does in AWS). */
async function serve(
  route: (req: {
    method: string;
    path: string;
    headers: Record<string, string>;
    query: Record<string, string>;
    body: Buffer;
    requestId: string;
  }) => Promise<{ statusCode: number; headers?: Record<string, unknown>; body?: unknown }>,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://local');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    let status = 500;
    let body = '';
    let contentType = 'text/plain';
    try {
      const out = await route({
        method: req.method ?? 'GET',
        path: url.pathname,
        headers,
        query: Object.fromEntries(url.searchParams),
        body: Buffer.concat(chunks),
        requestId: 'local',
      });
      status = out.statusCode;
      body = typeof out.body === 'string' ? out.body : '';
      contentType = String(out.headers?.['content-type'] ?? contentType);
    } catch (error) {
      status = (error as { statusCode?: number }).statusCode ?? 500;
    }
    requests.push(`${req.method} ${url.pathname} ${status}`);
    res.writeHead(status, { 'content-type': contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
