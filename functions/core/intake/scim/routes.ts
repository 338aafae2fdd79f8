import type { GroupMapping } from '#core/config/group-mapping.ts';
import { SCIM_BASE_PATHS } from '#core/contract/routes.ts';
import { MethodNotAllowedError } from '#core/domain/errors.ts';
import {
  empty,
  type HttpRequest,
  type HttpResponse,
  readJsonBody,
  STATUS,
} from '#core/http/http.ts';
import type { Route, RouteHandler } from '#core/intake/router.ts';
import { authenticateScim } from '#core/intake/scim/auth.ts';
import {
  groupResourceType,
  listResponse,
  schemaDefinitions,
  serviceProviderConfig,
  userResourceType,
} from '#core/intake/scim/discovery.ts';
import { SCIM_CONTENT_TYPE, scimNotFound } from '#core/intake/scim/errors.ts';
import {
  knownGroup,
  mappedScimGroup,
  patchScimGroup,
  pushedGroupFromBody,
  scimGroupId,
  toScimGroup,
} from '#core/intake/scim/groups.ts';
import { etag, toScimUser } from '#core/intake/scim/resource.ts';
import {
  createScimUser,
  deleteScimUser,
  getScimUser,
  listScimUsers,
  patchScimUser,
  replaceScimUser,
  type ScimUsersDeps,
} from '#core/intake/scim/users.ts';
import type { WebhookSecretsReader } from '#core/intake/webhook-secrets.ts';
import type { IdentityRecord } from '#core/ports/identity-store.ts';

export interface ScimRouteDeps extends ScimUsersDeps {
  secrets: WebhookSecretsReader;
  /** IdP group → Help Center group: member removals of mapped SCIM groups are group-level. */
  groupMapping?: GroupMapping;
  maxBodyBytes: number;
}

export { SCIM_BASE_PATHS };

/** Request bodies: SCIM's media type, plain JSON, or none at all (Okta sends no Content-Type). */
const BODY_TYPES = [SCIM_CONTENT_TYPE, 'application/json', ''];

/** The SCIM 2.0 service provider routes (`/v2` first: the router takes the first prefix match). */
export function scimRoutes(deps: ScimRouteDeps): Route[] {
  return SCIM_BASE_PATHS.map((base) => {
    const handle = scimHandler(deps, base);
    return {
      path: `${base}/*`,
      methods: { GET: handle, POST: handle, PUT: handle, PATCH: handle, DELETE: handle },
    };
  });
}

function scimHandler(deps: ScimRouteDeps, base: string): RouteHandler {
  return async (req) => {
    await authenticateScim(deps.secrets, req.headers.authorization);
    const segments = req.path.slice(base.length).split('/').filter(Boolean);
    const [collection = '', rawId, ...extra] = segments;
    const id = rawId === undefined ? undefined : decodeSegment(rawId);
    const url = baseUrl(req, base);
    if (extra.length > 0 || id === null) throw scimNotFound(req.path);
    switch (collection.toLowerCase()) {
      case 'users':
        return id === undefined ? users(deps, req, url) : user(deps, req, url, id);
      case 'groups':
        return groups(deps, req, url, id);
      case 'serviceproviderconfig':
        allow(req, ['GET']);
        if (id !== undefined) throw scimNotFound(req.path);
        return scimJson(STATUS.ok, serviceProviderConfig(url));
      case 'resourcetypes': {
        allow(req, ['GET']);
        const types = [userResourceType(url), groupResourceType(url)];
        return id === undefined
          ? scimJson(STATUS.ok, listResponse(types, types.length))
          : scimJson(
              STATUS.ok,
              found(
                types.find((t) => t.id === id),
                id,
              ),
            );
      }
      case 'schemas': {
        allow(req, ['GET']);
        const schemas = schemaDefinitions(url);
        return id === undefined
          ? scimJson(STATUS.ok, listResponse(schemas, schemas.length))
          : scimJson(
              STATUS.ok,
              found(
                schemas.find((s) => s.id === id),
                id,
              ),
            );
      }
      default:
        throw scimNotFound(req.path);
    }
  };
}

async function users(deps: ScimRouteDeps, req: HttpRequest, url: string): Promise<HttpResponse> {
  allow(req, ['GET', 'POST']);
  if (req.method === 'POST') {
    const record = await createScimUser(deps, readJsonBody(req, deps.maxBodyBytes, BODY_TYPES));
    const resource = toScimUser(record, `${url}/Users`);
    return userResponse(STATUS.created, record, url, { location: locationOf(resource) });
  }
  const page = await listScimUsers(deps, {
    filter: req.query.filter,
    startIndex: req.query.startIndex,
    count: req.query.count,
  });
  const resources = page.records.map((r) => toScimUser(r, `${url}/Users`));
  return scimJson(STATUS.ok, listResponse(resources, page.totalResults, page.startIndex));
}

async function user(
  deps: ScimRouteDeps,
  req: HttpRequest,
  url: string,
  id: string,
): Promise<HttpResponse> {
  allow(req, ['GET', 'PUT', 'PATCH', 'DELETE']);
  const body = () => readJsonBody(req, deps.maxBodyBytes, BODY_TYPES);
  switch (req.method) {
    case 'PUT':
      return userResponse(STATUS.ok, await replaceScimUser(deps, id, body()), url);
    case 'PATCH':
      return userResponse(STATUS.ok, await patchScimUser(deps, id, body()), url);
    case 'DELETE':
      await deleteScimUser(deps, id);
      return empty(STATUS.noContent);
    default:
      return userResponse(STATUS.ok, await getScimUser(deps, id), url);
  }
}

/**
 * Groups (Entra ID and Okta group push): listing is always empty (groups are not stored), POST
 * answers the created group with an id that names it, GET/PUT answer that group, PATCH acts on
 * member removals of mapped groups (204), DELETE changes nothing (204). See groups.ts.
 */
async function groups(
  deps: ScimRouteDeps,
  req: HttpRequest,
  url: string,
  id: string | undefined,
): Promise<HttpResponse> {
  const body = () => readJsonBody(req, deps.maxBodyBytes, BODY_TYPES);
  if (id === undefined) {
    allow(req, ['GET', 'POST']);
    if (req.method === 'GET') return scimJson(STATUS.ok, listResponse([], 0));
    const group = pushedGroupFromBody(body());
    const resource = toScimGroup(scimGroupId(group), group, `${url}/Groups`);
    deps.logger.info('scim group created', {
      source: 'scim',
      group: group.displayName,
      mapped: mappedScimGroup(deps.groupMapping, resource.id, group) !== undefined,
    });
    return scimJson(STATUS.created, resource, { location: resource.meta.location });
  }
  allow(req, ['GET', 'PUT', 'PATCH', 'DELETE']);
  const group = knownGroup(deps.groupMapping, id);
  switch (req.method) {
    case 'PATCH':
      await patchScimGroup(deps, id, body());
      return empty(STATUS.noContent);
    case 'DELETE':
      return empty(STATUS.noContent);
    case 'PUT':
      return scimJson(STATUS.ok, toScimGroup(id, pushedGroupFromBody(body()), `${url}/Groups`));
    default:
      return scimJson(STATUS.ok, toScimGroup(id, group, `${url}/Groups`));
  }
}

function userResponse(
  status: number,
  record: IdentityRecord,
  url: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return scimJson(status, toScimUser(record, `${url}/Users`), { etag: etag(record), ...headers });
}

function scimJson(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { 'content-type': SCIM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

function allow(req: HttpRequest, methods: readonly string[]): void {
  if (!methods.includes(req.method)) throw new MethodNotAllowedError(methods);
}

function found<T>(value: T | undefined, id: string): T {
  if (value === undefined) throw scimNotFound(id);
  return value;
}

function locationOf(resource: Record<string, unknown>): string {
  return String((resource.meta as { location: string }).location);
}

/** Absolute base URL when the Host header is known (meta.location), else the path alone. */
function baseUrl(req: HttpRequest, base: string): string {
  const host = req.headers.host;
  if (host === undefined || !/^[\w.-]+(:\d+)?$/.test(host)) return base;
  const proto = req.headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  return `${proto}://${host}${base}`;
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}
