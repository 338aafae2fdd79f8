import {
  type Dispatcher,
  exchange,
  isTimeout,
  parseRetryAfter,
  tryParseJson,
} from '#core/adapters/http/transport.ts';
import type * as z from '#core/contract/zod.ts';
import {
  ConfigError,
  DeltaLinkExpiredError,
  isAppError,
  PermanentError,
  SecretError,
  TransientError,
} from '#core/domain/errors.ts';
import {
  type GraphCredentials,
  GraphCredentialsSchema,
  type GraphDeltaPage,
  GraphDeltaPageSchema,
  GraphErrorBodySchema,
  type GraphUser,
  GraphUserSchema,
  TokenResponseSchema,
} from '#core/intake/graph/schemas.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type {
  GraphSubscriptionReauthorizer,
  GraphUserDelta,
  GraphUsers,
} from '#core/ports/graph.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';

export const GRAPH_DEFAULT_SCOPE = 'https://graph.microsoft.com/.default';
export const USER_SELECT = 'id,accountEnabled,userPrincipalName,mail';

const CONSENT_HINT =
  'grant the app registration the Microsoft Graph application permission User.Read.All and admin consent';

export interface GraphClientOptions {
  /** e.g. https://graph.microsoft.com/v1.0 (no trailing slash needed). */
  baseUrl: string;
  /** e.g. https://login.microsoftonline.com */
  loginUrl: string;
  credentials: () => Promise<GraphCredentials>;
  clock?: Clock;
  /** Token and user-lookup timeout; short because Graph wants its webhook answered in ~3 s. */
  timeoutMs?: number;
  /** Subscription calls wait for Graph to validate the notification URL, so they get longer. */
  subscriptionTimeoutMs?: number;
  /** Delta pages can be large; they get a longer timeout than single-user lookups. */
  deltaTimeoutMs?: number;
  /** Refresh the cached token this long before it expires. */
  tokenMarginMs?: number;
  scope?: string;
}

interface CachedToken {
  accessToken: string;
  expiresAt: number;
}

interface GraphResponse {
  status: number;
  json: unknown;
  retryAfterMs: number | undefined;
}

/**
 * Microsoft Graph adapter: client-credentials token (cached until shortly before it expires;
 * concurrent callers share one token request), `GET /users/{id}` and `GET /users/delta` (the
 * worker's calls; `/subscriptions` is GraphSubscriptionClient's, so the worker bundle omits it).
 * Translates HTTP failures into TransientError / PermanentError; never logs or exposes the token.
 */
export class GraphClient implements GraphUsers, GraphUserDelta, GraphSubscriptionReauthorizer {
  private token: Promise<CachedToken> | undefined;
  protected readonly baseUrl: string;
  private readonly loginUrl: string;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly options: GraphClientOptions,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.loginUrl = options.loginUrl.replace(/\/+$/, '');
  }

  async getUser(id: string): Promise<GraphUser | undefined> {
    const res = await this.call('GET', `/users/${encodeURIComponent(id)}?$select=${USER_SELECT}`);
    if (res.status === 404) return undefined;
    return this.parse(GraphUserSchema, res, 'user');
  }

  /**
   * One page of the users delta query. Without `link`, the first page of a new round with
   * `$select=id,accountEnabled,userPrincipalName,mail` (query parameters carry over into the
   * returned links: learn.microsoft.com/graph/delta-query-users). A link must point at this
   * client's base URL: a stored link is never followed to another host (the token would go there).
   * @throws DeltaLinkExpiredError on 410 Gone; TransientError, PermanentError
   */
  async usersDelta(link?: string): Promise<GraphDeltaPage> {
    let path = `/users/delta?$select=${USER_SELECT}`;
    if (link !== undefined) {
      if (!link.startsWith(`${this.baseUrl}/`)) {
        throw new PermanentError('The Graph delta link does not point at GRAPH_BASE_URL', 'config');
      }
      path = link.slice(this.baseUrl.length);
    }
    const res = await this.call('GET', path, undefined, this.options.deltaTimeoutMs ?? 20_000);
    if (res.status === 404) {
      throw new PermanentError(
        'Microsoft Graph answered 404 to the users delta query',
        'permanent',
        {
          httpStatus: 404,
        },
      );
    }
    return this.parse(GraphDeltaPageSchema, res, 'delta page');
  }

  async reauthorizeSubscription(id: string): Promise<boolean> {
    const res = await this.call(
      'POST',
      `/subscriptions/${encodeURIComponent(id)}/reauthorize`,
      undefined,
      this.subscriptionTimeout,
    );
    return res.status !== 404;
  }

  protected get subscriptionTimeout(): number {
    return this.options.subscriptionTimeoutMs ?? 20_000;
  }

  private now(): number {
    return (this.options.clock ?? systemClock).now().getTime();
  }

  /** One Graph call with a bearer token; on 401 the token is dropped and the call made once more. */
  protected async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    timeoutMs = this.options.timeoutMs ?? 1500,
  ): Promise<GraphResponse> {
    for (let attempt = 0; ; attempt += 1) {
      const token = await this.accessToken();
      const res = await this.send(`${this.baseUrl}${path}`, timeoutMs, {
        method,
        headers: {
          authorization: `Bearer ${token.accessToken}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      if (res.status === 401 && attempt === 0) {
        this.dropToken();
        continue;
      }
      if (res.status === 404 || (res.status >= 200 && res.status < 300)) return res;
      return this.ensureOk(res, `${method} ${path.split('?')[0]}`);
    }
  }

  private async send(
    url: string,
    timeoutMs: number,
    init: {
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
      headers: Record<string, string>;
      body?: string;
    },
  ): Promise<GraphResponse> {
    const target = new URL(url);
    try {
      const res = await exchange(
        this.dispatcher,
        'Microsoft Graph',
        {
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: init.method,
          headers: init.headers,
          ...(init.body === undefined ? {} : { body: init.body }),
        },
        { timeoutMs },
      );
      return {
        status: res.status,
        json: tryParseJson(res.text),
        retryAfterMs: parseRetryAfter(
          res.headers['retry-after'],
          this.options.clock ?? systemClock,
        ),
      };
    } catch (error) {
      // exchange() made every wire failure a TransientError naming its cause in errorCode.
      const code = isAppError(error) ? error.errorCode : undefined;
      if (code === 'BODY_TOO_LARGE') throw error;
      const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
      throw new TransientError(
        isTimeout(cause)
          ? `Microsoft Graph did not answer within ${timeoutMs} ms`
          : `Could not reach Microsoft Graph (${code ?? 'UNKNOWN'})`,
        { cause, ...(code ? { errorCode: code } : {}) },
      );
    }
  }

  protected ensureOk(res: GraphResponse, what: string): GraphResponse {
    if (res.status >= 200 && res.status < 300) return res;
    const parsed = GraphErrorBodySchema.safeParse(res.json);
    const errorCode = parsed.success ? parsed.data.error.code : undefined;
    const options = {
      httpStatus: res.status,
      ...(errorCode ? { errorCode } : {}),
      ...(res.retryAfterMs === undefined ? {} : { retryAfterMs: res.retryAfterMs }),
    };
    const message = `Microsoft Graph ${what} failed with ${res.status}${errorCode ? ` ${errorCode}` : ''}`;
    // 410 Gone on a delta link: the state token expired, a new round must start from scratch
    // (learn.microsoft.com/graph/delta-query-overview, "Synchronization reset").
    if (res.status === 410) throw new DeltaLinkExpiredError(message, 'permanent', options);
    if (res.status === 429 || res.status >= 500) throw new TransientError(message, options);
    if (res.status === 401 || res.status === 403) {
      throw new PermanentError(message, 'auth', { ...options, hint: CONSENT_HINT });
    }
    throw new PermanentError(message, 'permanent', options);
  }

  protected parse<S extends z.ZodMiniType>(
    schema: S,
    res: GraphResponse,
    what: string,
  ): z.infer<S> {
    const parsed = schema.safeParse(res.json);
    if (!parsed.success) {
      throw new PermanentError(`Microsoft Graph returned an unexpected ${what} body`, 'permanent', {
        httpStatus: res.status,
      });
    }
    return parsed.data;
  }

  private async accessToken(): Promise<CachedToken> {
    if (!this.token) {
      const pending = this.fetchToken();
      this.token = pending;
      pending.catch(() => {
        if (this.token === pending) this.token = undefined;
      });
    }
    const pending = this.token;
    const token = await pending;
    if (token.expiresAt > this.now()) return token;
    if (this.token === pending) this.token = undefined;
    return this.accessToken();
  }

  /** Graph refused the token (revoked, rotated secret): the next call fetches a new one. */
  private dropToken(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<CachedToken> {
    const credentials = await this.options.credentials();
    const url = `${this.loginUrl}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`;
    const res = await this.send(url, this.options.timeoutMs ?? 1500, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        scope: this.options.scope ?? GRAPH_DEFAULT_SCOPE,
        grant_type: 'client_credentials',
      }).toString(),
    });
    if (res.status < 200 || res.status >= 300) {
      const body = (typeof res.json === 'object' && res.json !== null ? res.json : {}) as Record<
        string,
        unknown
      >;
      const errorCode = typeof body.error === 'string' ? body.error : undefined;
      const message = `Entra ID token request failed with ${res.status}${errorCode ? ` ${errorCode}` : ''}`;
      const options = { httpStatus: res.status, ...(errorCode ? { errorCode } : {}) };
      if (res.status === 429 || res.status >= 500) throw new TransientError(message, options);
      throw new PermanentError(message, 'auth', {
        ...options,
        hint: 'check tenantId, clientId and clientSecret in the Graph secret (secrets expire in Entra ID)',
      });
    }
    const parsed = TokenResponseSchema.safeParse(res.json);
    if (!parsed.success) {
      throw new PermanentError('Entra ID returned an unexpected token response', 'auth');
    }
    const lifetimeMs = parsed.data.expires_in * 1000;
    const margin = Math.min(this.options.tokenMarginMs ?? 5 * 60_000, lifetimeMs / 2);
    return { accessToken: parsed.data.access_token, expiresAt: this.now() + lifetimeMs - margin };
  }
}

/** Reads the Graph app credentials (JSON `{tenantId, clientId, clientSecret}`) from a secret. */
export function graphCredentialsFromSecret(
  source: SecretSource,
  secretId: string,
): () => Promise<GraphCredentials> {
  return async () => {
    const raw = await source.getSecretString(secretId);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new SecretError('The Graph secret is not valid JSON', false);
    }
    const parsed = GraphCredentialsSchema.safeParse(json);
    if (!parsed.success) {
      const keys = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(secret)'))];
      throw new ConfigError(
        `The Graph secret has no valid ${keys.map((k) => `"${k}"`).join(', ')} value`,
        keys,
      );
    }
    return parsed.data;
  };
}
