import { classifyFailure, isAppError } from '#core/domain/errors.ts';

export interface RetryPolicy {
  /** Attempts after the first. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for in-call: the record goes back to SQS instead. */
  maxRetryAfterMs: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = {
  maxRetries: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 10_000,
};

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Delay before retry number `attempt` (0-based): Retry-After when given, else full jitter. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, error: unknown): number {
  const retryAfter = isAppError(error) ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined) return retryAfter;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling * (policy.random ?? Math.random)());
}

/** Called before each in-call retry (number `attempt`, 1-based) with the error and the wait. */
export type OnRetry = (attempt: number, error: unknown, delayMs: number) => void;

/**
 * Runs `fn`, retrying the errors `classifyFailure` calls retryable with exponential backoff and
 * full jitter, honouring `retryAfterMs`. Gives up (rethrows the last error) after `maxRetries`, on a
 * non-retryable error, or when the server asks us to wait longer than `maxRetryAfterMs`.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  fn: (attempt: number) => Promise<T>,
  onRetry?: OnRetry,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!classifyFailure(error).retryable || attempt >= policy.maxRetries) throw error;
      const delay = retryDelayMs(policy, attempt, error);
      if (delay > policy.maxRetryAfterMs) throw error;
      onRetry?.(attempt + 1, error, delay);
      await (policy.sleep ?? realSleep)(delay);
    }
  }
}
