import { describe, expect, it } from 'vitest';
import { MethodNotAllowedError, NotFoundError } from '#core/domain/errors.ts';
import type { HttpRequest } from '#core/http/http.ts';
import { json } from '#core/http/http.ts';
import { createRouter } from '#core/intake/router.ts';

const request = (method: string, path: string): HttpRequest => ({
  method,
  path,
  headers: {},
  query: {},
  body: Buffer.alloc(0),
  requestId: 'r',
});

const answer = (name: string) => async (req: HttpRequest) => json(200, { name, path: req.path });

const route = createRouter([
  { path: '/webhooks/okta', methods: { GET: answer('okta-verify'), POST: answer('okta') } },
  { path: '/scim/*', methods: { GET: answer('scim'), PATCH: answer('scim') } },
]);

describe('createRouter', () => {
  it('dispatches on exact path and method, passing the request through', async () => {
    expect(await route(request('POST', '/webhooks/okta'))).toEqual(
      json(200, { name: 'okta', path: '/webhooks/okta' }),
    );
    expect(await route(request('GET', '/webhooks/okta'))).toEqual(
      json(200, { name: 'okta-verify', path: '/webhooks/okta' }),
    );
  });

  it('ignores trailing slashes', async () => {
    expect(await route(request('POST', '/webhooks/okta//'))).toEqual(
      json(200, { name: 'okta', path: '/webhooks/okta//' }),
    );
  });

  it('matches a prefix route on the prefix itself and anything below it, not on a longer name', async () => {
    expect((await route(request('GET', '/scim'))).statusCode).toBe(200);
    expect((await route(request('GET', '/scim/v2/Users/1'))).statusCode).toBe(200);
    await expect(route(request('GET', '/scimx'))).rejects.toThrow(NotFoundError);
  });

  it('throws NotFoundError for an unknown path', async () => {
    await expect(route(request('GET', '/nothing'))).rejects.toMatchObject({
      name: 'NotFoundError',
      statusCode: 404,
      message: 'No route for /nothing',
    });
  });

  it('throws MethodNotAllowedError naming the allowed methods', async () => {
    const error = await route(request('DELETE', '/webhooks/okta')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MethodNotAllowedError);
    expect((error as MethodNotAllowedError).allow).toEqual(['GET', 'POST']);
    expect((error as MethodNotAllowedError).statusCode).toBe(405);
  });
});
