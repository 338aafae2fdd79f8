import { Agent } from 'undici';
import { graphCredentialsFromSecret } from '#core/adapters/graph/graph-client.ts';
import { GraphSubscriptionClient } from '#core/adapters/graph/graph-subscription-client.ts';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import type { GraphIngestDeps } from '#core/intake/graph/routes.ts';
import { createIngestHandler, type IngestDeps } from '#core/intake/ingest-handler.ts';
import type { Logger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import type { GraphStandin } from '../../../../local/graph-standin/server.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import { apiGatewayEvent, lambdaContext } from '../../../helpers/api-gateway.ts';

export { recordingLogger } from '../../../helpers/recording-logger.ts';

export const CLIENT_STATE = 'graph-test-client-state-7f3a';
export const WEBHOOK_SECRET_ID = 'webhook-secret';
export const GRAPH_SECRET_ID = 'graph-secret';
export const SUBSCRIPTION_ID = 'e3898f08-5cd0-4a6a-80fc-6addbfb73b7b';
export const TENANT_ID = '84bd8158-6d4d-4958-8b9f-9d6445542f95';
export const DISABLED_USER_ID = 'c37b074d-fe9d-4e68-83ad-b4401d3be174';
export const ENABLED_USER_ID = '87d349ed-44d7-43e1-9a83-5f2406dee5bd';
export const GONE_USER_ID = 'fc9a2c2b-1ddc-486d-a211-5fe8ca77fa1f';

export function secretSourceFor(
  standin: Pick<GraphStandin, 'tenantId' | 'clientId' | 'clientSecret'>,
) {
  return new StaticSecretSource({
    [WEBHOOK_SECRET_ID]: JSON.stringify({ graphClientState: CLIENT_STATE }),
    [GRAPH_SECRET_ID]: JSON.stringify({
      tenantId: standin.tenantId,
      clientId: standin.clientId,
      clientSecret: standin.clientSecret,
    }),
  });
}

export function graphClientFor(
  standin: GraphStandin,
  options: { timeoutMs?: number; now?: () => Date; clientSecret?: string } = {},
) {
  const source = new StaticSecretSource({
    [GRAPH_SECRET_ID]: JSON.stringify({
      tenantId: standin.tenantId,
      clientId: standin.clientId,
      clientSecret: options.clientSecret ?? standin.clientSecret,
    }),
  });
  return new GraphSubscriptionClient(new Agent(), {
    baseUrl: standin.url,
    loginUrl: standin.loginUrl,
    credentials: graphCredentialsFromSecret(source, GRAPH_SECRET_ID),
    timeoutMs: options.timeoutMs ?? 1500,
    ...(options.now ? { clock: { now: options.now } } : {}),
  });
}

/** The ingest Lambda handler as tests drive it: in-memory queue, static secrets, given Graph deps. */
export function ingestWithGraph(
  graph: GraphIngestDeps | undefined,
  options: { logger?: Logger; now?: Date } = {},
) {
  const queue = new InMemoryWorkQueue();
  const deps: IngestDeps = {
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
    clock: { now: () => options.now ?? new Date('2026-11-20T09:15:02.000Z') },
    logger: options.logger ?? silent(),
    ...(graph ? { graph } : {}),
  };
  const handler = createIngestHandler(deps);
  return {
    queue,
    deps,
    call: (event: ReturnType<typeof apiGatewayEvent>) => handler(event, lambdaContext),
  };
}

function silent(): Logger {
  return { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
}

/** A Graph changeNotification for `users`, in the documented webhook shape. */
export function userNotification(options: {
  userId: string;
  changeType: string;
  clientState?: string | null;
  subscriptionId?: string;
  sequenceNumber?: number;
  eventTime?: string;
}) {
  return {
    subscriptionId: options.subscriptionId ?? SUBSCRIPTION_ID,
    subscriptionExpirationDateTime: '2026-12-10T09:00:00.0000000+00:00',
    changeType: options.changeType,
    resource: `Users/${options.userId}`,
    resourceData: {
      '@odata.type': '#Microsoft.Graph.User',
      '@odata.id': `Users/${options.userId}`,
      id: options.userId,
      organizationId: TENANT_ID,
      ...(options.eventTime ? { eventTime: options.eventTime } : {}),
      ...(options.sequenceNumber !== undefined ? { sequenceNumber: options.sequenceNumber } : {}),
    },
    ...(options.clientState === null ? {} : { clientState: options.clientState ?? CLIENT_STATE }),
    tenantId: TENANT_ID,
  };
}

/** A lifecycle notification as documented ("Reduce missing subscriptions and change notifications"). */
export function lifecycleNotification(lifecycleEvent: string, clientState = CLIENT_STATE) {
  return {
    subscriptionId: SUBSCRIPTION_ID,
    subscriptionExpirationDateTime: '2026-11-20T10:00:00.0000000Z',
    tenantId: TENANT_ID,
    clientState,
    lifecycleEvent,
  };
}

export function graphPost(
  body: unknown,
  options: { contentType?: string; query?: Record<string, string> } = {},
) {
  return apiGatewayEvent({
    method: 'POST',
    path: '/webhooks/graph',
    headers: { 'Content-Type': options.contentType ?? 'application/json' },
    ...(options.query ? { query: options.query } : {}),
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
