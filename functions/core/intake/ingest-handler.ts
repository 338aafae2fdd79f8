import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { IngestConfig } from '#core/config/ingest-config.ts';
import { ROUTE } from '#core/contract/routes.ts';
import { formatterByPath, httpErrorHandler } from '#core/http/error-handler.ts';
import {
  empty,
  fromApiGatewayEvent,
  type HttpResponse,
  json,
  readJsonBody,
  STATUS,
} from '#core/http/http.ts';
import { type GraphIngestDeps, graphRoutes } from '#core/intake/graph/routes.ts';
import { receiveOktaDelivery, verifyOktaEventHook } from '#core/intake/okta/event-hook.ts';
import { createRouter, type RouteHandler } from '#core/intake/router.ts';
import { scimErrorFormatter } from '#core/intake/scim/errors.ts';
import { scimRoutes } from '#core/intake/scim/routes.ts';
import { receiveSignedWebhook } from '#core/intake/signed-webhook/receive.ts';
import { type WebhookSecretName, WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { IdentityStore } from '#core/ports/identity-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export interface IngestDeps {
  config: IngestConfig;
  queue: WorkQueue;
  secretSource: SecretSource;
  /** SCIM's identity records (DynamoDB in AWS, a file locally). */
  identityStore: IdentityStore;
  clock?: Clock;
  logger: Logger;
  /** Graph user lookups and subscription renewal (validation and `deleted` work without). */
  graph?: GraphIngestDeps;
}

/** Webhook secret keys the enabled routes need; checked at cold start. */
export const REQUIRED_WEBHOOK_SECRETS: readonly WebhookSecretName[] = [
  'oktaAuthorization',
  'webhookSigningSecret',
  'scimBearerToken',
  'graphClientState',
];

/** Builds the ingest router from its ports (shared by Lambda, the local runner and tests). */
export function createIngestRouter(deps: IngestDeps): RouteHandler {
  const secrets = new WebhookSecretsReader(deps.secretSource, deps.config.webhookSecretId);
  const okta = {
    queue: deps.queue,
    secrets,
    clock: deps.clock ?? systemClock,
    logger: deps.logger,
    deprovisionEventTypes: new Set(deps.config.oktaDeprovisionEventTypes),
    zohoAppInstanceIds: new Set(deps.config.oktaZohoAppInstanceIds ?? []),
    ...(deps.config.groupMapping ? { groupMapping: deps.config.groupMapping } : {}),
  };
  return createRouter([
    ...graphRoutes({
      ...deps.graph,
      queue: deps.queue,
      secrets,
      clock: deps.clock ?? systemClock,
      logger: deps.logger,
      maxBodyBytes: deps.config.maxBodyBytes,
    }),
    {
      path: ROUTE.OKTA_EVENT_HOOK,
      methods: {
        GET: async (req) =>
          json(
            STATUS.ok,
            await verifyOktaEventHook(okta, {
              authorization: req.headers.authorization,
              challenge: req.headers['x-okta-verification-challenge'],
            }),
          ),
        POST: async (req) => {
          await receiveOktaDelivery(okta, {
            authorization: req.headers.authorization,
            readBody: () => readJsonBody(req, deps.config.maxBodyBytes),
          });
          return empty(STATUS.ok);
        },
      },
    },
    {
      path: ROUTE.SIGNED_WEBHOOK,
      methods: {
        POST: async (req) => {
          await receiveSignedWebhook({ ...okta, maxBodyBytes: deps.config.maxBodyBytes }, req);
          return empty(STATUS.ok);
        },
      },
    },
    ...scimRoutes({
      ...okta,
      store: deps.identityStore,
      maxBodyBytes: deps.config.maxBodyBytes,
    }),
  ]);
}

/** Wraps the router as an API Gateway v2 Lambda handler with the one error middleware. */
export function createIngestHandler(deps: IngestDeps) {
  const route = createIngestRouter(deps);
  return middy<APIGatewayProxyEventV2, HttpResponse>()
    .use(httpErrorHandler(deps.logger, formatterByPath([[ROUTE.SCIM_ROOT, scimErrorFormatter]])))
    .handler(async (event) => route(fromApiGatewayEvent(event)));
}

/** Fails fast when a webhook secret a route needs is missing. @throws ConfigError, SecretError */
export async function checkWebhookSecrets(deps: IngestDeps): Promise<void> {
  const reader = new WebhookSecretsReader(deps.secretSource, deps.config.webhookSecretId);
  for (const name of REQUIRED_WEBHOOK_SECRETS) await reader.get(name);
}
