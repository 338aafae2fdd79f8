import { PermanentError } from '#core/domain/errors.ts';

/**
 * The only module that builds Help Center requests. Every builder validates its ids, encodes path
 * segments and returns one of the allowlisted shapes below; `assertAllowed` checks the finished
 * request again before it is sent. Nothing here can produce `DELETE /api/v1/groups/{groupId}`.
 */

export type HelpCenterOperation =
  | 'find-users-by-email'
  | 'list-user-groups'
  | 'remove-user-from-help-center-groups'
  | 'dissociate-user-groups'
  | 'remove-users-from-group-in-help-center'
  | 'remove-users-from-group';

export interface HelpCenterRequest {
  operation: HelpCenterOperation;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, starting with `/api/v1/`. */
  path: string;
  /** JSON body, for the requests that carry one. */
  body?: string;
}

/** Zoho ids: digits, or letters, digits, `_` and `-`; never `/`, `.`, `%` or empty. */
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const ID = '[A-Za-z0-9_-]{1,64}';
/** Characters `encodeURIComponent` can leave in a query value. */
const QUERY_VALUE = "[A-Za-z0-9\\-_.!~*'()%]{1,800}";
const MAX_EMAIL_LENGTH = 254;
/** Largest id list we put in one body (Zoho caps bulk operations; we never need more). */
export const MAX_IDS_PER_REQUEST = 100;

interface AllowedShape {
  operation: HelpCenterOperation;
  method: HelpCenterRequest['method'];
  path: RegExp;
  /** Key of the non-empty id array the body must hold, or undefined for no body. */
  bodyIds?: 'groupIds' | 'userIds';
}

/** The allowlist: method, exact path pattern and body shape of every request the client may send. */
export const ALLOWED_REQUESTS: readonly AllowedShape[] = [
  {
    operation: 'find-users-by-email',
    method: 'GET',
    path: new RegExp(`^/api/v1/users\\?searchBy=${QUERY_VALUE}&from=\\d{1,5}&limit=\\d{1,3}$`),
  },
  {
    operation: 'list-user-groups',
    method: 'GET',
    path: new RegExp(`^/api/v1/users/${ID}/groups$`),
  },
  {
    operation: 'remove-user-from-help-center-groups',
    method: 'DELETE',
    path: new RegExp(`^/api/v1/helpcenter/${ID}/users/${ID}/groups$`),
  },
  {
    operation: 'dissociate-user-groups',
    method: 'POST',
    path: new RegExp(`^/api/v1/users/${ID}/groups/dissociate$`),
    bodyIds: 'groupIds',
  },
  {
    operation: 'remove-users-from-group-in-help-center',
    method: 'DELETE',
    path: new RegExp(`^/api/v1/helpcenter/${ID}/groups/${ID}/users$`),
    bodyIds: 'userIds',
  },
  {
    operation: 'remove-users-from-group',
    method: 'POST',
    path: new RegExp(`^/api/v1/groups/${ID}/users/remove$`),
    bodyIds: 'userIds',
  },
];

function refuse(message: string): PermanentError {
  return new PermanentError(message, 'permanent', { errorCode: 'REQUEST_NOT_ALLOWED' });
}

/** Whether `value` is a well-formed Zoho id. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Validates and encodes one id for a path segment. @throws PermanentError on a malformed id */
function segment(value: string, what: string): string {
  if (!isValidId(value)) throw refuse(`Refusing to build a request: ${what} is not a valid id`);
  return encodeURIComponent(value);
}

function idList(values: readonly string[], what: string): string[] {
  if (values.length === 0) throw refuse(`Refusing to build a request with an empty ${what} list`);
  if (values.length > MAX_IDS_PER_REQUEST) {
    throw refuse(`Refusing to build a request with more than ${MAX_IDS_PER_REQUEST} ${what}`);
  }
  const unique = [...new Set(values)];
  for (const value of unique) segment(value, what);
  return unique;
}

/** Largest page Zoho serves for a list; the lookup pages with it. */
export const LOOKUP_PAGE_SIZE = 100;

/**
 * `GET /api/v1/users?searchBy=<email>&from=<index>&limit=100` (a contains-match on Zoho's side, so
 * callers filter exactly and page until a short page).
 */
export function buildFindUsersByEmail(email: string, from = 0): HelpCenterRequest {
  if (!Number.isInteger(from) || from < 0 || from > 99_999) {
    throw refuse('Refusing to build a lookup: the page index is out of range');
  }
  const trimmed = email.trim();
  if (
    trimmed.length === 0 ||
    trimmed.length > MAX_EMAIL_LENGTH ||
    !trimmed.includes('@') ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    /[\s\u0000-\u001f\u007f]/.test(trimmed)
  ) {
    throw refuse('Refusing to build a lookup: the email address is malformed');
  }
  return assertAllowed({
    operation: 'find-users-by-email',
    method: 'GET',
    path: `/api/v1/users?searchBy=${encodeURIComponent(trimmed)}&from=${from}&limit=${LOOKUP_PAGE_SIZE}`,
  });
}

/** `GET /api/v1/users/{userId}/groups` (zoho-desk-v1 removal and verify-after). */
export function buildListUserGroups(userId: string): HelpCenterRequest {
  return assertAllowed({
    operation: 'list-user-groups',
    method: 'GET',
    path: `/api/v1/users/${segment(userId, 'userId')}/groups`,
  });
}

/** `DELETE /api/v1/helpcenter/{helpCenterId}/users/{userId}/groups` (dialect user-groups-delete). */
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

/** `POST /api/v1/users/{userId}/groups/dissociate` with `{"groupIds":[…]}` (dialect zoho-desk-v1). */
export function buildDissociateUserGroups(
  userId: string,
  groupIds: readonly string[],
): HelpCenterRequest {
  return assertAllowed({
    operation: 'dissociate-user-groups',
    method: 'POST',
    path: `/api/v1/users/${segment(userId, 'userId')}/groups/dissociate`,
    body: JSON.stringify({ groupIds: idList(groupIds, 'groupIds') }),
  });
}

/** Group-centric, dialect user-groups-delete: `DELETE /api/v1/helpcenter/{hc}/groups/{groupId}/users`. */
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

/** Group-centric, dialect zoho-desk-v1: `POST /api/v1/groups/{groupId}/users/remove`. */
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
  const shape = ALLOWED_REQUESTS.find((s) => s.operation === request.operation);
  if (
    shape === undefined ||
    shape.method !== request.method ||
    !shape.path.test(request.path) ||
    !bodyMatches(shape.bodyIds, request.body)
  ) {
    throw refuse(
      `Refusing to send ${request.method} request: not an allowlisted Help Center request`,
    );
  }
  return request;
}
