import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import { INTAKE_ROUTES, ROUTE, SCIM_BASE_PATHS } from '#core/contract/routes.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { decodeSigningSecret, signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { apiGatewayEvent, lambdaContext } from '../../helpers/api-gateway.ts';

/**
 * `openapi.yaml` (repository root) against the ingest router, in both directions: every documented
 * (path, method) is served and answers only documented statuses; every (path, method) the router
 * serves is documented (undocumented methods on a documented path are 405, other paths 404).
 */
type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  security?: Json[];
  requestBody?: Json;
  responses: Record<string, unknown>;
  parameters?: Json[];
}

const DOC = parse(readFileSync(new URL('../../../openapi.yaml', import.meta.url), 'utf8')) as Json;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const PROBE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const SCIM_V2 = ROUTE.SCIM_V2;
/** Methods API Gateway routes at all (HEAD and OPTIONS are answered 405 by the router alone). */
const ROUTED_METHODS = new Set<string>(INTAKE_ROUTES.flatMap((r) => r.methods));

const paths = DOC.paths as Record<string, Json>;
const operations = Object.entries(paths).flatMap(([path, item]) =>
  HTTP_METHODS.filter((m) => m in item).map((m) => ({
    path,
    method: m.toUpperCase(),
    op: item[m] as Operation,
    pathParameters: [
      ...((item.parameters as Json[]) ?? []),
      ...((item[m] as Operation).parameters ?? []),
    ],
  })),
);

const SECRET_ID = 'openapi/webhook';
const SECRETS = {
  oktaAuthorization: 'openapi-okta-secret',
  scimBearerToken: 'openapi-scim-token',
  graphClientState: 'openapi-graph-client-state',
  webhookSigningSecret: 'whsec_b3BlbmFwaS1zaWduaW5nLWtleS0wMTIzNDU2Nzg5',
};
const NOW = new Date('2026-12-04T09:00:00.000Z');
const SIGNING_KEY = decodeSigningSecret(SECRETS.webhookSigningSecret) as Buffer;

interface Answer {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

function ingest() {
  const queue = new InMemoryWorkQueue();
  const handler = createIngestHandler({
    config: loadIngestConfig({
      WORK_QUEUE_URL: 'http://queue.local/work',
      WEBHOOK_SECRET_ARN: SECRET_ID,
      IDENTITY_TABLE_NAME: 'identity',
    }),
    queue,
    identityStore: new InMemoryIdentityStore(),
    secretSource: new StaticSecretSource({ [SECRET_ID]: JSON.stringify(SECRETS) }),
    clock: { now: () => NOW },
    logger: silentLogger,
    graph: { metric: () => {} },
  });
  return {
    queue,
    call: async (options: Parameters<typeof apiGatewayEvent>[0]) =>
      (await handler(apiGatewayEvent(options), lambdaContext)) as Answer,
  };
}

/** Headers that authenticate a request to `path` (the signed webhook signs `body`). */
function credentials(path: string, body: string): Record<string, string> {
  if (path === ROUTE.OKTA_EVENT_HOOK) return { authorization: SECRETS.oktaAuthorization };
  if (path === ROUTE.SIGNED_WEBHOOK) {
    const timestamp = String(Math.floor(NOW.getTime() / 1000));
    return {
      'webhook-id': 'msg_openapi',
      'webhook-timestamp': timestamp,
      'webhook-signature': signWebhook(SIGNING_KEY, 'msg_openapi', timestamp, Buffer.from(body)),
    };
  }
  if (path.startsWith(ROUTE.SCIM_ROOT))
    return { authorization: `Bearer ${SECRETS.scimBearerToken}` };
  return {};
}

/** An authenticated request; SCIM user paths get a real user's id (created first). */
async function send(
  service: ReturnType<typeof ingest>,
  method: string,
  path: string,
  options: { body?: string; auth?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body = options.body ?? (['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined);
  return service.call({
    method,
    path,
    headers: {
      'content-type': 'application/json',
      ...(options.auth === false ? {} : credentials(path, body ?? '')),
      ...options.headers,
    },
    ...(body === undefined ? {} : { body }),
  });
}

async function createUser(service: ReturnType<typeof ingest>, base: string): Promise<string> {
  const created = await send(service, 'POST', `${base}/Users`, {
    body: JSON.stringify({ userName: 'alice@example.com', active: true }),
  });
  expect(created.statusCode).toBe(201);
  return String((JSON.parse(created.body ?? '{}') as { id: string }).id);
}

/** A concrete path for a documented template: path parameters from their examples. */
function concrete(template: string, parameters: Json[], userId?: string): string {
  const isUser = SCIM_BASE_PATHS.some((base) => template.startsWith(`${base}/Users/`));
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (isUser && userId !== undefined) return userId;
    const parameter = parameters.map(resolve).find((p) => p.name === name && p.in === 'path');
    return encodeURIComponent(String(parameter?.example ?? 'x1'));
  });
}

/** The documented template a concrete path matches, if any. */
function templateOf(path: string): string | undefined {
  return Object.keys(paths).find((t) =>
    new RegExp(`^${t.replace(/\{\w+\}/g, '[^/]+')}$`).test(path),
  );
}

function resolve(node: Json): Json {
  const ref = node.$ref;
  return typeof ref === 'string' ? resolve(pointer(ref) as Json) : node;
}

function pointer(ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
  let node: unknown = DOC;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, found);
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

const statusesOf = (op: Operation) => Object.keys(op.responses).map(Number);
const isAuthenticated = (op: Operation) => (op.security ?? []).some((s) => Object.keys(s).length);
const scimAlias = (path: string) => `${ROUTE.SCIM_ROOT}${path.slice(SCIM_V2.length)}`;

describe('openapi.yaml is a structurally valid OpenAPI 3.1 document', () => {
  it('has openapi 3.1.x, info and paths, and every operation has responses with status codes', () => {
    expect(DOC.openapi).toMatch(/^3\.1\.\d+$/);
    const info = DOC.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(Object.keys(paths).length).toBeGreaterThan(0);
    for (const { path, method, op } of operations) {
      expect(path, `${method} ${path}`).toMatch(/^\//);
      expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
      for (const status of Object.keys(op.responses)) expect(status).toMatch(/^[1-5]\d\d$/);
    }
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('resolves every $ref inside the document', () => {
    const all = refs(DOC);
    expect(all.length).toBeGreaterThan(0);
    for (const ref of all) expect(pointer(ref), ref).toBeDefined();
  });

  it('declares every path template parameter and every security scheme it uses', () => {
    const schemes = Object.keys((DOC.components as Json).securitySchemes as Json);
    for (const { path, method, op, pathParameters } of operations) {
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        const declared = pathParameters
          .map(resolve)
          .some((p) => p.name === name && p.in === 'path' && p.required === true);
        expect(declared, `${method} ${path} {${name}}`).toBe(true);
      }
      for (const requirement of op.security ?? []) {
        for (const scheme of Object.keys(requirement)) expect(schemes).toContain(scheme);
      }
    }
  });
});

describe('openapi.yaml matches the routes the ingest router serves', () => {
  it('lists exactly the methods of each fixed route of INTAKE_ROUTES, and SCIM only under /scim/v2', () => {
    for (const route of INTAKE_ROUTES) {
      if (route.path.includes('{proxy+}')) {
        const scim = operations.filter((o) => o.path.startsWith(`${SCIM_V2}/`));
        expect(scim.length).toBeGreaterThan(0);
        for (const { method } of scim) expect(route.methods).toContain(method);
        continue;
      }
      const documented = operations.filter((o) => o.path === route.path).map((o) => o.method);
      expect(documented.sort(), route.path).toEqual([...route.methods].sort());
    }
    for (const { path } of operations) {
      const fixed = INTAKE_ROUTES.some((r) => r.path === path);
      expect(fixed || path.startsWith(`${SCIM_V2}/`), path).toBe(true);
    }
  });

  it('serves every documented (path, method), answering one of its documented statuses', async () => {
    for (const base of SCIM_BASE_PATHS) {
      for (const { path, method, op, pathParameters } of operations) {
        if (base !== SCIM_V2 && !path.startsWith(SCIM_V2)) continue;
        const service = ingest();
        const userId = path.startsWith(SCIM_V2) ? await createUser(service, base) : undefined;
        const template = base === SCIM_V2 ? path : scimAlias(path);
        const answer = await send(service, method, concrete(template, pathParameters, userId), {
          headers: { 'x-okta-verification-challenge': 'challenge-1' },
        });
        const label = `${method} ${template} answered ${answer.statusCode}`;
        expect(statusesOf(op), label).toContain(answer.statusCode);
        const hasSuccess = statusesOf(op).some((s) => s < 300 || s === 501);
        if (hasSuccess) expect(answer.statusCode, label).not.toBe(404);
      }
    }
  });

  it('serves nothing undocumented: other methods on documented paths are 405 with Allow, other paths are never served', async () => {
    const service = ingest();
    const userId = await createUser(service, SCIM_V2);
    const candidates = new Set<string>([
      '/',
      '/webhooks',
      '/webhooks/unknown',
      `${ROUTE.OKTA_EVENT_HOOK}/extra`,
      SCIM_V2,
      ROUTE.SCIM_ROOT,
      ...INTAKE_ROUTES.filter((r) => !r.path.includes('{')).map((r) => r.path),
      ...operations.map((o) => concrete(o.path, o.pathParameters, userId)),
    ]);
    for (const resource of [
      'Users',
      'Groups',
      'ServiceProviderConfig',
      'ResourceTypes',
      'Schemas',
      'Bulk',
      'Me',
      '.search',
      'Unknown',
    ]) {
      candidates.add(`${SCIM_V2}/${resource}`);
      candidates.add(`${SCIM_V2}/${resource}/x1`);
      candidates.add(`${SCIM_V2}/${resource}/x1/extra`);
    }
    for (const path of candidates) {
      const template = templateOf(path);
      const documented = operations.filter((o) => o.path === template).map((o) => o.method);
      for (const method of PROBE_METHODS) {
        if (documented.includes(method)) continue;
        const answer = await send(service, method, path);
        const label = `${method} ${path} answered ${answer.statusCode}`;
        if (template === undefined) {
          expect([404, 405], label).toContain(answer.statusCode);
        } else if (!ROUTED_METHODS.has(method)) {
          expect(answer.statusCode, label).toBe(405);
        } else {
          expect(answer.statusCode, label).toBe(405);
          expect(answer.headers?.allow?.split(', ').sort(), label).toEqual(documented.sort());
        }
      }
    }
  });
});

describe('documented statuses the router really answers', () => {
  it('401 without credentials on every authenticated operation (also under /scim)', async () => {
    const authenticated = operations.filter(({ op }) => isAuthenticated(op));
    expect(authenticated.length).toBeGreaterThan(0);
    for (const { path, method, op, pathParameters } of authenticated) {
      expect(statusesOf(op), `${method} ${path}`).toContain(401);
      const paths = path.startsWith(SCIM_V2) ? [path, scimAlias(path)] : [path];
      for (const template of paths) {
        const answer = await send(ingest(), method, concrete(template, pathParameters), {
          auth: false,
          headers: { 'x-okta-verification-challenge': 'challenge-1' },
        });
        expect(answer.statusCode, `${method} ${template}`).toBe(401);
      }
    }
  });

  it('SCIM answers in application/scim+json, errors in the SCIM error schema', async () => {
    const service = ingest();
    const list = await send(service, 'GET', `${SCIM_V2}/Users`);
    expect(list.statusCode).toBe(200);
    expect(list.headers?.['content-type']).toBe('application/scim+json');
    const denied = await send(service, 'GET', `${SCIM_V2}/Users`, { auth: false });
    expect(denied.headers?.['content-type']).toBe('application/scim+json');
    expect(JSON.parse(denied.body ?? '{}')).toMatchObject({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
      status: '401',
    });
  });

  it('SCIM: 201 then 409 for a taken userName, 400 for a bad filter, 204 on delete', async () => {
    const service = ingest();
    const id = await createUser(service, SCIM_V2);
    const again = await send(service, 'POST', `${SCIM_V2}/Users`, {
      body: JSON.stringify({ userName: 'alice@example.com' }),
    });
    expect(again.statusCode).toBe(409);
    expect(statusesOf(paths[`${SCIM_V2}/Users`]?.post as Operation)).toContain(409);
    const filter = await service.call({
      method: 'GET',
      path: `${SCIM_V2}/Users`,
      query: { filter: 'userName zz' },
      headers: credentials(SCIM_V2, ''),
    });
    expect(filter.statusCode).toBe(400);
    expect((await send(service, 'DELETE', `${SCIM_V2}/Users/${id}`)).statusCode).toBe(204);
  });

  it('Okta: 200 with the challenge echoed, 400 without a challenge', async () => {
    const service = ingest();
    const verified = await send(service, 'GET', ROUTE.OKTA_EVENT_HOOK, {
      headers: { 'x-okta-verification-challenge': 'challenge-1' },
    });
    expect(verified.statusCode).toBe(200);
    expect(JSON.parse(verified.body ?? '{}')).toEqual({ verification: 'challenge-1' });
    expect((await send(service, 'GET', ROUTE.OKTA_EVENT_HOOK)).statusCode).toBe(400);
  });

  it('413 for a body over the limit on every operation that documents it', async () => {
    const tooLarge = JSON.stringify({ padding: 'x'.repeat(300 * 1024) });
    const documented = operations.filter(({ op }) => statusesOf(op).includes(413));
    expect(documented.length).toBeGreaterThan(0);
    for (const { path, method, pathParameters } of documented) {
      const service = ingest();
      const userId = path.startsWith(SCIM_V2) ? await createUser(service, SCIM_V2) : undefined;
      const answer = await send(service, method, concrete(path, pathParameters, userId), {
        body: tooLarge,
      });
      expect(answer.statusCode, `${method} ${path}`).toBe(413);
    }
  });

  it('Graph: validationToken echoed as text/plain, 400 for markup, 401 when nothing is authentic, 202 when enqueued', async () => {
    const service = ingest();
    const graph = (query: Record<string, string>, body: unknown) =>
      service.call({
        method: 'POST',
        path: ROUTE.GRAPH_NOTIFICATIONS,
        query,
        headers: { 'content-type': 'application/json' },
        body: body as object,
      });
    const echoed = await graph({ validationToken: 'Validation: Testing client' }, undefined);
    expect(echoed).toMatchObject({ statusCode: 200, body: 'Validation: Testing client' });
    expect(echoed.headers?.['content-type']).toMatch(/^text\/plain/);
    expect((await graph({ validationToken: '<script>' }, undefined)).statusCode).toBe(400);
    const notification = (clientState: string) => ({
      value: [
        {
          subscriptionId: 'c37b074d-fe9d-4e68-83ad-b4401d3be174',
          clientState,
          changeType: 'deleted',
          resource: 'Users/c37b074d',
          resourceData: { id: 'c37b074d', '@odata.type': '#Microsoft.Graph.User' },
        },
      ],
    });
    expect((await graph({}, notification('wrong'))).statusCode).toBe(401);
    expect((await graph({}, notification(SECRETS.graphClientState))).statusCode).toBe(202);
    expect(service.queue.sent).toHaveLength(1);
    const documented = statusesOf(paths[ROUTE.GRAPH_NOTIFICATIONS]?.post as Operation);
    for (const status of [200, 202, 400, 401]) expect(documented).toContain(status);
  });
});
