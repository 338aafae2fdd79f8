import {
  checkRequest,
  matchOperation,
  ORG_ID_PARAMETER,
  pathServedWithOtherMethod,
  scopeGranted,
  ZOHO_ERROR,
  ZOHO_FIRST_INDEX,
  ZOHO_MAX_PAGE_SIZE,
  ZOHO_OPERATIONS,
  type ZohoOperationName,
} from '#core/contract/zoho-desk.ts';
import type { SandboxGroup, SandboxStore, SandboxUser } from './store.ts';

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

const zohoError = (status: number, errorCode: string, message: string): SandboxResponse => ({
  status,
  body: { errorCode, message },
});

/** Common.json urlNotFoundErrorResponse. */
export const urlNotFound = (): SandboxResponse =>
  zohoError(404, ZOHO_ERROR.urlNotFound, 'The URL you requested could not be found.');

/**
 * A served path asked with a method it does not take: 405 with Common.json's errorJson code
 * `METHOD_NOT_ALLOWED` (decided with the route, before auth, like URL_NOT_FOUND).
 */
const methodNotAllowed = (): SandboxResponse =>
  zohoError(405, 'METHOD_NOT_ALLOWED', 'The HTTP method is not allowed for the requested URL.');

const invalidOauth = () =>
  zohoError(401, ZOHO_ERROR.invalidOAuth, 'The OAuth Token you provided is invalid.');

/** Common.json invalidDataErrorResponse: 422 with `errors[{fieldName, errorType}]`. */
const invalidData = (
  errors: readonly { fieldName: string; errorType: 'invalid' | 'missing' }[],
): SandboxResponse => ({
  status: 422,
  body: {
    errorCode: ZOHO_ERROR.invalidData,
    message: 'The data does not comply to the validation restrictions defined.',
    errors: errors.map((e) => ({ ...e })),
  },
});

/** Control endpoints (`/_sandbox/*`): a body that is not JSON (stable control surface). */
export const invalidJson = (): SandboxResponse =>
  zohoError(400, ZOHO_ERROR.invalidData, 'The request body is not valid JSON.');

/** Unpublished endpoints keep the sandbox's own not-found answer (nothing to follow there). */
const resourceNotFound = (what: string) =>
  zohoError(404, 'RESOURCE_NOT_FOUND', `The requested resource does not exist: ${what}.`);

const noContent = (): SandboxResponse => ({ status: 204 });

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

/** A list page (1-based `from`, `limit` ≤ 50); an empty page is 204 No Content. */
function listPage<T>(request: SandboxRequest, items: readonly T[], row: (item: T) => unknown) {
  const from = Number(request.query.get('from') ?? ZOHO_FIRST_INDEX);
  const limit = Number(request.query.get('limit') ?? ZOHO_MAX_PAGE_SIZE);
  const page = items.slice(from - 1, from - 1 + limit);
  if (page.length === 0) return noContent();
  return { status: 200, body: { data: page.map(row) } };
}

/** getUsers row (User.json userDetailJson): no `helpCenterId`, the address is `emailAddress`. */
export function userRow(user: SandboxUser) {
  return {
    id: user.id,
    name: user.name ?? displayName(user.email),
    photoUrl: null,
    emailAddress: user.email,
    userType: user.userType ?? 'ENDUSER',
    status: user.status ?? 'ACTIVE',
    lastAccessedTime: null,
    label: null,
  };
}

/** getUserDetails body (User.json userDetailViewJson): `email[]` instead of `emailAddress`. */
export function userDetails(user: SandboxUser) {
  return {
    id: user.id,
    name: user.name ?? displayName(user.email),
    photoUrl: null,
    lastAccessedTime: null,
    contactId: null,
    userType: user.userType ?? 'ENDUSER',
    label: null,
    email: [{ emailAddress: user.email, isVerified: true, isPrimary: true }],
    status: user.status ?? 'ACTIVE',
  };
}

/** getUserGroups row (HelpcenterGroups.json groupMetaResponse). */
export function groupRow(group: SandboxGroup) {
  return {
    id: group.id,
    name: group.name,
    addedTime: null,
    helpCenterId: group.helpCenterId,
    logoUrl: null,
    status: 'ACTIVE',
  };
}

type Handler = (
  store: SandboxStore,
  request: SandboxRequest,
  params: Record<string, string>,
) => SandboxResponse;

const unknownId = (field: string) =>
  invalidData([{ fieldName: `/${field}`, errorType: 'invalid' }]);

const jsonBody = (request: SandboxRequest) =>
  JSON.parse(request.body.toString('utf8')) as Record<string, string[]>;

/** Endpoint behaviour per contract operation (parameters are already checked against the spec). */
const handlers: Record<ZohoOperationName, Handler> = {
  getUsers: (store, request) => {
    const helpCenterId = request.query.get('helpCenterId') ?? store.defaultHelpCenterId;
    if (!store.helpCenterExists(helpCenterId)) return unknownId('helpCenterId');
    // Without `status`, only ACTIVE users are listed (a client must ask for DISABLED ones).
    const status = request.query.get('status') ?? 'ACTIVE';
    const searchBy = request.query.get('searchBy');
    const users = store.users.filter(
      (u) =>
        u.helpCenterId === helpCenterId &&
        (status === 'ALL' || (u.status ?? 'ACTIVE') === status) &&
        (searchBy === null || u.email.toLowerCase().includes(searchBy.trim().toLowerCase())),
    );
    return listPage(request, users, userRow);
  },
  getUserGroups: (store, request, { userId = '' }) => {
    const user = store.user(userId);
    if (user === undefined) return unknownId('userId');
    const helpCenterId = request.query.get('helpCenterId');
    if (helpCenterId !== null && !store.helpCenterExists(helpCenterId)) {
      return unknownId('helpCenterId');
    }
    const groups = store
      .groupsOf(user)
      .filter((g) => helpCenterId === null || g.helpCenterId === helpCenterId);
    return listPage(request, groups, groupRow);
  },
  deleteGroupsFromUsers: (store, request, { userId = '' }) => {
    const user = store.user(userId);
    if (user === undefined) return unknownId('userId');
    const helpCenterId = request.query.get('helpCenterId');
    if (helpCenterId !== null && !store.helpCenterExists(helpCenterId)) {
      return unknownId('helpCenterId');
    }
    const { groupIds = [] } = jsonBody(request);
    return {
      status: 200,
      body: { results: groupIds.map((id) => dissociate(store, user, id, helpCenterId)) },
    };
  },
  deleteHCGroupUsers: (store, request, { groupId = '' }) => {
    if (store.group(groupId) === undefined) return unknownId('groupId');
    store.removeMembers(groupId, jsonBody(request).userIds ?? []);
    return noContent();
  },
  getUserDetails: (store, request, { userId = '' }) => {
    const user = store.user(userId);
    const helpCenterId = request.query.get('helpCenterId');
    if (helpCenterId !== null && !store.helpCenterExists(helpCenterId)) {
      return unknownId('helpCenterId');
    }
    if (user === undefined || (helpCenterId !== null && user.helpCenterId !== helpCenterId)) {
      return unknownId('userId');
    }
    return { status: 200, body: userDetails(user) };
  },
  removePortalUser: (store, _request, { userId = '' }) => {
    const user = store.user(userId);
    if (user === undefined) return urlNotFound();
    store.removePortalUser(user);
    return noContent();
  },
  getAllHelpCenters: (store, request) =>
    listPage(request, store.seed.helpCenters, (hc) => ({
      id: hc.id,
      name: hc.name,
      status: 'ACTIVE',
      isDefault: hc.id === store.defaultHelpCenterId,
    })),
  getHelpCenterGroupList: (store, request) => {
    const helpCenterId = request.query.get('helpCenterId');
    if (helpCenterId !== null && !store.helpCenterExists(helpCenterId)) {
      return unknownId('helpCenterId');
    }
    // HelpcenterGroups.json addGroupResponse rows (every field required, most nullable).
    const groups = store.groups.filter(
      (g) => helpCenterId === null || g.helpCenterId === helpCenterId,
    );
    return listPage(request, groups, (g) => ({
      id: g.id,
      name: g.name,
      helpCenterId: g.helpCenterId,
      status: 'ACTIVE',
      count: String(store.users.filter((u) => u.groupIds.includes(g.id)).length),
      description: null,
      createdTime: null,
      modifiedTime: null,
      creator: null,
      modifier: null,
      isAssociated: null,
      logoUrl: null,
    }));
  },
  deleteHelpCenterUserGroup: (store, _request, { groupId = '' }) => {
    if (store.group(groupId) === undefined) return unknownId('groupId');
    store.deleteGroup(groupId);
    return noContent();
  },
  removeUserFromHelpCenterGroups: (store, _request, { helpCenterId = '', userId = '' }) => {
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
  removeUsersFromHelpCenterGroup: (store, request, { helpCenterId = '', groupId = '' }) => {
    if (!store.helpCenterExists(helpCenterId)) {
      return resourceNotFound(`help center ${helpCenterId}`);
    }
    if (store.group(groupId)?.helpCenterId !== helpCenterId) {
      return resourceNotFound(`group ${groupId} in help center ${helpCenterId}`);
    }
    store.removeMembers(groupId, jsonBody(request).userIds ?? []);
    return noContent();
  },
};

/** One deleteGroupsFromUsers result (User.json massActionJsonResponse; the code is nested). */
function dissociate(
  store: SandboxStore,
  user: SandboxUser,
  groupId: string,
  helpCenterId: string | null,
) {
  const group = store.group(groupId);
  const refuse = (error: string) => ({
    success: false,
    id: groupId,
    errors: { errorCode: ZOHO_ERROR.invalidData, error, httpCode: 422 },
  });
  if (group === undefined) return refuse('The group does not exist');
  if (helpCenterId !== null && group.helpCenterId !== helpCenterId) {
    return refuse('The group is not in this help center');
  }
  if (!user.groupIds.includes(groupId)) return refuse('The user is not a member of the group');
  store.removeMembers(groupId, [user.id]);
  return { success: true, id: groupId, errors: null };
}

/**
 * Serves `/api/v1/*` the way Zoho would: a method and path outside the contract → 404
 * URL_NOT_FOUND (the unpublished endpoints only when `unpublished`); then token (401
 * INVALID_OAUTH), org id (`orgId` header or query; missing → 422 INVALID_DATA, another org → 400
 * OAUTH_ORG_MISMATCH), scope (403 SCOPE_MISMATCH), parameters (422 INVALID_DATA with
 * `errors[]`), then the endpoint.
 */
export function handleApi(
  store: SandboxStore,
  request: SandboxRequest,
  options: { unpublished: boolean },
): SandboxResponse {
  const matched = matchOperation(request.method, request.path, {
    includeUnpublished: options.unpublished,
  });
  if (matched === undefined) {
    return pathServedWithOtherMethod(request.method, request.path, {
      includeUnpublished: options.unpublished,
    })
      ? methodNotAllowed()
      : urlNotFound();
  }

  const authorization = /^zoho-oauthtoken\s+(\S+)\s*$/i.exec(
    header(request, 'authorization') ?? '',
  );
  const token = authorization?.[1] === undefined ? undefined : store.token(authorization[1]);
  if (token === undefined) return invalidOauth();

  const orgId =
    header(request, ORG_ID_PARAMETER.header)?.trim() ??
    request.query.get(ORG_ID_PARAMETER.name) ??
    '';
  if (orgId === '') return invalidData([{ fieldName: '/orgId', errorType: 'missing' }]);
  if (orgId !== store.orgId) {
    return zohoError(
      400,
      ZOHO_ERROR.orgMismatch,
      'The OAuth token was generated for a different organization than the orgId given.',
    );
  }

  const operation = ZOHO_OPERATIONS[matched.name];
  if (!scopeGranted(token.scopes, operation.scopes)) {
    return zohoError(
      403,
      ZOHO_ERROR.scopeMismatch,
      `The OAuth token does not have the scope this request needs: one of ${operation.scopes.join(', ')}.`,
    );
  }
  const violations = checkRequest(matched, request.query, request.body.toString('utf8'));
  if (violations.length > 0) return invalidData(violations);
  return handlers[matched.name](store, request, matched.params);
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
