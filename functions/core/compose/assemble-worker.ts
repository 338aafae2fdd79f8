import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Dispatcher } from '#core/adapters/http/transport.ts';
import { MAX_IDS_PER_REQUEST } from '#core/adapters/zoho/request-builders.ts';
import { ZohoHelpCenterClient } from '#core/adapters/zoho/zoho-help-center.ts';
import { validateGroupMapping } from '#core/config/group-mapping.ts';
import type { ProcessingSettings } from '#core/config/worker-config.ts';
import { ENV } from '#core/contract/env-names.ts';
import { zohoDeskUrl } from '#core/contract/zoho-data-centres.ts';
import type { WorkerDeps } from '#core/deprovision/batch.ts';
import type { GraphWorkerDeps } from '#core/deprovision/graph-check.ts';
import { coalesceGroupRemovals } from '#core/deprovision/group-removal-coalescer.ts';
import { powertoolsIdempotency } from '#core/deprovision/idempotency.ts';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import { defaultRetryPolicy } from '#core/deprovision/retry.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { DeadLetterQueue } from '#core/ports/dead-letter-queue.ts';
import type { IdentityLinkWriter, IdentityStore } from '#core/ports/identity-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { MetricsSink } from '#core/ports/metrics.ts';
import type { RateGuard } from '#core/ports/rate-guard.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
import { readOAuthSecret } from '#core/tokens/oauth-secret.ts';
import { SharedTokenReader } from '#core/tokens/shared-token-reader.ts';

export interface WorkerPorts {
  secrets: SecretSource;
  oauthSecretId: string;
  tokenSecretId: string;
  refresher: TokenRefresher;
  identityStore: IdentityStore;
  /** The link write-back's writer (the worker records links found by email); none turns it off. */
  identityLinks?: IdentityLinkWriter;
  deadLetters: DeadLetterQueue;
  guard: RateGuard;
  /** Powertools idempotency persistence (DynamoDB in AWS); none disables deduplication. */
  persistence?: BasePersistenceLayer;
  dispatcher: Dispatcher;
  logger: Logger;
  metrics?: MetricsSink;
  /** Extends a record's wait before redelivery (THRESHOLD_EXCEEDED); see WorkerDeps. */
  deferMessage?: WorkerDeps['deferMessage'];
  clock?: Clock;
  /** Graph lookups and delta resyncs (`check` requests); see buildGraphWorkerDeps. */
  graph?: GraphWorkerDeps;
}

export interface WorkerAssemblySettings extends ProcessingSettings {
  /** Explicit Help Center origin; otherwise the data centre's Desk URL from the OAuth secret. */
  helpCenterBaseUrl?: string;
  concurrency: number;
  timeoutMs: number;
  /** How long a directory lookup is reused (default 60 s). */
  directoryCacheTtlMs?: number;
  /**
   * How long a group-centric removal waits for others of the same group to share its call
   * (default 100 ms; the records of one SQS batch run in parallel).
   */
  groupCoalesceWindowMs?: number;
}

/**
 * Builds the worker's dependency graph from its ports, once per cold start. Reads the Zoho OAuth
 * secret now so that a missing org id, secret key or help center list stops the start.
 * @throws ConfigError, SecretError
 */
export async function assembleWorker(
  settings: WorkerAssemblySettings,
  ports: WorkerPorts,
): Promise<
  WorkerDeps & {
    helpCenterIds: readonly string[];
    baseUrl: string;
    /** The Zoho client itself (preflight probes, the runner's start-up group check). */
    zoho: ZohoHelpCenterClient;
  }
> {
  const clock = ports.clock ?? systemClock;
  const oauth = await readOAuthSecret(ports.secrets, ports.oauthSecretId);
  const helpCenterIds = settings.helpCenterIds ?? oauth.helpCenterIds ?? [];
  if (helpCenterIds.length === 0) {
    throw new ConfigError(
      'No help center ids: set HELPCENTER_IDS or helpCenterIds in the Zoho OAuth secret',
      [ENV.HELPCENTER_IDS],
    );
  }
  // A group mapped in a help center we do not act on is a config error, named at start.
  const groupMapping = validateGroupMapping([...(settings.groupMapping?.values() ?? [])], {
    helpCenterIds,
  });
  const baseUrl = settings.helpCenterBaseUrl ?? zohoDeskUrl(oauth.dataCentre ?? 'us');
  const tokens = new SharedTokenReader({
    secrets: ports.secrets,
    tokenSecretId: ports.tokenSecretId,
    refresher: ports.refresher,
    clock,
    logger: ports.logger,
  });
  const client = new ZohoHelpCenterClient(
    ports.dispatcher,
    {
      baseUrl,
      orgId: oauth.orgId,
      dialect: settings.dialect,
      helpCenterIds,
      concurrency: settings.concurrency,
      timeoutMs: settings.timeoutMs,
      clock,
    },
    tokens,
    ports.logger,
  );
  const helpCenter = coalesceGroupRemovals(client, {
    windowMs: settings.groupCoalesceWindowMs ?? 100,
    // Removals keep joining while they arrive less than a window apart, for at most 1 s.
    maxWaitMs: 1000,
    maxUsers: MAX_IDS_PER_REQUEST,
  });
  const idempotent = ports.persistence ? powertoolsIdempotency(ports.persistence) : undefined;
  return {
    helpCenter,
    identityStore: ports.identityStore,
    ...(ports.identityLinks ? { identityLinks: ports.identityLinks } : {}),
    directory: new DirectoryCache(settings.directoryCacheTtlMs ?? 60_000, clock),
    deadLetters: ports.deadLetters,
    guard: ports.guard,
    clock,
    logger: ports.logger,
    retry: { ...defaultRetryPolicy, maxRetries: settings.maxInCallRetries },
    helpCenterIds,
    baseUrl,
    zoho: client,
    maxReceiveCount: settings.maxReceiveCount,
    dryRun: settings.dryRun,
    verifyAfterRemove: settings.verifyAfterRemove,
    // The client itself, not the coalescing wrapper: portal access is per person.
    ...(settings.removePortalAccess ? { portalAccess: client } : {}),
    groupMapping,
    ...(ports.metrics ? { metrics: ports.metrics } : {}),
    ...(ports.graph ? { graph: ports.graph } : {}),
    ...(ports.deferMessage ? { deferMessage: ports.deferMessage } : {}),
    ...(idempotent
      ? { idempotent, onInvocation: (context) => idempotent.registerLambdaContext(context) }
      : {}),
  };
}
