import * as http from 'node:http';
import * as https from 'node:https';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { TransientError } from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';

/**
 * The one HTTP transport: every outbound call (Zoho Help Center, Zoho accounts, Microsoft Graph)
 * goes through here, so timeouts, body caps, Retry-After and the translation of wire failures into
 * the AppError hierarchy have one policy.
 *
 * Built on `node:http`/`node:https` with a keep-alive Agent per transport, not on the undici
 * package (522 KiB of every bundle) nor on the global `fetch` (its first call loads the runtime's
 * own undici, and its WHATWG streams cost 3× per call): `npm run bench` prints the comparison.
 */

/** Defaults for talking to Zoho: well under Lambda timeouts, a few connections per origin. */
export const DEFAULT_TIMEOUT_MS = DEFAULTS.helpCenterTimeoutMs;
export const DEFAULT_CONCURRENCY = DEFAULTS.helpCenterConcurrency;
/** Largest response body read (1 MiB): a misbehaving server cannot exhaust memory. */
export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** Headers as Node's `http.IncomingMessage` gives them (lower-case names). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** One request. `origin` is scheme://host[:port]; `path` includes the query. */
export interface HttpRequestOptions {
  origin: string | URL;
  path: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  /** From sending until the response headers arrive (covers connect and queueing). */
  headersTimeout?: number;
  /** Longest silence between two chunks of the response body. */
  bodyTimeout?: number;
  /** Aborts the whole exchange (e.g. `AbortSignal.timeout(ms)`). */
  signal?: AbortSignal;
}

/** A response body: read it to the end (see `readText`) or destroy it. */
export interface ResponseBody extends AsyncIterable<Uint8Array | string> {
  destroy(error?: Error): unknown;
}

export interface HttpResponseData {
  statusCode: number;
  headers: ResponseHeaders;
  body: ResponseBody;
}

/**
 * What the clients send through: `HttpTransport` in production; any object with the same `request`
 * shape in tests (undici's `MockAgent` fits, so tests may use it without production importing it).
 */
export interface Dispatcher {
  request(options: HttpRequestOptions): Promise<HttpResponseData>;
  close(): Promise<void>;
}

// Lets clients keep writing `Dispatcher.ResponseData['headers']`, as with undici's types.
export declare namespace Dispatcher {
  type RequestOptions = HttpRequestOptions;
  type ResponseData = HttpResponseData;
}

export interface TransportOptions {
  /** Connect, headers and body bound per request unless the request says otherwise (default 10 s). */
  timeoutMs?: number;
  /** Connection cap per origin; further requests wait for a free socket (default 5). */
  connections?: number;
  /** How long an idle kept-alive socket is kept (default 30 s). */
  keepAliveTimeoutMs?: number;
}

/** A failure below HTTP with a stable `code` (CONNECT_TIMEOUT, HEADERS_TIMEOUT, BODY_TIMEOUT, TIMEOUT). */
class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'WireError';
  }
}

function abortError(signal: AbortSignal): WireError {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? new WireError('TIMEOUT', 'the request timed out')
    : new WireError('ABORTED', 'the request was aborted');
}

/**
 * Keep-alive HTTP(S) client with a connection cap per origin and connect/headers/body timeouts.
 * Built once per cold start by a composition root; `close()` ends its sockets.
 */
export class HttpTransport implements Dispatcher {
  private readonly timeoutMs: number;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(options: TransportOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.connections ?? DEFAULT_CONCURRENCY,
      // The Agent applies `timeout` to idle sockets in its free list: that is the keep-alive time.
      timeout: options.keepAliveTimeoutMs ?? 30_000,
      scheduling: 'lifo' as const,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  request(options: HttpRequestOptions): Promise<HttpResponseData> {
    const url = new URL(options.path, options.origin);
    const secure = url.protocol === 'https:';
    const headersTimeout = options.headersTimeout ?? this.timeoutMs;
    const bodyTimeout = options.bodyTimeout ?? this.timeoutMs;
    const signal = options.signal;
    return new Promise<HttpResponseData>((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortError(signal));
        return;
      }
      const headers: Record<string, string | number> = { ...options.headers };
      if (options.body !== undefined) headers['content-length'] = Buffer.byteLength(options.body);
      const req = (secure ? https : http).request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (secure ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: options.method,
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
      });
      let answered = false;
      const onAbort = () => signal && req.destroy(abortError(signal));
      signal?.addEventListener('abort', onAbort, { once: true });
      const headersTimer = setTimeout(
        () => req.destroy(new WireError('HEADERS_TIMEOUT', 'no response headers in time')),
        headersTimeout,
      );
      const done = () => {
        clearTimeout(headersTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => req.destroy(new WireError('CONNECT_TIMEOUT', 'could not connect in time')),
          Math.min(headersTimeout, this.timeoutMs),
        );
        const clear = () => clearTimeout(connectTimer);
        socket.once('connect', clear);
        req.once('close', clear);
      });
      req.on('error', (error) => {
        done();
        if (!answered) reject(error);
      });
      req.on('response', (res) => {
        answered = true;
        clearTimeout(headersTimer);
        // Idle time between chunks; the socket's timeout goes back to the Agent's when it is freed.
        res.setTimeout(bodyTimeout, () =>
          res.destroy(new WireError('BODY_TIMEOUT', 'the response body stalled')),
        );
        if (signal) {
          res.once('close', () => signal.removeEventListener('abort', onAbort));
          const abortBody = () => res.destroy(abortError(signal));
          signal.addEventListener('abort', abortBody, { once: true });
          res.once('close', () => signal.removeEventListener('abort', abortBody));
        }
        resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      req.end(options.body);
    });
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/**
 * The transport for the Help Center and the accounts server: keep-alive, connect/headers/body
 * timeouts and a connection cap per origin. (Name kept from the undici days for callers.)
 */
export function createZohoAgent(
  options: { timeoutMs?: number; connections?: number; keepAliveTimeoutMs?: number } = {},
): HttpTransport {
  return new HttpTransport(options);
}

/** Per-request options that bound one call to `timeoutMs` overall. */
export function timeoutOptions(
  timeoutMs: number,
): Pick<HttpRequestOptions, 'headersTimeout' | 'bodyTimeout' | 'signal'> {
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

/** True when the failure was one of the transport's own time bounds. */
export function isTimeout(error: unknown): boolean {
  return /TIMEOUT$/.test(networkErrorCode(error));
}

/** Translates a failure below HTTP (DNS, connect, reset, timeout) into a TransientError. */
export function networkError(what: string, error: unknown): TransientError {
  const code = networkErrorCode(error);
  return new TransientError(`${what} failed before a response arrived (${code})`, {
    cause: error,
    errorCode: code,
  });
}

interface StreamBody extends ResponseBody {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

function isStream(body: ResponseBody): body is StreamBody {
  return typeof (body as { on?: unknown }).on === 'function';
}

/** Reads a response body as text, capped so a misbehaving server cannot exhaust memory. */
export async function readText(body: ResponseBody, maxBytes = DEFAULT_MAX_BODY_BYTES) {
  // Node streams (ours and undici's): events are several times cheaper than async iteration.
  if (isStream(body)) {
    const emitter = body;
    return new Promise<string>((resolve, reject) => {
      let size = 0;
      const chunks: Buffer[] = [];
      emitter.on('data', (chunk: Buffer | string) => {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buf.length;
        if (size > maxBytes) {
          body.destroy();
          reject(new TransientError('Response body too large', { errorCode: 'BODY_TOO_LARGE' }));
          return;
        }
        chunks.push(buf);
      });
      emitter.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      emitter.on('error', reject);
    });
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk);
    size += buf.length;
    if (size > maxBytes) {
      body.destroy();
      throw new TransientError('Response body too large', { errorCode: 'BODY_TOO_LARGE' });
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One whole exchange: status, headers and the (capped) body text. */
export interface Exchange {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

/**
 * Sends one request and reads the answer. Every HTTP status resolves (the caller translates it);
 * a failure below HTTP or an oversize body rejects with a TransientError whose message starts with
 * `what` and whose errorCode names the cause.
 * @throws TransientError
 */
export async function exchange(
  dispatcher: Dispatcher,
  what: string,
  request: Omit<HttpRequestOptions, 'headersTimeout' | 'bodyTimeout' | 'signal'>,
  options: { timeoutMs: number; maxBytes?: number },
): Promise<Exchange> {
  try {
    const res = await dispatcher.request({ ...request, ...timeoutOptions(options.timeoutMs) });
    return {
      status: res.statusCode,
      headers: res.headers,
      text: await readText(res.body, options.maxBytes),
    };
  } catch (error) {
    if (error instanceof TransientError) throw error;
    throw networkError(what, error);
  }
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

/**
 * A counting semaphore: at most `limit` tasks run at once, the rest wait in order (FIFO). One per
 * client instance, shared by every record of a batch and every help center of a person, so the
 * budget stays full while there is work.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be >= 1');
  }

  /** Tasks running now. */
  get inFlight(): number {
    return this.active;
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
      this.release();
    }
  }

  /** Hands the slot to the next waiter (O(1): no array shift per release). */
  private release(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head]!;
      this.head += 1;
      if (this.head > 1024 && this.head * 2 > this.waiting.length) {
        this.waiting.splice(0, this.head);
        this.head = 0;
      }
      next();
    } else {
      this.active -= 1;
    }
  }
}
