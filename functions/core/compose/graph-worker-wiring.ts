import { GraphClient, graphCredentialsFromSecret } from '#core/adapters/graph/graph-client.ts';
import { type Dispatcher, HttpTransport } from '#core/adapters/http/transport.ts';
import type { GraphWorkerDeps } from '#core/deprovision/graph-check.ts';
import type { GraphConfig } from '#core/intake/graph/config.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { GraphStateStore } from '#core/ports/graph-state-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

/** What a Graph client is built from (the worker's part; subscription wiring adds its own). */
export interface GraphClientInput {
  config: GraphConfig;
  secretSource: SecretSource;
  logger: Logger;
  clock?: Clock;
  dispatcher?: Dispatcher;
}

/** The Graph transport (worker and graph-subscription; ingest has none). */
export function createGraphDispatcher(): Dispatcher {
  return new HttpTransport({ timeoutMs: 10_000, connections: 10, keepAliveTimeoutMs: 30_000 });
}

/** The Graph client over the app secret in `config.secretId`. */
export function buildGraphClient(
  input: Pick<GraphClientInput, 'config' | 'secretSource' | 'clock' | 'dispatcher'>,
): GraphClient {
  return new GraphClient(input.dispatcher ?? createGraphDispatcher(), {
    baseUrl: input.config.baseUrl,
    loginUrl: input.config.loginUrl,
    credentials: graphCredentialsFromSecret(input.secretSource, input.config.secretId),
    clock: input.clock ?? systemClock,
    // The worker has its whole timeout, not Graph's 3 s webhook budget.
    timeoutMs: 10_000,
  });
}

/**
 * The Graph part of the worker: user lookups and delta resyncs (`check` requests), after checking
 * that the Graph secret has tenantId, clientId and clientSecret (a config error at start).
 * @throws ConfigError naming the missing keys; SecretError
 */
export async function buildGraphWorkerDeps(
  input: GraphClientInput & { state: GraphStateStore; queue: WorkQueue },
): Promise<GraphWorkerDeps> {
  await graphCredentialsFromSecret(input.secretSource, input.config.secretId)();
  return { users: buildGraphClient(input), state: input.state, queue: input.queue };
}
