import * as z from 'zod';
import type { SandboxStore, SandboxUser } from './store.ts';

/** What the sandbox answers: no body means an empty response. */
export interface SandboxResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SandboxRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  /** Base URL of the sandbox, returned as the token's `api_domain`. */
  baseUrl: string;
}

const READ_SCOPES = [
  'Desk.settings.READ',
  'Desk.settings.ALL',
  'Desk.basic.READ',
  'Desk.basic.ALL',
];
const DELETE_SCOPES = ['Desk.settings.DELETE', 'Desk.settings.ALL'];
const REMOVE_SCOPES = ['Desk.settings.DELETE', 'Desk.settings.UPDATE', 'Desk.settings.ALL'];

const zohoError = (status: number, errorCode: string, message: string): SandboxResponse => ({
  status,
  body: { errorCode, message },
});

export const urlNotFound = (): SandboxResponse =>
  zohoError(404, 'URL_NOT_FOUND', 'The URL you requested could not be found.');

const invalidOauth = () =>
  zohoError(401, 'INVALID_OAUTH', 'The OAuth Token you provided is invalid.');

const resourceNotFound = (what: string) =>
  zohoError(404, 'RESOURCE_NOT_FOUND', `The requested resource does not exist: ${what}.`);

const unprocessable = (fieldName: string, message: string): SandboxResponse => ({
  status: 422,
  body: {
    errorCode: 'UNPROCESSABLE_ENTITY',
    message,
    errors: [{ fieldName: `/${fieldName}`, errorType: 'invalid' }],
  },
});

export const invalidJson = (): SandboxResponse =>
  zohoError(400, 'INVALID_DATA', 'The request body is not valid JSON.');

const noContent = (): SandboxResponse => ({ status: 204 });

const IdListSchema = z.array(z.string().min(1)).min(1);

/**
 * Parses a JSON body and reads one non-empty id list from it.
 * Returns the ids or the Zoho error response to send.
 */
function idList(request: SandboxRequest, field: string): string[] | SandboxResponse {
  const text = request.body.toString('utf8');
  let parsed: unknown;
  if (text.trim() !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      return invalidJson();
    }
  }
  const ids = IdListSchema.safeParse(
    typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)[field]
      : undefined,
  );
  if (!ids.success) return unprocessable(field, `${field} must be a non-empty array of ids.`);
  return ids.data;
}

function displayName(email: string): string {
  const local = email.split('@')[0] ?? email;
  return local
    .split(/[._-]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}

const header = (request: SandboxRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

type Handler = (store: SandboxStore, request: SandboxRequest, params: string[]) => SandboxResponse;

interface Route {
  method: string;
  pattern: RegExp;
  scopes: readonly string[];
  handle: Handler;
}

const ID = '([^/]+)';

const routes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v1\/users$/,
    scopes: READ_SCOPES,
    handle: (store, request) => {
      const searchBy = request.query.get('searchBy');
      if (searchBy === null || searchBy.trim() === '') {
        return unprocessable('searchBy', 'searchBy is required.');
      }
      const from = Number(request.query.get('from') ?? '0');
      const limit = Number(request.query.get('limit') ?? '50');
      if (!Number.isInteger(from) || from < 0)
        return unprocessable('from', 'from must be 0 or more.');
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        return unprocessable('limit', 'limit must be between 1 and 100.');
      }
      // Zoho pages lists with from/limit; the search is a contains-match, in seed order.
      const users = store.searchUsers(searchBy.trim()).slice(from, from + limit);
      if (users.length === 0) return noContent();
      return {
        status: 200,
        body: {
          data: users.map((u) => ({
            id: u.id,
            emailId: u.email,
            name: displayName(u.email),
            helpCenterId: u.helpCenterId,
          })),
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/api/v1/users/${ID}/groups$`),
    scopes: READ_SCOPES,
    handle: (store, _request, [userId = '']) => {
      const user = store.user(userId);
      if (user === undefined) return resourceNotFound(`user ${userId}`);
      const groups = store.groupsOf(user);
      if (groups.length === 0) return noContent();
      return {
        status: 200,
        body: {
          data: groups.map((g) => ({ id: g.id, name: g.name, helpCenterId: g.helpCenterId })),
        },
      };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/users/${ID}/groups/dissociate$`),
    scopes: REMOVE_SCOPES,
    handle: (store, request, [userId = '']) => {
      const user = store.user(userId);
      if (user === undefined) return resourceNotFound(`user ${userId}`);
      const groupIds = idList(request, 'groupIds');
      if (!Array.isArray(groupIds)) return groupIds;
      return { status: 200, body: { results: groupIds.map((id) => dissociate(store, user, id)) } };
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/helpcenter/${ID}/users/${ID}/groups$`),
    scopes: DELETE_SCOPES,
    handle: (store, _request, [helpCenterId = '', userId = '']) => {
      if (!store.helpCenterExists(helpCenterId)) {
        return resourceNotFound(`help center ${helpCenterId}`);
      }
      const user = store.user(userId);
      if (user === undefined || user.helpCenterId !== helpCenterId) {
        return resourceNotFound(`user ${userId} in help center ${helpCenterId}`);
      }
      store.removeFromHelpCenterGroups(user, helpCenterId);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/helpcenter/${ID}/groups/${ID}/users$`),
    scopes: DELETE_SCOPES,
    handle: (store, request, [helpCenterId = '', groupId = '']) => {
      if (!store.helpCenterExists(helpCenterId)) {
        return resourceNotFound(`help center ${helpCenterId}`);
      }
      if (store.group(groupId)?.helpCenterId !== helpCenterId) {
        return resourceNotFound(`group ${groupId} in help center ${helpCenterId}`);
      }
      const userIds = idList(request, 'userIds');
      if (!Array.isArray(userIds)) return userIds;
      store.removeMembers(groupId, userIds);
      return noContent();
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/api/v1/groups/${ID}/users/remove$`),
    scopes: REMOVE_SCOPES,
    handle: (store, request, [groupId = '']) => {
      if (store.group(groupId) === undefined) return resourceNotFound(`group ${groupId}`);
      const userIds = idList(request, 'userIds');
      if (!Array.isArray(userIds)) return userIds;
      store.removeMembers(groupId, userIds);
      return noContent();
    },
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/api/v1/groups/${ID}$`),
    scopes: DELETE_SCOPES,
    handle: (store, _request, [groupId = '']) => {
      if (store.group(groupId) === undefined) return resourceNotFound(`group ${groupId}`);
      store.deleteGroup(groupId);
      return noContent();
    },
  },
];

function dissociate(store: SandboxStore, user: SandboxUser, groupId: string) {
  if (store.group(groupId) === undefined) {
    return {
      id: groupId,
      success: false,
      errorCode: 'RESOURCE_NOT_FOUND',
      message: 'The group does not exist.',
    };
  }
  if (!user.groupIds.includes(groupId)) {
    return {
      id: groupId,
      success: false,
      errorCode: 'RESOURCE_NOT_FOUND',
      message: 'The user is not a member of the group.',
    };
  }
  store.removeMembers(groupId, [user.id]);
  return { id: groupId, success: true };
}

function decodeSegments(match: RegExpExecArray): string[] | undefined {
  try {
    return match.slice(1).map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

/** Serves `/api/v1/*`: routing, then token, org and scope checks, then the endpoint itself. */
export function handleApi(store: SandboxStore, request: SandboxRequest): SandboxResponse {
  for (const route of routes) {
    if (route.method !== request.method) continue;
    const match = route.pattern.exec(request.path);
    if (match === null) continue;
    const params = decodeSegments(match);
    if (params === undefined) return urlNotFound();

    const authorization = /^zoho-oauthtoken\s+(\S+)\s*$/i.exec(
      header(request, 'authorization') ?? '',
    );
    const token = authorization?.[1] === undefined ? undefined : store.token(authorization[1]);
    if (token === undefined) return invalidOauth();

    const orgId = header(request, 'orgid')?.trim() ?? '';
    if (orgId === '') return zohoError(400, 'INVALID_ORG', 'orgId header is missing');
    if (orgId !== store.orgId) {
      return zohoError(400, 'INVALID_ORG', 'The orgId does not match any organization.');
    }

    const granted = new Set(token.scopes.map((s) => s.toLowerCase()));
    if (!route.scopes.some((s) => granted.has(s.toLowerCase()))) {
      return zohoError(
        403,
        'SCOPE_MISMATCH',
        `The OAuth token does not have the scope this request needs: one of ${route.scopes.join(', ')}.`,
      );
    }
    return route.handle(store, request, params);
  }
  return urlNotFound();
}

/** Serves `POST /oauth/v2/token` (parameters in the form body or the query string). */
export function handleToken(store: SandboxStore, request: SandboxRequest): SandboxResponse {
  const params = new URLSearchParams(request.query);
  for (const [name, value] of new URLSearchParams(request.body.toString('utf8'))) {
    params.set(name, value);
  }
  const result = store.mint({
    grantType: params.get('grant_type') ?? undefined,
    clientId: params.get('client_id') ?? undefined,
    clientSecret: params.get('client_secret') ?? undefined,
    refreshToken: params.get('refresh_token') ?? undefined,
  });
  if (result.ok) {
    return {
      status: 200,
      body: {
        access_token: result.accessToken,
        api_domain: request.baseUrl,
        token_type: 'Bearer',
        expires_in: result.expiresInSeconds,
      },
    };
  }
  if (result.error === 'Access Denied') {
    return {
      status: 200,
      body: {
        error: 'Access Denied',
        error_description:
          'You have made too many requests continuously. Please try again after some time.',
        status: 'failure',
      },
    };
  }
  return { status: 200, body: { error: result.error } };
}
