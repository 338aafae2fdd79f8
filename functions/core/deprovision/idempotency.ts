import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import type { Attempt } from '#core/deprovision/process-deprovision.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { TransientError } from '#core/domain/errors.ts';

/**
 * Builds the `idempotent` wrapper of the worker use case from a Powertools persistence layer:
 * keyed on `source` and `requestId`, validated on `subject`, completed records kept for `expiresAfterSeconds`. A concurrent duplicate
 * surfaces as a TransientError so its message is retried after the first one finished.
 */
export function powertoolsIdempotency(
  persistenceStore: BasePersistenceLayer,
  options: { expiresAfterSeconds?: number } = {},
) {
  const config = new IdempotencyConfig({
    // Ids are unique per source only (a signed-webhook sender chooses its own), so the key has both.
    eventKeyJmesPath: '[source, requestId]',
    // The same key for another person is a reused id, never a duplicate to skip (see below).
    payloadValidationJmesPath: 'subject',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 24 * 3600,
    throwOnNoIdempotencyKey: true,
  });
  const wrap = <T extends Attempt>(fn: (request: DeprovisionRequest) => Promise<T>) => {
    const wrapped = makeIdempotent(fn, { persistenceStore, config });
    return async (request: DeprovisionRequest): Promise<T> => {
      try {
        return await wrapped(request);
      } catch (error) {
        if (error instanceof IdempotencyValidationError) {
          // Another person under a reused id: not a duplicate. Removal is safe to repeat, so it
          // runs without deduplication rather than being skipped or dead-lettered.
          return fn(request);
        }
        if (error instanceof IdempotencyAlreadyInProgressError) {
          throw new TransientError('The same request is being processed by another delivery', {
            cause: error,
          });
        }
        throw error;
      }
    };
  };
  // Lets Powertools expire an in-progress record when the invocation that wrote it timed out.
  return Object.assign(wrap, {
    registerLambdaContext: (context: Context) => config.registerLambdaContext(context),
  });
}
