import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  MethodNotAllowedError,
  NotFoundError,
  PermanentError,
  QueueError,
  TransientError,
  UnauthorizedError,
  ValidationError,
} from '#core/domain/errors.ts';
import {
  DEFAULT_RETRY_AFTER_SECONDS,
  formatterByPath,
  httpErrorHandler,
} from '#core/http/error-handler.ts';
import type { HttpResponse } from '#core/http/http.ts';
import { scimErrorFormatter } from '#core/intake/scim/errors.ts';
import { apiGatewayEvent, lambdaContext } from '../../helpers/api-gateway.ts';
import { recordingLogger } from '../../helpers/recording-logger.ts';

/** A middy handler that throws `error`, with the error handler registered first, as in ingest. */
function failingWith(error: unknown, format = formatterByPath([['/scim', scimErrorFormatter]])) {
  const { logger, lines } = recordingLogger();
  const handler = middy<APIGatewayProxyEventV2, HttpResponse>()
    .use(httpErrorHandler(logger, format))
    .handler(async () => {
      throw error;
    });
  const call = (path = '/webhooks/okta') =>
    handler(apiGatewayEvent({ method: 'POST', path }), lambdaContext);
  return { call, lines };
}

describe('httpErrorHandler', () => {
  it('exposes a 4xx message and logs the rejection at info', async () => {
    const { call, lines } = failingWith(new ValidationError('eventType is required'));
    expect(await call()).toEqual({
      statusCode: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'eventType is required' }),
    });
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'request rejected',
        extra: { path: '/webhooks/okta', status: 400, error: 'ValidationError' },
      },
    ]);
  });

  it('answers 401 with the fixed message only', async () => {
    const { call } = failingWith(new UnauthorizedError());
    expect(await call()).toEqual({
      statusCode: 401,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Unauthorized' }),
    });
  });

  it('adds Allow to a 405', async () => {
    const { call } = failingWith(new MethodNotAllowedError(['GET', 'POST']));
    expect(await call()).toEqual({
      statusCode: 405,
      headers: { 'content-type': 'application/json', allow: 'GET, POST' },
      body: JSON.stringify({ message: 'Method not allowed; use GET, POST' }),
    });
  });

  it('hides an unknown error behind a generic 500 and logs its name and message', async () => {
    const { call, lines } = failingWith(new TypeError('cannot read x of undefined'));
    expect(await call()).toEqual({
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Internal error' }),
    });
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'request failed',
        extra: {
          path: '/webhooks/okta',
          status: 500,
          error: 'TypeError',
          errorMessage: 'cannot read x of undefined',
        },
      },
    ]);
  });

  it('hides a permanent upstream failure (502) behind a generic 500', async () => {
    const { call } = failingWith(
      new PermanentError('Identity store Get failed: ValidationException'),
    );
    expect(await call()).toEqual({
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'Internal error' }),
    });
  });

  it('answers a transient failure with 503 and the default Retry-After', async () => {
    const { call } = failingWith(new QueueError('Could not send to the work queue: Throttling'));
    expect(await call()).toEqual({
      statusCode: 503,
      headers: {
        'content-type': 'application/json',
        'retry-after': String(DEFAULT_RETRY_AFTER_SECONDS),
      },
      body: JSON.stringify({ message: 'Service temporarily unavailable' }),
    });
  });

  it("uses the failure's own wait for Retry-After, in whole seconds", async () => {
    const { call } = failingWith(new TransientError('throttled', { retryAfterMs: 2_100 }));
    expect((await call()).headers).toEqual({
      'content-type': 'application/json',
      'retry-after': '3',
    });
  });

  it('formats SCIM paths with the SCIM error schema, other paths as JSON', async () => {
    const { call } = failingWith(new NotFoundError('No route for /scim/v2/Nothing'));
    expect(await call('/scim/v2/Nothing')).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
        status: '404',
        detail: 'No route for /scim/v2/Nothing',
      }),
    });
    expect(await call('/scimx')).toEqual({
      statusCode: 404,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'No route for /scim/v2/Nothing' }),
    });
  });
});
