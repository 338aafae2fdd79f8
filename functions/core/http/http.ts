import { createHash, timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PayloadTooLargeError, ValidationError } from '#core/domain/errors.ts';

/** The parts of an HTTP request the use cases need, with lower-cased header names. */
export interface HttpRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string>>;
  query: Readonly<Record<string, string>>;
  /** Raw body bytes (base64 already decoded); empty when there was none. */
  body: Buffer;
  requestId: string;
}

export type HttpResponse = APIGatewayProxyStructuredResultV2 & { statusCode: number };

/** Builds an `HttpRequest` from an API Gateway HTTP API (payload v2) event. */
export function fromApiGatewayEvent(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  const raw = event.body ?? '';
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
    headers,
    query,
    body: Buffer.from(raw, event.isBase64Encoded ? 'base64' : 'utf8'),
    requestId: event.requestContext?.requestId ?? '',
  };
}

/** Media type of the request without parameters, lower-cased (`''` when absent). */
export function mediaType(request: HttpRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * Parses a JSON body after checking its size and media type.
 * @throws PayloadTooLargeError over `maxBytes`; ValidationError for another media type or bad JSON.
 */
export function readJsonBody(
  request: HttpRequest,
  maxBytes: number,
  acceptedTypes: readonly string[] = ['application/json'],
): unknown {
  if (request.body.byteLength > maxBytes) {
    throw new PayloadTooLargeError(`Body is larger than ${maxBytes} bytes`);
  }
  const type = mediaType(request);
  if (!acceptedTypes.includes(type)) {
    throw new ValidationError(`Content-Type must be ${acceptedTypes.join(' or ')}`);
  }
  try {
    return JSON.parse(request.body.toString('utf8'));
  } catch {
    throw new ValidationError('Body is not valid JSON');
  }
}

/** Compares two secrets in constant time (independent of where they differ and of their lengths). */
export function secretsEqual(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

export function json(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

export function empty(statusCode: number, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers, body: '' };
}

export function text(statusCode: number, body: string): HttpResponse {
  return { statusCode, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

export const STATUS = {
  ok: 200,
  created: 201,
  accepted: 202,
  noContent: 204,
  badRequest: 400,
  unauthorized: 401,
  notFound: 404,
  methodNotAllowed: 405,
  internalError: 500,
} as const;
