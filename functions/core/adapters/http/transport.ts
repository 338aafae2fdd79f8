import { Agent, type Dispatcher } from 'undici';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { TransientError } from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';

/** Defaults for talking to Zoho: well under Lambda timeouts, a few connections per origin. */
export const DEFAULT_TIMEOUT_MS = DEFAULTS.helpCenterTimeoutMs;
export const DEFAULT_CONCURRENCY = DEFAULTS.helpCenterConcurrency;

/**
 * An undici Agent for the Help Center and the accounts server: keep-alive, connect/headers/body
 * timeouts and a connection cap per origin. Built once per cold start by a composition root.
 */
export function createZohoAgent(
  options: { timeoutMs?: number; connections?: number; keepAliveTimeoutMs?: number } = {},
): Agent {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Agent({
    connections: options.connections ?? DEFAULT_CONCURRENCY,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
}

/** Per-request options that bound one call to `timeoutMs` overall. */
export function timeoutOptions(
  timeoutMs: number,
): Pick<Dispatcher.RequestOptions, 'headersTimeout' | 'bodyTimeout' | 'signal'> {
  return {
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  };
}

/**
 * `Retry-After` as milliseconds: delta-seconds or an HTTP date (relative to `clock`). Undefined when
 * absent or unparseable; never negative.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  clock: Clock,
): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - clock.now().getTime());
}

/** A name for what went wrong on the wire, safe to log (no URLs, no bodies). */
export function networkErrorCode(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'TIMEOUT';
    return error.name;
  }
  return 'UNKNOWN';
}

/** Translates a failure below HTTP (DNS, connect, reset, timeout) into a TransientError. */
export function networkError(what: string, error: unknown): TransientError {
  const code = networkErrorCode(error);
  return new TransientError(`${what} failed before a response arrived (${code})`, {
    cause: error,
    errorCode: code,
  });
}

/** Reads a response body as text, capped so a misbehaving server cannot exhaust memory. */
export async function readText(body: Dispatcher.ResponseData['body'], maxBytes = 1_048_576) {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw new TransientError('Response body too large', { errorCode: 'BODY_TOO_LARGE' });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON without throwing; undefined when the text is empty or not JSON. */
export function tryParseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A tiny counting semaphore: at most `limit` tasks run at once, the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be >= 1');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
