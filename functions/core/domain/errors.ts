/** Failure kinds recorded in dead-letter records and metrics (see `FailureKindSchema`). */
export type { FailureKind } from '#core/domain/dead-letter.ts';

import type { FailureKind } from '#core/domain/dead-letter.ts';

export interface AppErrorOptions {
  cause?: unknown;
  hint?: string;
  httpStatus?: number;
  errorCode?: string;
  retryAfterMs?: number;
}

/**
 * Base of every error the service raises on purpose. `retryable` tells the caller whether trying
 * again can succeed; `expose` whether the message may be shown to an HTTP client.
 */
export abstract class AppError extends Error {
  abstract readonly retryable: boolean;
  abstract readonly kind: FailureKind;
  /** HTTP status to answer with when this error ends an HTTP request. */
  readonly statusCode: number = 500;
  readonly hint: string | undefined;
  /** Status of the upstream response that caused the error, if any. */
  readonly httpStatus: number | undefined;
  readonly errorCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
    this.httpStatus = options.httpStatus;
    this.errorCode = options.errorCode;
    this.retryAfterMs = options.retryAfterMs;
  }

  get expose(): boolean {
    return this.statusCode < 500;
  }
}

/** Configuration is missing or invalid; the process must not start. */
export class ConfigError extends AppError {
  readonly retryable = false;
  readonly kind = 'config' as const;
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
    options: AppErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The client sent something we cannot accept (HTTP 400). */
export class ValidationError extends AppError {
  readonly retryable = false;
  readonly kind = 'permanent' as const;
  override readonly statusCode = 400;
}

/** Authentication failed (HTTP 401). The message never says why. */
export class UnauthorizedError extends AppError {
  readonly retryable = false;
  readonly kind = 'auth' as const;
  override readonly statusCode = 401;
  constructor(options: AppErrorOptions = {}) {
    super('Unauthorized', options);
  }
}

export class PayloadTooLargeError extends AppError {
  readonly retryable = false;
  readonly kind = 'permanent' as const;
  override readonly statusCode = 413;
}

export class MethodNotAllowedError extends AppError {
  readonly retryable = false;
  readonly kind = 'permanent' as const;
  override readonly statusCode = 405;
  constructor(readonly allow: readonly string[]) {
    super(`Method not allowed; use ${allow.join(', ')}`);
  }
}

export class NotFoundError extends AppError {
  readonly retryable = false;
  readonly kind = 'not-found' as const;
  override readonly statusCode = 404;
}

/** A queue could not take our message; the webhook caller should retry (HTTP 503). */
export class QueueError extends AppError {
  readonly retryable = true;
  readonly kind = 'transient' as const;
  override readonly statusCode = 503;
}

/** A secret could not be read or has the wrong shape. */
export class SecretError extends AppError {
  readonly retryable: boolean;
  readonly kind = 'config' as const;
  constructor(message: string, retryable: boolean, options: AppErrorOptions = {}) {
    super(message, options);
    this.retryable = retryable;
  }
}

/** The Help Center (or its token endpoint) failed in a way that may pass on retry. */
export class TransientError extends AppError {
  readonly retryable = true;
  readonly kind = 'transient' as const;
  override readonly statusCode = 503;
}

/** The Help Center refused in a way a retry cannot fix; `kind` refines the reason. */
export class PermanentError extends AppError {
  readonly retryable = false;
  readonly kind: FailureKind;
  override readonly statusCode = 502;
  constructor(message: string, kind: FailureKind = 'permanent', options: AppErrorOptions = {}) {
    super(message, options);
    this.kind = kind;
  }
}

/** Microsoft Graph no longer accepts a stored delta link (410 Gone): a new round must start. */
export class DeltaLinkExpiredError extends PermanentError {}

/**
 * The Help Center org's daily API credits are spent (Zoho `THRESHOLD_EXCEEDED`). Not retried in
 * the call (`retryable` false): the worker lets the message wait until the credits can have
 * renewed, and dead-letters it (kind `quota`) only after that (see process-deprovision).
 */
export class QuotaExceededError extends AppError {
  readonly retryable = false;
  readonly kind = 'quota' as const;
  override readonly statusCode = 503;
}

/** More than one Help Center user matched; we never guess. */
export class AmbiguousUserError extends AppError {
  readonly retryable = false;
  readonly kind = 'ambiguous' as const;
  constructor(
    message: string,
    readonly helpCenterId: string,
    readonly candidateUserIds: readonly string[],
  ) {
    super(message, {
      hint: 'several Help Center users share this email; remove the duplicate or record the right id in the identity store, then redrive',
    });
  }
}

/** The guard tripped: too many deprovisions in the window. */
export class HeldError extends AppError {
  readonly retryable = false;
  readonly kind = 'held' as const;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** How the service treats a failure: what kind it is and whether trying again can succeed. */
export interface FailureClass {
  kind: FailureKind;
  retryable: boolean;
}

/**
 * The one failure policy for anything thrown. An `AppError` says for itself; anything else escaped
 * an adapter's translation (a network fault, a bug) and is treated as transient: retried, then
 * dead-lettered when the receives run out, never dropped.
 */
export function classifyFailure(error: unknown): FailureClass {
  if (isAppError(error)) return { kind: error.kind, retryable: error.retryable };
  return { kind: 'transient', retryable: true };
}
