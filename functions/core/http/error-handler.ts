import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAppError, MethodNotAllowedError } from '#core/domain/errors.ts';
import { type HttpResponse, json } from '#core/http/http.ts';
import type { Logger } from '#core/ports/logger.ts';

/** Turns an error into the response body for a route (SCIM routes use the SCIM error schema). */
export type ErrorFormatter = (
  statusCode: number,
  message: string,
  path: string,
  error?: unknown,
) => HttpResponse;

export const defaultErrorFormatter: ErrorFormatter = (statusCode, message) =>
  json(statusCode, { message });

/**
 * Picks a formatter by path prefix (`/scim` matches `/scim` and `/scim/...`); the first match wins,
 * other paths use `fallback`.
 */
export function formatterByPath(
  prefixes: ReadonlyArray<readonly [prefix: string, format: ErrorFormatter]>,
  fallback: ErrorFormatter = defaultErrorFormatter,
): ErrorFormatter {
  return (statusCode, message, path, error) => {
    const match = prefixes.find(([prefix]) => path === prefix || path.startsWith(`${prefix}/`));
    return (match?.[1] ?? fallback)(statusCode, message, path, error);
  };
}

/** Seconds a client is asked to wait after a 503 when the failure did not say (RFC 9110 10.2.3). */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/**
 * The one `onError` for HTTP handlers; register it first so it runs last. 4xx messages are shown to
 * the client; anything else becomes a generic 500/503 and is logged (name and message only). A
 * 503 (a transient failure: queue or store throttled) carries `Retry-After` so the caller retries.
 */
export function httpErrorHandler(
  logger: Logger,
  format: ErrorFormatter = defaultErrorFormatter,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResponse> {
  return {
    onError: async (request) => {
      const error = request.error;
      const path = request.event?.rawPath ?? '';
      if (isAppError(error) && error.expose) {
        logger.info('request rejected', { path, status: error.statusCode, error: error.name });
        const response = format(error.statusCode, error.message, path, error);
        if (error instanceof MethodNotAllowedError) {
          response.headers = { ...response.headers, allow: error.allow.join(', ') };
        }
        request.response = response;
        return;
      }
      const statusCode = isAppError(error) && error.statusCode === 503 ? 503 : 500;
      logger.error('request failed', {
        path,
        status: statusCode,
        error: error instanceof Error ? error.name : 'unknown',
        errorMessage: error instanceof Error ? error.message : String(error),
      });
      const response = format(
        statusCode,
        statusCode === 503 ? 'Service temporarily unavailable' : 'Internal error',
        path,
      );
      if (statusCode === 503) {
        const ms = isAppError(error) ? error.retryAfterMs : undefined;
        const seconds =
          ms === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(ms / 1000));
        response.headers = { ...response.headers, 'retry-after': String(seconds) };
      }
      request.response = response;
    },
  };
}
