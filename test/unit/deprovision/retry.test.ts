import { describe, expect, it } from 'vitest';
import { type RetryPolicy, retryDelayMs, withRetries } from '#core/deprovision/retry.ts';
import { PermanentError, TransientError } from '#core/domain/errors.ts';

function policy(overrides: Partial<RetryPolicy> = {}) {
  const sleeps: number[] = [];
  const p: RetryPolicy = {
    maxRetries: 3,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    maxRetryAfterMs: 5_000,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...overrides,
  };
  return { p, sleeps };
}

/** A function that throws the given errors in turn, then resolves with `'ok'`. */
function failing(...errors: unknown[]) {
  let calls = 0;
  const fn = async (attempt: number) => {
    expect(attempt).toBe(calls);
    calls += 1;
    if (errors.length > 0) throw errors.shift();
    return 'ok';
  };
  return { fn, calls: () => calls };
}

describe('withRetries', () => {
  it('retries transient failures with exponential backoff, then resolves', async () => {
    const { p, sleeps } = policy();
    const { fn, calls } = failing(new TransientError('a'), new TransientError('b'));
    expect(await withRetries(p, fn)).toBe('ok');
    expect(calls()).toBe(3);
    expect(sleeps).toEqual([100, 200]);
  });

  it('caps the backoff at maxDelayMs and applies full jitter', async () => {
    expect(retryDelayMs(policy({ random: () => 1 }).p, 10, new TransientError('x'))).toBe(1_000);
    expect(retryDelayMs(policy({ random: () => 0.25 }).p, 2, new TransientError('x'))).toBe(100);
    expect(retryDelayMs(policy({ random: () => 0 }).p, 2, new TransientError('x'))).toBe(0);
  });

  it('waits what Retry-After asks instead of the backoff', async () => {
    const { p, sleeps } = policy();
    const { fn } = failing(new TransientError('429', { retryAfterMs: 1_500 }));
    expect(await withRetries(p, fn)).toBe('ok');
    expect(sleeps).toEqual([1_500]);
  });

  it('gives up at once when Retry-After is longer than maxRetryAfterMs (SQS retries later)', async () => {
    const { p, sleeps } = policy();
    const error = new TransientError('429', { retryAfterMs: 60_000 });
    const { fn, calls } = failing(error);
    await expect(withRetries(p, fn)).rejects.toBe(error);
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('rethrows the last error after maxRetries', async () => {
    const { p, sleeps } = policy({ maxRetries: 2 });
    const last = new TransientError('c');
    const { fn, calls } = failing(new TransientError('a'), new TransientError('b'), last);
    await expect(withRetries(p, fn)).rejects.toBe(last);
    expect(calls()).toBe(3);
    expect(sleeps).toHaveLength(2);
  });

  it('never retries a permanent failure', async () => {
    const { p, sleeps } = policy();
    const error = new PermanentError('403 SCOPE_MISMATCH', 'scope');
    const { fn, calls } = failing(error);
    await expect(withRetries(p, fn)).rejects.toBe(error);
    expect(calls()).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('retries an unknown error like a transient one (the one failure policy)', async () => {
    const { p, sleeps } = policy();
    const { fn, calls } = failing(new TypeError('socket hang up'));
    expect(await withRetries(p, fn)).toBe('ok');
    expect(calls()).toBe(2);
    expect(sleeps).toEqual([100]);
  });

  it('reports each retry to onRetry before waiting: attempt number, error and delay', async () => {
    const { p } = policy();
    const first = new TransientError('a');
    const second = new TransientError('b', { retryAfterMs: 700 });
    const { fn } = failing(first, second);
    const seen: unknown[] = [];
    await withRetries(p, fn, (attempt, error, delayMs) => seen.push({ attempt, error, delayMs }));
    expect(seen).toEqual([
      { attempt: 1, error: first, delayMs: 100 },
      { attempt: 2, error: second, delayMs: 700 },
    ]);
  });
});
