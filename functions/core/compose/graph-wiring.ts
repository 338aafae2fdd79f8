import { graphCredentialsFromSecret } from '#core/adapters/graph/graph-client.ts';
import { GraphSubscriptionClient } from '#core/adapters/graph/graph-subscription-client.ts';
import type { Dispatcher } from '#core/adapters/http/transport.ts';
import { createGraphDispatcher } from '#core/compose/graph-worker-wiring.ts';
import { parseEnv } from '#core/config/parse-env.ts';
import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { type GraphConfig, GraphEnvShape, graphConfigFrom } from '#core/intake/graph/config.ts';
import {
  ensureGraphSubscription,
  type GraphSubscriptionDeps,
  type GraphSubscriptionOutcome,
} from '#core/intake/graph/subscription.ts';
import { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import { createLogger } from '#core/observability.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { GraphSubscriptions } from '#core/ports/graph.ts';
import type { GraphStateStore } from '#core/ports/graph-state-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { CountMetric } from '#core/ports/metrics.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';

export interface GraphWiringInput {
  config: GraphConfig;
  secretSource: SecretSource;
  webhookSecrets: WebhookSecretsReader;
  logger: Logger;
  clock?: Clock;
  dispatcher?: Dispatcher;
  metric?: CountMetric;
}

function subscriptionDeps(
  input: GraphWiringInput,
  graph: GraphSubscriptions,
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
 * The scheduled renewal: ensure the subscription (fail the invocation when that failed), then
 * record the outcome where `status` reads it (a failed record write is logged, never fatal: the
 * subscription itself is what matters).
 */
export function createGraphSubscriptionHandler(
  deps: GraphSubscriptionDeps,
  state?: GraphStateStore,
) {
  return async (_event?: unknown, _context?: unknown): Promise<GraphSubscriptionOutcome> => {
    const outcome = await ensureGraphSubscription(deps);
    try {
      await state?.writeSubscription({
        subscriptionId: outcome.subscriptionId,
        action: outcome.action,
        expirationDateTime: outcome.expirationDateTime,
        checkedAt: deps.clock.now().toISOString(),
      });
    } catch (error) {
      deps.logger.warn('could not record the graph subscription renewal', {
        source: 'graph',
        error: error instanceof Error ? error.name : 'unknown',
      });
    }
    return outcome;
  };
}

export const GraphSubscriptionConfigSchema = z.object({
  [ENV.WEBHOOK_SECRET_ARN]: z.string().check(z.minLength(1)),
  ...GraphEnvShape,
  [ENV.GRAPH_SECRET_ARN]: z.string().check(z.minLength(1)),
  [ENV.GRAPH_NOTIFICATION_URL]: z.url(),
});

/**
 * Fails fast when a secret the subscription needs is incomplete: the Graph secret's tenantId,
 * clientId and clientSecret, and the webhook secret's graphClientState.
 * @throws ConfigError naming every missing key (never a value); SecretError when a secret is
 *   unreadable or not JSON.
 */
export async function checkGraphSubscriptionSecrets(input: GraphWiringInput): Promise<void> {
  await graphCredentialsFromSecret(input.secretSource, input.config.secretId)();
  await input.webhookSecrets.get('graphClientState');
}

/** What the graph-subscription composition root takes from outside the environment. */
export interface GraphSubscriptionAdapters {
  secretSource: SecretSource;
  /** Where the renewal is recorded for `status` (DynamoDB in AWS). */
  state?: GraphStateStore;
  logger?: Logger;
  clock?: Clock;
  dispatcher?: Dispatcher;
}

/**
 * Builds the graph-subscription handler from the environment and the given adapters, after
 * checking its secrets. @throws ConfigError naming every bad env or secret key; SecretError
 */
export async function buildGraphSubscription(
  env: Record<string, string | undefined>,
  adapters: GraphSubscriptionAdapters,
) {
  const parsed = parseEnv(GraphSubscriptionConfigSchema, env, 'graph subscription configuration');
  const config = graphConfigFrom(parsed);
  if (!config?.notificationUrl) {
    throw new ConfigError('GRAPH_SECRET_ARN and GRAPH_NOTIFICATION_URL are required');
  }
  const input: GraphWiringInput = {
    config,
    secretSource: adapters.secretSource,
    webhookSecrets: new WebhookSecretsReader(adapters.secretSource, parsed[ENV.WEBHOOK_SECRET_ARN]),
    logger: adapters.logger ?? createLogger(),
    ...(adapters.clock ? { clock: adapters.clock } : {}),
    ...(adapters.dispatcher ? { dispatcher: adapters.dispatcher } : {}),
  };
  await checkGraphSubscriptionSecrets(input);
  return createGraphSubscriptionHandler(
    subscriptionDeps(
      input,
      new GraphSubscriptionClient(input.dispatcher ?? createGraphDispatcher(), {
        baseUrl: config.baseUrl,
        loginUrl: config.loginUrl,
        credentials: graphCredentialsFromSecret(input.secretSource, config.secretId),
        clock: input.clock ?? systemClock,
        timeoutMs: 10_000,
      }),
      config.notificationUrl,
    ),
    adapters.state,
  );
}
