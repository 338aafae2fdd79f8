import { isAppError, SecretError, TransientError } from '#core/domain/errors.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import { type Logger, silentLogger } from '#core/ports/logger.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';
import type { TokenRefresher, TokenSource } from '#core/ports/token-source.ts';
import { msUntilExpiry, parseTokenSecret, type TokenSecret } from '#core/tokens/token-secret.ts';

export interface SharedTokenReaderOptions {
  secrets: SecretSource;
  tokenSecretId: string;
  refresher: TokenRefresher;
  clock?: Clock;
  logger?: Logger;
  /** How long a read token is reused before the secret is read again (default 30 s). */
  cacheTtlMs?: number;
  /** A token this close to expiry is not used (default 2 min; keep below the refresher's margin). */
  expiryMarginMs?: number;
  /**
   * Waits before re-reading when the refresher itself was busy or throttled (another container's
   * call is probably minting). Default: 250 ms, 500 ms, 1 s.
   */
  busyRetryDelaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

interface Cached {
  token: TokenSecret;
  until: number;
}

/**
 * The worker's side of the shared token: reads the token secret with a short cache, asks the
 * refresher once when there is no usable token, and handles one INVALID_OAUTH per call.
 */
export class SharedTokenReader implements TokenSource {
  private cached: Cached | undefined;
  private loading: Promise<string> | undefined;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly cacheTtlMs: number;
  private readonly marginMs: number;
  private readonly busyDelays: readonly number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: SharedTokenReaderOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.cacheTtlMs = options.cacheTtlMs ?? 30_000;
    this.marginMs = options.expiryMarginMs ?? 2 * 60_000;
    this.busyDelays = options.busyRetryDelaysMs ?? [250, 500, 1000];
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** @throws TransientError when no usable token can be had now; PermanentError from the refresher */
  async getAccessToken(): Promise<string> {
    const now = this.clock.now().getTime();
    if (this.cached && now < this.cached.until) return this.cached.token.accessToken;
    // Concurrent callers in one container share one read (and at most one refresher call).
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  async refreshAfterRejection(rejected: string): Promise<string> {
    this.invalidate();
    const reread = await this.readUsable();
    if (reread !== undefined && reread.accessToken !== rejected) return reread.accessToken;
    this.logger.info('Shared token still the rejected one; asking the refresher');
    await this.askRefresher(rejected);
    const after = await this.readUsable();
    if (after === undefined) throw noToken();
    return after.accessToken;
  }

  private async load(): Promise<string> {
    const first = await this.readUsable();
    if (first !== undefined) return first.accessToken;
    this.logger.info('No usable shared token; asking the refresher');
    await this.askRefresher(undefined);
    const after = await this.readUsable();
    if (after === undefined) throw noToken();
    return after.accessToken;
  }

  /**
   * Asks the refresher once. When it is busy or throttled, re-reads a few times instead: the
   * refresher has concurrency 1, so another container's call is probably minting right now.
   */
  private async askRefresher(rejected: string | undefined): Promise<void> {
    try {
      await this.options.refresher.requestRefresh(
        rejected === undefined ? {} : { rejectedToken: rejected },
      );
    } catch (error) {
      if (!(isAppError(error) && error.retryable)) throw error;
      for (const delay of this.busyDelays) {
        await this.sleep(delay);
        const token = await this.readUsable();
        if (token !== undefined && token.accessToken !== rejected) return;
      }
      throw error;
    }
  }

  /** Reads the secret past every cache; caches and returns the token when it is usable. */
  private async readUsable(): Promise<TokenSecret | undefined> {
    this.invalidate();
    let raw: string;
    try {
      raw = await this.options.secrets.getSecretString(this.options.tokenSecretId);
    } catch (error) {
      if (error instanceof SecretError && !error.retryable) return undefined;
      throw error;
    }
    const token = parseTokenSecret(raw);
    if (token === undefined) return undefined;
    const now = this.clock.now();
    const usableFor = msUntilExpiry(token, now) - this.marginMs;
    if (usableFor <= 0) return undefined;
    this.cached = { token, until: now.getTime() + Math.min(this.cacheTtlMs, usableFor) };
    return token;
  }

  private invalidate(): void {
    this.cached = undefined;
    this.options.secrets.invalidate?.(this.options.tokenSecretId);
  }
}

function noToken(): TransientError {
  return new TransientError('No usable Zoho access token after asking the refresher', {
    errorCode: 'NO_ACCESS_TOKEN',
  });
}
