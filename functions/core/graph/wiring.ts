import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { SecretsManagerSecretSource } from '#core/adapters/secrets-manager-secret-source.ts';
import { ENV } from '#core/config/env-names.ts';
import { parseEnv } from '#core/config/parse-env.ts';
import { WebhookSecretsReader } from '#core/domain/webhook-secrets.ts';
import { ConfigError } from '#core/errors.ts';
import { type GraphConfig, GraphEnvShape, graphConfigFrom } from '#core/graph/config.ts';
import { GraphClient, graphCredentialsFromSecret } from '#core/graph/graph-client.ts';
import type { CountMetric } from '#core/graph/ports.ts';
import type { GraphIngestDeps } from '#core/graph/routes.ts';
import { createLogger, createMetrics } from '#core/observability.ts';
import { type Clock, type Logger, type SecretSource, systemClock } from '#core/ports/index.ts';
import {
  ensureGraphSubscription,
  type GraphSubscriptionDeps,
  graphSubscriptionMaintenance,
} from '#core/use-cases/graph-subscription.ts';

export interface GraphWiringInput {
  config: GraphConfig;
  secretSource: SecretSource;
  webhookSecrets: WebhookSecretsReader;
  logger: Logger;
  clock?: Clock;
  dispatcher?: Dispatcher;
  metric?: CountMetric;
}

/** A short-timeout connection pool: the webhook must answer Graph within ~3 s. */
export function createGraphDispatcher(): Dispatcher {
  return new Agent({ connect: { timeout: 1500 }, keepAliveTimeout: 30_000 });
}

/** Emits a count metric at once (one EMF line), for rare operational events. */
export function powertoolsCountMetric(): CountMetric {
  const metrics = createMetrics();
  return (name, value = 1) => metrics.singleMetric().addMetric(name, MetricUnit.Count, value);
}

function buildClient(input: GraphWiringInput): GraphClient {
  return new GraphClient(input.dispatcher ?? createGraphDispatcher(), {
    baseUrl: input.config.baseUrl,
    loginUrl: input.config.loginUrl,
    credentials: graphCredentialsFromSecret(input.secretSource, input.config.secretId),
    clock: input.clock ?? systemClock,
    timeoutMs: 1500,
  });
}

function subscriptionDeps(
  input: GraphWiringInput,
  graph: GraphClient,
  notificationUrl: string,
): GraphSubscriptionDeps {
  return {
    graph,
    clientState: () => input.webhookSecrets.get('graphClientState'),
    clock: input.clock ?? systemClock,
    logger: input.logger,
    notificationUrl,
  };
}

/**
 * The Graph part of the ingest function: user lookups, and subscription renewal on lifecycle
 * notifications when GRAPH_NOTIFICATION_URL is known.
 */
export function buildGraphIngestDeps(input: GraphWiringInput): GraphIngestDeps {
  const client = buildClient(input);
  const url = input.config.notificationUrl;
  return {
    users: client,
    ...(url
      ? { subscriptions: graphSubscriptionMaintenance(subscriptionDeps(input, client, url)) }
      : {}),
    ...(input.metric ? { metric: input.metric } : {}),
  };
}

/** The scheduled renewal: ensure the subscription, fail the invocation when that failed. */
export function createGraphSubscriptionHandler(deps: GraphSubscriptionDeps) {
  return async (_event?: unknown, _context?: unknown) => ensureGraphSubscription(deps);
}

export const GraphSubscriptionConfigSchema = z.object({
  [ENV.WEBHOOK_SECRET_ARN]: z.string().min(1),
  ...GraphEnvShape,
  [ENV.GRAPH_SECRET_ARN]: z.string().min(1),
  [ENV.GRAPH_NOTIFICATION_URL]: z.url(),
});

/** Composition root of the graph-subscription Lambda. @throws ConfigError naming every bad key. */
export function buildGraphSubscriptionFromEnv(env: Record<string, string | undefined>) {
  const parsed = parseEnv(GraphSubscriptionConfigSchema, env, 'graph subscription configuration');
  const config = graphConfigFrom(parsed);
  if (!config?.notificationUrl) {
    throw new ConfigError('GRAPH_SECRET_ARN and GRAPH_NOTIFICATION_URL are required');
  }
  const logger = createLogger();
  const secretSource = new SecretsManagerSecretSource(new SecretsManagerClient({}), {
    ttlMs: 5 * 60_000,
  });
  const input: GraphWiringInput = {
    config,
    secretSource,
    webhookSecrets: new WebhookSecretsReader(secretSource, parsed[ENV.WEBHOOK_SECRET_ARN]),
    logger,
  };
  return createGraphSubscriptionHandler(
    subscriptionDeps(input, buildClient(input), config.notificationUrl),
  );
}
