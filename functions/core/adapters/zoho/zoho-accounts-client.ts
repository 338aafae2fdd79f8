import {
  DEFAULT_TIMEOUT_MS,
  type Dispatcher,
  exchange,
  parseRetryAfter,
  tryParseJson,
} from '#core/adapters/http/transport.ts';
import * as z from '#core/contract/zod.ts';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';

/** What the refresh_token grant needs. */
export interface RefreshTokenGrant {
  accountsUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface MintedToken {
  accessToken: string;
  expiresAt: Date;
  apiDomain?: string;
}

/** Mints access tokens (the Zoho accounts server, or a fake in tests). */
export interface AccessTokenMinter {
  /** @throws TransientError (throttled, network, 5xx), PermanentError kind 'auth' */
  mint(grant: RefreshTokenGrant): Promise<MintedToken>;
}

/** Used when Zoho answers "Access Denied" (its throttle) without a Retry-After. */
const THROTTLE_RETRY_AFTER_MS = 60_000;

const TokenResponseSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.coerce.number().check(z.positive())),
  expires_in_sec: z.optional(z.coerce.number().check(z.positive())),
  api_domain: z.optional(z.string()),
});

const AUTH_HINT =
  'the Zoho accounts server refused the refresh token or client: check clientId, clientSecret, refreshToken and the data centre (accountsUrl/dataCentre) in the Zoho OAuth secret';

/**
 * Zoho accounts server: `POST {accountsUrl}/oauth/v2/token` with the refresh_token grant,
 * form-encoded. An HTTP 200 carrying `error` is a failure.
 */
export class ZohoAccountsClient implements AccessTokenMinter {
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly dispatcher: Dispatcher,
    options: { timeoutMs?: number; clock?: Clock } = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
  }

  async mint(grant: RefreshTokenGrant): Promise<MintedToken> {
    const url = new URL('/oauth/v2/token', grant.accountsUrl);
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: grant.clientId,
      client_secret: grant.clientSecret,
      refresh_token: grant.refreshToken,
    });
    const { status, headers, text } = await exchange(
      this.dispatcher,
      'Zoho token endpoint',
      {
        origin: url.origin,
        path: url.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
      },
      { timeoutMs: this.timeoutMs },
    );
    const body = tryParseJson(text);
    const error =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>).error
        : undefined;
    const errorCode = typeof error === 'string' ? safeCode(error) : undefined;
    const retryAfterMs = parseRetryAfter(headers['retry-after'], this.clock);

    if (status === 429 || status >= 500 || (errorCode !== undefined && isThrottle(errorCode))) {
      const wait = retryAfterMs ?? (errorCode ? THROTTLE_RETRY_AFTER_MS : undefined);
      throw new TransientError(
        `Zoho token endpoint throttled or failed (${status} ${errorCode ?? `HTTP_${status}`})`,
        {
          httpStatus: status,
          errorCode: errorCode ?? `HTTP_${status}`,
          ...(wait !== undefined ? { retryAfterMs: wait } : {}),
          hint: 'Zoho allows about 10 access tokens per refresh token per 10 minutes',
        },
      );
    }
    if (errorCode !== undefined || status < 200 || status >= 300) {
      throw new PermanentError(
        `Zoho token endpoint refused the refresh (${status} ${errorCode ?? 'no error code'})`,
        'auth',
        { httpStatus: status, errorCode: errorCode ?? `HTTP_${status}`, hint: AUTH_HINT },
      );
    }
    const parsed = TokenResponseSchema.safeParse(body);
    if (!parsed.success) {
      throw new TransientError('Zoho token endpoint answered without an access token', {
        httpStatus: status,
        errorCode: 'UNEXPECTED_RESPONSE',
      });
    }
    const { access_token, expires_in, expires_in_sec, api_domain } = parsed.data;
    return {
      accessToken: access_token,
      expiresAt: new Date(this.clock.now().getTime() + lifetimeMs(expires_in_sec, expires_in)),
      ...(api_domain ? { apiDomain: api_domain } : {}),
    };
  }
}

function isThrottle(code: string): boolean {
  const c = code.toLowerCase().replace(/[\s_]+/g, ' ');
  return c === 'access denied';
}

/** Zoho error strings are short codes; anything else is not echoed. */
function safeCode(value: string): string {
  return /^[A-Za-z0-9 _.-]{1,64}$/.test(value) ? value : 'UNRECOGNISED_ERROR';
}

/**
 * Token lifetime. Zoho sends seconds in `expires_in` (older answers: milliseconds there and
 * seconds in `expires_in_sec`); default to one hour.
 */
function lifetimeMs(expiresInSec: number | undefined, expiresIn: number | undefined): number {
  if (expiresInSec !== undefined) return expiresInSec * 1000;
  if (expiresIn === undefined) return 3_600_000;
  return expiresIn > 86_400 ? expiresIn : expiresIn * 1000;
}
