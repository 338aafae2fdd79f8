import { AppError } from '#core/domain/errors.ts';
import type { ErrorFormatter } from '#core/http/error-handler.ts';
import type { HttpResponse } from '#core/http/http.ts';

export const SCIM_CONTENT_TYPE = 'application/scim+json';
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** `scimType` values of RFC 7644 section 3.12 that this service uses. */
export type ScimType =
  | 'invalidFilter'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'invalidValue'
  | 'noTarget'
  | 'mutability'
  | 'uniqueness';

/** A SCIM protocol error (4xx) with its RFC 7644 `scimType`; the detail is shown to the client. */
export class ScimError extends AppError {
  readonly retryable = false;
  readonly kind = 'permanent' as const;
  override readonly statusCode: number;

  constructor(
    statusCode: number,
    detail: string,
    readonly scimType?: ScimType,
  ) {
    super(detail);
    this.statusCode = statusCode;
  }
}

export const scimBadRequest = (scimType: ScimType, detail: string) =>
  new ScimError(400, detail, scimType);

export const scimNotFound = (id: string) => new ScimError(404, `Resource ${id} not found`);

/** Builds a SCIM error response (`status` is a string, as RFC 7644 section 3.12 shows it). */
export function scimErrorResponse(
  statusCode: number,
  detail: string,
  scimType?: ScimType,
): HttpResponse {
  const headers: Record<string, string> = { 'content-type': SCIM_CONTENT_TYPE };
  if (statusCode === 401) headers['www-authenticate'] = 'Bearer realm="scim"';
  return {
    statusCode,
    headers,
    body: JSON.stringify({
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(statusCode),
      ...(scimType === undefined ? {} : { scimType }),
      detail,
    }),
  };
}

/** Error formatter for `/scim` paths: every error, ours or the router's, gets the SCIM body. */
export const scimErrorFormatter: ErrorFormatter = (statusCode, message, _path, error) =>
  scimErrorResponse(statusCode, message, error instanceof ScimError ? error.scimType : undefined);
