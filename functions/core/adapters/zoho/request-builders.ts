import {
  ZOHO_FIRST_INDEX,
  ZOHO_ID_PATTERN,
  ZOHO_MAX_PAGE_SIZE,
  ZOHO_MIN_SEARCH_LENGTH,
  ZOHO_OPERATIONS,
  type ZohoOperationName,
} from '#core/contract/zoho-desk.ts';
import { PermanentError } from '#core/domain/errors.ts';

/**
 * The only module that builds Help Center requests. Every builder validates its ids, encodes path
 * segments and query values and returns one of the allowlisted shapes below, each of which is an
 * operation of the Zoho Desk contract (`#core/contract/zoho-desk.ts`) used within its parameter
 * rules; `assertAllowed` checks the finished request again before it is sent. Nothing here can
 * produce `DELETE /api/v1/groups/{groupId}` (deleteHelpCenterUserGroup).
 */

export type HelpCenterOperation =
  | 'find-users-by-email'
  | 'list-user-groups'
  | 'remove-user-from-help-center-groups'
  | 'dissociate-user-groups'
  | 'remove-users-from-group-in-help-center'
  | 'remove-users-from-group'
  | 'remove-portal-user'
  | 'get-user-details'
  | PreflightOperation;

/** Read-only requests of preflight and the start-up check (PREFLIGHT_REQUESTS). */
export type PreflightOperation =
  | 'list-help-center-groups'
  | 'probe-user-groups-delete'
  | 'probe-group-users-delete';

export interface HelpCenterRequest {
  operation: HelpCenterOperation;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, starting with `/api/v1/`. */
  path: string;
  /** JSON body, for the requests that carry one. */
  body?: string;
}

const ID = '[0-9]{1,19}';
/** Characters `encodeURIComponent` can leave in a query value. */
const QUERY_VALUE = "[A-Za-z0-9\\-_.!~*'()%]{1,800}";
const MAX_EMAIL_LENGTH = 254;
/** Largest first index we page to (the lookup gives up long before; see the client). */
const MAX_FROM = 99_951;
/**
 * Largest id list we put in one body. The spec sets no maxItems on `groupIds` or `userIds`
 * (HelpcenterGroups.json groupIds, removeUserInput); this is our own bound.
 */
export const MAX_IDS_PER_REQUEST = 100;
/** Page size of every list we read: the spec's maximum `limit` (50). */
export const LOOKUP_PAGE_SIZE = ZOHO_MAX_PAGE_SIZE;
/**
 * `searchBy` characters the spec allows (User.json getUsers `searchBy.pattern`, where
 * `\P{InBasicLatin}` is any non-ASCII character). An address outside it cannot be searched.
 */
const SEARCH_BY_CHARACTERS = /^[0-9a-zA-Z_\-&.$@^(){}~=|*+?[\],:"'/!\s\u0080-\u{10FFFF}]+$/u;

interface AllowedShape {
  operation: HelpCenterOperation;
  /** The contract operation this shape sends. */
  contract: ZohoOperationName;
  method: HelpCenterRequest['method'];
  path: RegExp;
  /** Key of the non-empty id array the body must hold, or undefined for no body. */
  bodyIds?: 'groupIds' | 'userIds';
  /**
   * A dialect probe: a GET on the path of the (DELETE-only) `contract` operation, which a server
   * serving that path routes and refuses with 405 METHOD_NOT_ALLOWED, and any other answers 404
   * URL_NOT_FOUND. GET is a safe method (RFC 9110 §9.2.1): it cannot ask the server to change
   * anything, and the probe names user or group id 0 besides.
   */
  probe?: true;
}

const PAGE = `from=[1-9]\\d{0,4}&limit=${LOOKUP_PAGE_SIZE}`;

/** The allowlist: method, exact path pattern and body shape of every request the client may send. */
export const ALLOWED_REQUESTS: readonly AllowedShape[] = [
  {
    operation: 'find-users-by-email',
    contract: 'getUsers',
    method: 'GET',
    path: new RegExp(
      `^/api/v1/users\\?searchBy=${QUERY_VALUE}&helpCenterId=${ID}&status=ALL&${PAGE}$`,
    ),
  },
  {
    operation: 'list-user-groups',
    contract: 'getUserGroups',
    method: 'GET',
    path: new RegExp(`^/api/v1/users/${ID}/groups\\?(helpCenterId=${ID}&)?${PAGE}$`),
  },
  {
    operation: 'remove-user-from-help-center-groups',
    contract: 'removeUserFromHelpCenterGroups',
    method: 'DELETE',
    path: new RegExp(`^/api/v1/helpcenter/${ID}/users/${ID}/groups$`),
  },
  {
    operation: 'dissociate-user-groups',
    contract: 'deleteGroupsFromUsers',
    method: 'POST',
    path: new RegExp(`^/api/v1/users/${ID}/groups/dissociate\\?helpCenterId=${ID}$`),
    bodyIds: 'groupIds',
  },
  {
    operation: 'remove-users-from-group-in-help-center',
    contract: 'removeUsersFromHelpCenterGroup',
    method: 'DELETE',
    path: new RegExp(`^/api/v1/helpcenter/${ID}/groups/${ID}/users$`),
    bodyIds: 'userIds',
  },
  {
    operation: 'remove-users-from-group',
    contract: 'deleteHCGroupUsers',
    method: 'POST',
    path: new RegExp(`^/api/v1/groups/${ID}/users/remove$`),
    bodyIds: 'userIds',
  },
  {
    operation: 'remove-portal-user',
    contract: 'removePortalUser',
    method: 'POST',
    path: new RegExp(`^/api/v1/portalUsers/${ID}/removeUser$`),
  },
  {
    operation: 'get-user-details',
    contract: 'getUserDetails',
    method: 'GET',
    path: new RegExp(`^/api/v1/users/${ID}\\?helpCenterId=${ID}$`),
  },
];

/**
 * Id the dialect probes put where a user or group id goes: it satisfies the path's `([0-9]+)`
 * pattern, so the path routes exactly as a real one would, and names no record.
 */
export const PROBE_ID = '0';

/**
 * Read-only requests, sent only by preflight and the local runner's start-up check: every one is
 * a GET without a body (`assertAllowed` enforces it), so none can change anything.
 */
export const PREFLIGHT_REQUESTS: readonly AllowedShape[] = [
  {
    operation: 'list-help-center-groups',
    contract: 'getHelpCenterGroupList',
    method: 'GET',
    path: new RegExp(`^/api/v1/groups\\?helpCenterId=${ID}&${PAGE}$`),
  },
  {
    operation: 'probe-user-groups-delete',
    contract: 'removeUserFromHelpCenterGroups',
    method: 'GET',
    path: new RegExp(`^/api/v1/helpcenter/${ID}/users/${PROBE_ID}/groups$`),
    probe: true,
  },
  {
    operation: 'probe-group-users-delete',
    contract: 'removeUsersFromHelpCenterGroup',
    method: 'GET',
    path: new RegExp(`^/api/v1/helpcenter/${ID}/groups/${PROBE_ID}/users$`),
    probe: true,
  },
];

const shapeOf = (operation: HelpCenterOperation) =>
  ALLOWED_REQUESTS.find((s) => s.operation === operation) ??
  PREFLIGHT_REQUESTS.find((s) => s.operation === operation);

/** The contract operation a builder operation sends (for hints and contract checks). */
export function contractOperation(operation: HelpCenterOperation): ZohoOperationName {
  const shape = shapeOf(operation);
  if (shape === undefined) throw refuse('unknown Help Center operation');
  return shape.contract;
}

function refuse(message: string): PermanentError {
  return new PermanentError(message, 'permanent', { errorCode: 'REQUEST_NOT_ALLOWED' });
}

/** Whether `value` is a well-formed Zoho id (`([0-9]+)`, int64, in every path of the spec). */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ZOHO_ID_PATTERN.test(value);
}

/** Validates and encodes one id for a path segment or query value. @throws PermanentError */
function segment(value: string, what: string): string {
  if (!isValidId(value)) throw refuse(`Refusing to build a request: ${what} is not a valid id`);
  return encodeURIComponent(value);
}

function idList(values: readonly string[], what: string): string[] {
  if (values.length === 0) throw refuse(`Refusing to build a request with an empty ${what} list`);
  const unique = [...new Set(values)];
  if (unique.length > MAX_IDS_PER_REQUEST) {
    throw refuse(`Refusing to build a request with more than ${MAX_IDS_PER_REQUEST} ${what}`);
  }
  for (const value of unique) segment(value, what);
  return unique;
}

function page(from: number): string {
  if (!Number.isInteger(from) || from < ZOHO_FIRST_INDEX || from > MAX_FROM) {
    throw refuse('Refusing to build a list request: the page index is out of range');
  }
  return `from=${from}&limit=${LOOKUP_PAGE_SIZE}`;
}

/**
 * getUsers (User.json): `GET /api/v1/users?searchBy=<email>&helpCenterId=<id>&status=ALL&from=<n>&limit=50`.
 * `searchBy` is a contains-match, so callers filter rows exactly and page (1-based, step 50) until
 * a short page. `status=ALL` so that DISABLED users (who keep their memberships) are found too.
 */
export function buildFindUsersByEmail(
  email: string,
  helpCenterId: string,
  from = ZOHO_FIRST_INDEX,
): HelpCenterRequest {
  const pageQuery = page(from);
  const trimmed = email.trim();
  if (
    [...trimmed].length < ZOHO_MIN_SEARCH_LENGTH ||
    trimmed.length > MAX_EMAIL_LENGTH ||
    !trimmed.includes('@') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\s\u0000-\u001f\u007f]/.test(trimmed) ||
    !SEARCH_BY_CHARACTERS.test(trimmed)
  ) {
    throw refuse('Refusing to build a lookup: the email address is malformed');
  }
  return assertAllowed({
    operation: 'find-users-by-email',
    method: 'GET',
    path: `/api/v1/users?searchBy=${encodeURIComponent(trimmed)}&helpCenterId=${segment(helpCenterId, 'helpCenterId')}&status=ALL&${pageQuery}`,
  });
}

/**
 * getUserGroups (User.json): `GET /api/v1/users/{userId}/groups?[helpCenterId=<id>&]from=<n>&limit=50`
 * (zoho-desk-v1 removal and verify-after), paged like the lookup.
 */
export function buildListUserGroups(
  userId: string,
  options: { helpCenterId?: string; from?: number } = {},
): HelpCenterRequest {
  const pageQuery = page(options.from ?? ZOHO_FIRST_INDEX);
  const hc =
    options.helpCenterId === undefined
      ? ''
      : `helpCenterId=${segment(options.helpCenterId, 'helpCenterId')}&`;
  return assertAllowed({
    operation: 'list-user-groups',
    method: 'GET',
    path: `/api/v1/users/${segment(userId, 'userId')}/groups?${hc}${pageQuery}`,
  });
}

/** Unpublished (mission): `DELETE /api/v1/helpcenter/{helpCenterId}/users/{userId}/groups`. */
export function buildRemoveUserFromHelpCenterGroups(
  helpCenterId: string,
  userId: string,
): HelpCenterRequest {
  return assertAllowed({
    operation: 'remove-user-from-help-center-groups',
    method: 'DELETE',
    path: `/api/v1/helpcenter/${segment(helpCenterId, 'helpCenterId')}/users/${segment(userId, 'userId')}/groups`,
  });
}

/**
 * deleteGroupsFromUsers (User.json): `POST /api/v1/users/{userId}/groups/dissociate?helpCenterId=<id>`
 * with `{"groupIds":[…]}` (HelpcenterGroups.json requestBodies.groupIds).
 */
export function buildDissociateUserGroups(
  userId: string,
  helpCenterId: string,
  groupIds: readonly string[],
): HelpCenterRequest {
  return assertAllowed({
    operation: 'dissociate-user-groups',
    method: 'POST',
    path: `/api/v1/users/${segment(userId, 'userId')}/groups/dissociate?helpCenterId=${segment(helpCenterId, 'helpCenterId')}`,
    body: JSON.stringify({ groupIds: idList(groupIds, 'groupIds') }),
  });
}

/** Unpublished (mission), group-centric: `DELETE /api/v1/helpcenter/{hc}/groups/{groupId}/users`. */
export function buildRemoveUsersFromGroupInHelpCenter(
  helpCenterId: string,
  groupId: string,
  userIds: readonly string[],
): HelpCenterRequest {
  return assertAllowed({
    operation: 'remove-users-from-group-in-help-center',
    method: 'DELETE',
    path: `/api/v1/helpcenter/${segment(helpCenterId, 'helpCenterId')}/groups/${segment(groupId, 'groupId')}/users`,
    body: JSON.stringify({ userIds: idList(userIds, 'userIds') }),
  });
}

/**
 * deleteHCGroupUsers (HelpcenterGroups.json): `POST /api/v1/groups/{groupId}/users/remove` with
 * `{"userIds":[…]}` (removeUserInput, minItems 1).
 */
export function buildRemoveUsersFromGroup(
  groupId: string,
  userIds: readonly string[],
): HelpCenterRequest {
  return assertAllowed({
    operation: 'remove-users-from-group',
    method: 'POST',
    path: `/api/v1/groups/${segment(groupId, 'groupId')}/users/remove`,
    body: JSON.stringify({ userIds: idList(userIds, 'userIds') }),
  });
}

/**
 * getHelpCenterGroupList (HelpcenterGroups.json):
 * `GET /api/v1/groups?helpCenterId=<id>&from=<n>&limit=50`, the groups of one help center, paged.
 */
export function buildListHelpCenterGroups(
  helpCenterId: string,
  from = ZOHO_FIRST_INDEX,
): HelpCenterRequest {
  const pageQuery = page(from);
  return assertAllowed({
    operation: 'list-help-center-groups',
    method: 'GET',
    path: `/api/v1/groups?helpCenterId=${segment(helpCenterId, 'helpCenterId')}&${pageQuery}`,
  });
}

/**
 * removePortalUser (User.json): `POST /api/v1/portalUsers/{userId}/removeUser`, no body. Removes the
 * user's portal access (opt-in, after the group removal of a full deprovision).
 */
export function buildRemovePortalUser(userId: string): HelpCenterRequest {
  return assertAllowed({
    operation: 'remove-portal-user',
    method: 'POST',
    path: `/api/v1/portalUsers/${segment(userId, 'userId')}/removeUser`,
  });
}

/**
 * Dialect probe: `GET` on the path of one of the mission's unpublished DELETE endpoints, with id 0
 * (PROBE_ID) for the user or group. An org serving the endpoint routes the path and refuses the
 * method (405 METHOD_NOT_ALLOWED, Common.json errorJson.errorCode); an org without it answers 404
 * URL_NOT_FOUND (Common.json urlNotFoundErrorResponse). Nothing about it can change anything.
 */
export function buildDialectProbe(
  endpoint: 'user-groups-delete' | 'group-users-delete',
  helpCenterId: string,
): HelpCenterRequest {
  const hc = segment(helpCenterId, 'helpCenterId');
  return assertAllowed(
    endpoint === 'user-groups-delete'
      ? {
          operation: 'probe-user-groups-delete',
          method: 'GET',
          path: `/api/v1/helpcenter/${hc}/users/${PROBE_ID}/groups`,
        }
      : {
          operation: 'probe-group-users-delete',
          method: 'GET',
          path: `/api/v1/helpcenter/${hc}/groups/${PROBE_ID}/users`,
        },
  );
}

/**
 * getUserDetails (User.json): `GET /api/v1/users/{userId}?helpCenterId=<id>`, whose `status`
 * (ACTIVE, DISABLED, DELETED) verifies a portal access removal.
 */
export function buildGetUserDetails(userId: string, helpCenterId: string): HelpCenterRequest {
  return assertAllowed({
    operation: 'get-user-details',
    method: 'GET',
    path: `/api/v1/users/${segment(userId, 'userId')}?helpCenterId=${segment(helpCenterId, 'helpCenterId')}`,
  });
}

function bodyMatches(key: AllowedShape['bodyIds'], body: string | undefined): boolean {
  if (key === undefined) return body === undefined;
  if (body === undefined) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const keys = Object.keys(parsed);
  const ids = (parsed as Record<string, unknown>)[key];
  return (
    keys.length === 1 &&
    Array.isArray(ids) &&
    ids.length > 0 &&
    ids.length <= MAX_IDS_PER_REQUEST &&
    ids.every(isValidId)
  );
}

/**
 * The last check before a request leaves the process.
 * @throws PermanentError when the request is not one of the allowlisted shapes.
 */
export function assertAllowed<R extends HelpCenterRequest>(request: R): R {
  const shape = shapeOf(request.operation);
  const preflight = shape !== undefined && PREFLIGHT_REQUESTS.includes(shape);
  if (
    shape === undefined ||
    shape.method !== request.method ||
    // Preflight shapes are reads: a GET without a body, whatever operation's path they address.
    (preflight && (request.method !== 'GET' || request.body !== undefined)) ||
    (shape.probe
      ? ZOHO_OPERATIONS[shape.contract].method === 'GET'
      : ZOHO_OPERATIONS[shape.contract].method !== request.method) ||
    !shape.path.test(request.path) ||
    !bodyMatches(shape.bodyIds, request.body)
  ) {
    throw refuse(
      `Refusing to send ${request.method} request: not an allowlisted Help Center request`,
    );
  }
  return request;
}
