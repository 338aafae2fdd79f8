import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultErrorCode, type Fault, FaultQueue, FaultsBodySchema } from './faults.ts';
import type { SandboxSeed } from './seed.ts';
import { type MintLimit, SandboxStore } from './store.ts';
import {
  handleApi,
  handleToken,
  invalidJson,
  type SandboxRequest,
  type SandboxResponse,
  urlNotFound,
} from './zoho-api.ts';

export { loadSeed, type SandboxSeed, SandboxSeedSchema, seedOAuthSecret } from './seed.ts';

export interface SandboxOptions {
  seed: SandboxSeed;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Lifetime of minted access tokens; Zoho's is one hour. */
  tokenTtlSeconds?: number;
  /** Successful mints allowed per refresh token within the window; Zoho's is 10 per 10 minutes. */
  mintLimit?: MintLimit;
  /** Clock in epoch milliseconds, for token expiry and the mint window. */
  now?: () => number;
  /**
   * Serve the mission's two unpublished DELETE endpoints (Zoho's spec has neither). Default: the
   * seed's `unpublished`, else `SANDBOX_UNPUBLISHED` (`false` turns them off), else true. Off, they
   * answer 404 URL_NOT_FOUND like an org that does not have them.
   */
  unpublished?: boolean;
  /**
   * The org's concurrent-request limit: an `/api/` call arriving while this many are in flight is
   * answered 429 TOO_MANY_REQUESTS, as Zoho does. Unset: no limit.
   */
  concurrencyLimit?: number;
}

export interface Sandbox {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface SandboxCall {
  method: string;
  path: string;
  /** 0 when the connection was reset by a fault. */
  status: number;
}

const MAX_BODY_BYTES = 1024 * 1024;
const TOKEN_PATH = '/oauth/v2/token';
const CONTROL_PREFIX = '/_sandbox/';

/** Starts the sandbox Help Center (see DESIGN.md "Sandbox Help Center contract"). */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const store = new SandboxStore(options.seed, {
    tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    mintLimit: options.mintLimit ?? { max: 10, windowMs: 600_000 },
    now: options.now ?? Date.now,
  });
  const faults = new FaultQueue();
  const unpublished =
    options.unpublished ??
    options.seed.unpublished ??
    process.env.SANDBOX_UNPUBLISHED?.trim().toLowerCase() !== 'false';
  // Slots are taken on arrival and filled just before answering, so the log keeps arrival order
  // while a delayed call only shows once its status is known.
  let calls: { method: string; path: string; status?: number }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = '';
  let apiInFlight = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const recordedCalls = (): SandboxCall[] =>
    calls.flatMap(({ method, path, status }) =>
      status === undefined ? [] : [{ method, path, status }],
    );

  const control = (request: SandboxRequest): SandboxResponse => {
    const route = `${request.method} ${request.path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /_sandbox/state':
        return {
          status: 200,
          body: { ...store.snapshot(), calls: recordedCalls(), tokensMinted: store.tokensMinted },
        };
      case 'GET /_sandbox/faults':
        return { status: 200, body: { faults: faults.list() } };
      case 'POST /_sandbox/faults': {
        const body = parseJson(request.body);
        if (body === invalidBody) return invalidJson();
        const parsed = FaultsBodySchema.safeParse(body);
        if (!parsed.success) {
          const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
          return {
            status: 422,
            body: { errorCode: 'UNPROCESSABLE_ENTITY', message: issues.join('; ') },
          };
        }
        faults.add(Array.isArray(parsed.data) ? parsed.data : [parsed.data]);
        return { status: 200, body: { faults: faults.list() } };
      }
      case 'DELETE /_sandbox/faults':
        faults.clear();
        return { status: 200, body: { faults: [] } };
      case 'DELETE /_sandbox/tokens':
        return { status: 200, body: { revoked: store.revokeTokens() } };
      case 'POST /_sandbox/reset':
        // `?keepTokens=true` restores the directory but leaves issued tokens valid, like a Help
        // Center admin fixing memberships while integrations stay signed in.
        store.reset({ keepTokens: request.query.get('keepTokens') === 'true' });
        faults.clear();
        calls = [];
        return { status: 200, body: { reset: true } };
      default:
        return urlNotFound();
    }
  };

  const serve = (request: SandboxRequest): SandboxResponse => {
    const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
    const normalised = { ...request, path };
    if (path === TOKEN_PATH && request.method === 'POST') return handleToken(store, normalised);
    if (path.startsWith('/api/v1/')) return handleApi(store, normalised, { unpublished });
    return urlNotFound();
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const request: SandboxRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: body ?? Buffer.alloc(0),
      baseUrl,
    };
    if (request.path.startsWith(CONTROL_PREFIX)) {
      send(res, body === undefined ? tooLarge() : control(request));
      return;
    }

    const call: { method: string; path: string; status?: number } = {
      method: request.method,
      path: request.path,
    };
    calls.push(call);
    if (options.concurrencyLimit !== undefined && request.path.startsWith('/api/')) {
      if (apiInFlight >= options.concurrencyLimit) {
        call.status = 429;
        send(res, faultResponse({ status: 429, times: 1 }, request.path));
        return;
      }
      apiInFlight += 1;
      res.once('close', () => {
        apiInFlight -= 1;
      });
    }
    const fault = faults.take(request.method, request.path);
    if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
    if (fault?.reset === true) {
      call.status = 0;
      req.socket.resetAndDestroy();
      return;
    }
    let response: SandboxResponse;
    // A fault with only a delay slows the call down; any other fault answers an error.
    const delayOnly = fault?.status === undefined && fault?.delayMs !== undefined;
    if (fault !== undefined && !delayOnly) response = faultResponse(fault, request.path);
    else if (body === undefined) response = tooLarge();
    else response = serve(request);
    call.status = response.status;
    send(res, response);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: internalError });
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  return {
    url: baseUrl,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

const internalError = { errorCode: 'INTERNAL_SERVER_ERROR', message: 'Internal error.' };

const invalidBody = Symbol('invalid body');

function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return invalidBody;
  }
}

function tooLarge(): SandboxResponse {
  return {
    status: 413,
    body: { errorCode: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
  };
}

function faultResponse(fault: Fault, path: string): SandboxResponse {
  const status = fault.status ?? 500;
  const errorCode = fault.errorCode ?? defaultErrorCode(status);
  const message = `Sandbox fault: ${status} ${errorCode}.`;
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  // The accounts server speaks OAuth: its clients look at `error`, not `errorCode`.
  const body =
    path === TOKEN_PATH
      ? { errorCode, message, error: errorCode, error_description: message, status: 'failure' }
      : { errorCode, message };
  return { status, body, headers };
}

/** The whole body, or undefined past the size limit (the rest is drained). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

function send(res: ServerResponse, response: SandboxResponse): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...response.headers };
  if (response.status === 204 || response.body === undefined) {
    res.writeHead(response.status, headers).end();
    return;
  }
  const payload = JSON.stringify(response.body);
  headers['content-type'] = 'application/json;charset=UTF-8';
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers).end(payload);
}
