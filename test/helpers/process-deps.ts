import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import type { ProcessDeps } from '#core/deprovision/process-deprovision.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../doubles/in-memory-dead-letter-queue.ts';

/** One attempt per call, no waiting: what a test of the worker's decisions wants. */
export const NO_RETRY: ProcessDeps['retry'] = {
  maxRetries: 0,
  baseDelayMs: 1,
  maxDelayMs: 1,
  maxRetryAfterMs: 1,
  sleep: async () => {},
  random: () => 0.5,
};

/**
 * The worker's dependencies for one test: in-memory identity store, dead-letter queue and rate
 * guard (100 per 300 s), a 60 s directory cache, the silent logger, no retries, help centers
 * 7001000000000001 and 7001000000000002, five receives, no dry run or verification. A test passes
 * its Help Center and overrides what it is about; the cache and guard use its clock when given.
 */
export function processDeps(
  overrides: Partial<ProcessDeps> & Pick<ProcessDeps, 'helpCenter' | 'clock'>,
): ProcessDeps {
  const { clock } = overrides;
  return {
    identityStore: new InMemoryIdentityStore(),
    directory: new DirectoryCache(60_000, clock),
    deadLetters: new InMemoryDeadLetterQueue(),
    guard: new InMemoryRateGuard(100, 300, clock),
    logger: silentLogger,
    retry: NO_RETRY,
    helpCenterIds: ['7001000000000001', '7001000000000002'],
    maxReceiveCount: 5,
    dryRun: false,
    verifyAfterRemove: false,
    ...overrides,
  };
}
