import * as z from './zod.ts';

/**
 * Zoho Desk's published API, as far as this service uses it, written from Zoho's OpenAPI documents
 * (repository zoho/zohodesk-oas, folder v1.0: User.json, HelpcenterGroups.json, Helpcenter.json,
 * Common.json). The request builders, the response parsers, the sandbox, the scope hints and the
 * README take their facts from here. Only the two operations marked `published: false` (the
 * mission's DELETE endpoints) are not in Zoho's spec.
 */
export const ZOHO_DESK_SPEC = 'zoho/zohodesk-oas v1.0';

/** Largest page Zoho serves for the lists we read (`limit` maximum 50, User.json getUsers). */
export const ZOHO_MAX_PAGE_SIZE = 50;
/** First index of a Zoho list (`from` minimum 1, default 1). */
export const ZOHO_FIRST_INDEX = 1;
/** Shortest `searchBy` keyword ("must contain at least two characters", User.json getUsers). */
export const ZOHO_MIN_SEARCH_LENGTH = 2;

/** Zoho ids: `format: int64`, `pattern: ([0-9]+)` on every id in the spec. */
export const ZOHO_ID_PATTERN = /^[0-9]{1,19}$/;
export const ZohoIdSchema = z.string().check(z.regex(ZOHO_ID_PATTERN));
/** Ids arrive as JSON strings or integers (`type: [string, integer]`); we keep them as strings. */
const IdOut = z.union([z.string().check(z.regex(ZOHO_ID_PATTERN)), z.int().check(z.nonnegative())]);
const Nullable = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);

// ---------------------------------------------------------------------------------------------
// Errors (Common.json components.schemas.errorJson, errorDetailArr; responses.*ErrorResponse)
// ---------------------------------------------------------------------------------------------

/** Common.json `errorJson.errorCode` enum. */
export const ZOHO_ERROR_CODES = [
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'INVALID_OAUTH',
  'SCOPE_MISMATCH',
  'OAUTH_ORG_MISMATCH',
  'FORBIDDEN',
  'LICENSE_ACCESS_LIMITED',
  'URL_NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'RESOURCE_SIZE_EXCEEDED',
  'UNSUPPORTED_MEDIA_TYPE',
  'INVALID_DATA',
  'EMPTY_PAYLOAD',
  'UNPROCESSABLE_ENTITY',
  'ONLY_LIVECHAT_USER',
  'DUPLICATE_CONTRACT',
  'INTEGRATION_ADMIN_ERROR',
  'THRESHOLD_EXCEEDED',
  'TOO_MANY_REQUESTS',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ZohoErrorCode = (typeof ZOHO_ERROR_CODES)[number];

/**
 * What the codes we act on mean (Zoho Desk API "Errors"): `INVALID_OAUTH` token invalid or
 * expired; `SCOPE_MISMATCH` token lacks the operation's scope; `OAUTH_ORG_MISMATCH` the token was
 * made for another organization than the `orgId` sent; `URL_NOT_FOUND` no such path;
 * `TOO_MANY_REQUESTS` rate or concurrency limit (retry soon); `THRESHOLD_EXCEEDED` the org's daily
 * API credits are spent (retrying before they renew only burns attempts).
 */
export const ZOHO_ERROR = {
  invalidOAuth: 'INVALID_OAUTH',
  scopeMismatch: 'SCOPE_MISMATCH',
  orgMismatch: 'OAUTH_ORG_MISMATCH',
  forbidden: 'FORBIDDEN',
  urlNotFound: 'URL_NOT_FOUND',
  invalidData: 'INVALID_DATA',
  unprocessable: 'UNPROCESSABLE_ENTITY',
  tooManyRequests: 'TOO_MANY_REQUESTS',
  thresholdExceeded: 'THRESHOLD_EXCEEDED',
} as const satisfies Record<string, ZohoErrorCode>;

/** Common.json `errorDetailArr` item (the example omits `errorMessage`, so it is optional here). */
export const ZohoErrorDetailSchema = z.object({
  fieldName: z.string(),
  errorType: z.enum(['invalid', 'duplicate', 'missing']),
  errorMessage: z.optional(z.string()),
});

/** Common.json `errorJson`, plus `errors[]` of `invalidDataErrorResponse` (422). */
export const ZohoErrorSchema = z.object({
  errorCode: z.enum(ZOHO_ERROR_CODES),
  message: z.string(),
  errors: z.optional(z.array(ZohoErrorDetailSchema)),
});
export type ZohoError = z.infer<typeof ZohoErrorSchema>;

// ---------------------------------------------------------------------------------------------
// Scopes (security.iam-oauth2-schema of each operation; Common.json lists the scope names)
// ---------------------------------------------------------------------------------------------

/**
 * Whether `granted` satisfies one of `required` (any-of, as the spec lists them). Zoho scopes are
 * `Service.scope.OPERATION` and compare case-insensitively; `Service.scope.ALL` grants every
 * operation of that scope (Zoho OAuth scope convention).
 */
export function scopeGranted(granted: readonly string[], required: readonly string[]): boolean {
  const have = new Set(granted.map((s) => s.toLowerCase()));
  return required.some((scope) => {
    const lower = scope.toLowerCase();
    const all = `${lower.slice(0, lower.lastIndexOf('.'))}.all`;
    return have.has(lower) || have.has(all);
  });
}

// ---------------------------------------------------------------------------------------------
// Response bodies
// ---------------------------------------------------------------------------------------------

const UserStatus = z.enum(['ACTIVE', 'DISABLED', 'DELETED']);
const UserType = z.enum(['ENDUSER', 'SUPPORTREP']);
export type ZohoUserStatus = z.infer<typeof UserStatus>;
export type ZohoUserType = z.infer<typeof UserType>;

/**
 * One row of getUsers (User.json components.schemas.userDetailJson = userDefaultJson + the listed
 * fields; `additionalProperties: false`). No `email`/`emailId`, and no `helpCenterId`.
 */
export const ZohoUserRowShape = {
  id: IdOut,
  name: Nullable(z.string().check(z.maxLength(100))),
  photoUrl: Nullable(z.string().check(z.maxLength(200))),
  emailAddress: Nullable(z.string().check(z.maxLength(100))),
  userType: Nullable(UserType),
  status: Nullable(UserStatus),
  lastAccessedTime: z.optional(Nullable(z.string())),
  label: z.optional(z.unknown()),
};
export const ZohoUserRowSchema = z.strictObject(ZohoUserRowShape);

/**
 * getUserDetails 200 (User.json components.responses.userDetailViewJson = userDefaultJson +
 * `lastAccessedTime, contactId, userType, label, email[], status`). Zoho's own example adds
 * `photoURL` and `type`, so unknown keys are tolerated here; `status` is what we read.
 */
export const GetUserDetailsResponseSchema = z.looseObject({
  id: IdOut,
  name: z.optional(Nullable(z.string().check(z.maxLength(100)))),
  photoUrl: z.optional(Nullable(z.string().check(z.maxLength(200)))),
  contactId: z.optional(Nullable(IdOut)),
  userType: z.optional(Nullable(UserType)),
  email: z.optional(
    Nullable(
      z.array(
        z.looseObject({
          emailAddress: Nullable(z.string().check(z.maxLength(100))),
          isVerified: z.optional(z.unknown()),
          isPrimary: z.optional(z.unknown()),
        }),
      ),
    ),
  ),
  status: Nullable(UserStatus),
});

/**
 * Portal access after removePortalUser: the spec documents the operation ("Removes a portal user
 * from the help center", 204) and the user statuses ACTIVE, DISABLED, DELETED; anything but
 * ACTIVE is no longer access to the portal.
 */
export const PORTAL_ACCESS_REVOKED_STATUSES: readonly ZohoUserStatus[] = ['DISABLED', 'DELETED'];

/** getUsers 200 (User.json components.responses.getUsersResponse): `data[]`, `count` with include=count. */
export const GetUsersResponseSchema = z.strictObject({
  data: z.array(ZohoUserRowSchema),
  count: z.optional(z.union([z.string().check(z.regex(/^[0-9]+$/)), z.int()])),
});

/** getUserGroups row (HelpcenterGroups.json components.schemas.groupMetaResponse). */
export const ZohoGroupRowShape = {
  id: IdOut,
  name: Nullable(z.string().check(z.maxLength(100))),
  addedTime: Nullable(z.string()),
  helpCenterId: Nullable(IdOut),
  logoUrl: Nullable(z.string().check(z.maxLength(200))),
  status: Nullable(z.enum(['ACTIVE', 'DISABLED'])),
};
export const ZohoGroupRowSchema = z.strictObject(ZohoGroupRowShape);

/** getUserGroups 200 (User.json components.responses.userGroupJson). */
export const GetUserGroupsResponseSchema = z.strictObject({ data: z.array(ZohoGroupRowSchema) });

/** User.json components.schemas.massActionErrorResponse (nested under each result's `errors`). */
export const MassActionErrorSchema = z.strictObject({
  errorCode: Nullable(
    z.enum([
      'UNPROCESSABLE_ENTITY',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'INVALID_DATA',
      'SCHEDULED',
      'SUCCESS',
    ]),
  ),
  error: Nullable(z.string().check(z.maxLength(100))),
  httpCode: Nullable(z.union([z.string().check(z.regex(/^[0-9]+$/)), z.int()])),
});

/** deleteGroupsFromUsers 200 (User.json components.responses.massActionListViewResponse). */
export const MassActionResponseSchema = z.strictObject({
  results: z.array(
    z.strictObject({
      success: Nullable(z.boolean()),
      id: Nullable(IdOut),
      errors: Nullable(MassActionErrorSchema),
    }),
  ),
});

/** getAllHelpCenters row (Helpcenter.json components.schemas.helpcenterDefaultResponse, the parts we read). */
export const HelpCenterRowSchema = z.looseObject({
  id: IdOut,
  name: Nullable(z.string().check(z.maxLength(200))),
  status: Nullable(z.enum(['ACTIVE', 'DISABLED'])),
  isDefault: Nullable(z.boolean()),
});
export const GetAllHelpCentersResponseSchema = z.strictObject({
  data: z.array(HelpCenterRowSchema),
});

/**
 * getHelpCenterGroupList row (HelpcenterGroups.json components.schemas.addGroupResponse, the parts
 * we read; the spec lists more fields, all nullable).
 */
export const HelpCenterGroupRowSchema = z.looseObject({
  id: IdOut,
  name: Nullable(z.string().check(z.maxLength(100))),
  helpCenterId: Nullable(IdOut),
  status: Nullable(z.enum(['ACTIVE', 'DISABLED'])),
});
/** getHelpCenterGroupList 200 (HelpcenterGroups.json components.responses.listOfGroupResponse). */
export const GetHelpCenterGroupListResponseSchema = z.strictObject({
  data: z.array(HelpCenterGroupRowSchema),
});

// ---------------------------------------------------------------------------------------------
// Request bodies
// ---------------------------------------------------------------------------------------------

/** HelpcenterGroups.json components.requestBodies.groupIds (deleteGroupsFromUsers). */
export const GroupIdsBodySchema = z.strictObject({ groupIds: z.array(ZohoIdSchema) });
/** HelpcenterGroups.json components.requestBodies.removeUserInput (deleteHCGroupUsers; minItems 1). */
export const UserIdsBodySchema = z.strictObject({
  userIds: z.array(ZohoIdSchema).check(z.minLength(1)),
});

// ---------------------------------------------------------------------------------------------
// Query parameters
// ---------------------------------------------------------------------------------------------

export type QueryRule =
  | { type: 'integer'; minimum: number; maximum?: number }
  | { type: 'id' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'string'; minLength: number; maxLength?: number; pattern?: RegExp };

const from: QueryRule = { type: 'integer', minimum: ZOHO_FIRST_INDEX };
const limit50: QueryRule = { type: 'integer', minimum: 1, maximum: ZOHO_MAX_PAGE_SIZE };
const searchBy: QueryRule = { type: 'string', minLength: ZOHO_MIN_SEARCH_LENGTH };
const helpCenterId: QueryRule = { type: 'id' };
const timestamp: QueryRule = {
  type: 'string',
  minLength: 0,
  maxLength: 100,
  pattern:
    /^(202[0-9]|20[3-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(\.[0-9]{3})?Z$/,
};

/** Whether one query value satisfies its rule (string form, as it arrives on the wire). */
export function queryValueValid(rule: QueryRule, value: string): boolean {
  switch (rule.type) {
    case 'integer': {
      if (!/^-?[0-9]{1,10}$/.test(value)) return false;
      const n = Number(value);
      return n >= rule.minimum && (rule.maximum === undefined || n <= rule.maximum);
    }
    case 'id':
      return ZOHO_ID_PATTERN.test(value);
    case 'enum':
      return rule.values.includes(value);
    case 'string':
      return (
        [...value].length >= rule.minLength &&
        (rule.maxLength === undefined || [...value].length <= rule.maxLength) &&
        (rule.pattern === undefined || rule.pattern.test(value))
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

export interface ZohoOperation {
  operationId: string;
  /** Spec file, or `unpublished` for the mission's endpoints. */
  source: string;
  published: boolean;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path template; every `{name}` is a Zoho id. */
  path: string;
  /** Query parameters the operation accepts (besides `orgId`, see ORG_ID_PARAMETER). */
  query: Readonly<Record<string, QueryRule>>;
  /** Request body, for operations that take one. */
  body?: z.ZodMiniType;
  /** Success status and body schema (`null`: no body). */
  success: { status: number; body: z.ZodMiniType | null };
  /** One of these scopes is required (security.iam-oauth2-schema). */
  scopes: readonly string[];
  /** Documented error responses (status → Common.json response). */
  errors: readonly number[];
}

/**
 * `orgId`: Common.json components.parameters.orgId declares it `in: query`, required, `([0-9]+)`;
 * Zoho Desk's REST documentation sends it as the `orgId` header, which is what the client does.
 * Stand-ins accept either.
 */
export const ORG_ID_PARAMETER = { name: 'orgId', header: 'orgid', rule: { type: 'id' } } as const;

export const ZOHO_OPERATIONS = {
  /** User.json operationId getUsers. */
  getUsers: {
    operationId: 'getUsers',
    source: 'v1.0/User.json',
    published: true,
    method: 'GET',
    path: '/api/v1/users',
    query: {
      from,
      limit: limit50,
      searchBy,
      sortBy: { type: 'string', minLength: 1, pattern: /^-?(email|modifiedTime)$/ },
      status: { type: 'enum', values: ['ACTIVE', 'DISABLED', 'DELETED', 'ALL'] },
      helpCenterId,
      include: { type: 'enum', values: ['count'] },
      lastActivityStartTime: timestamp,
      lastActivityEndTime: timestamp,
    },
    success: { status: 200, body: GetUsersResponseSchema },
    scopes: ['Desk.contacts.READ', 'Desk.settings.READ', 'Desk.basic.READ', 'Desk.search.READ'],
    errors: [403, 422, 500],
  },
  /** User.json operationId getUserGroups. */
  getUserGroups: {
    operationId: 'getUserGroups',
    source: 'v1.0/User.json',
    published: true,
    method: 'GET',
    path: '/api/v1/users/{userId}/groups',
    query: {
      from,
      limit: limit50,
      searchBy,
      sortBy: { type: 'string', minLength: 1, pattern: /^-?(addedTime)$/ },
      helpCenterId,
    },
    success: { status: 200, body: GetUserGroupsResponseSchema },
    scopes: ['Desk.contacts.READ', 'Desk.settings.READ'],
    errors: [403, 422, 500],
  },
  /** User.json operationId deleteGroupsFromUsers. */
  deleteGroupsFromUsers: {
    operationId: 'deleteGroupsFromUsers',
    source: 'v1.0/User.json',
    published: true,
    method: 'POST',
    path: '/api/v1/users/{userId}/groups/dissociate',
    query: { helpCenterId },
    body: GroupIdsBodySchema,
    success: { status: 200, body: MassActionResponseSchema },
    scopes: ['Desk.contacts.UPDATE', 'Desk.settings.UPDATE'],
    errors: [422],
  },
  /** HelpcenterGroups.json operationId deleteHCGroupUsers. */
  deleteHCGroupUsers: {
    operationId: 'deleteHCGroupUsers',
    source: 'v1.0/HelpcenterGroups.json',
    published: true,
    method: 'POST',
    path: '/api/v1/groups/{groupId}/users/remove',
    query: {},
    body: UserIdsBodySchema,
    success: { status: 204, body: null },
    scopes: ['Desk.contacts.UPDATE', 'Desk.settings.UPDATE'],
    errors: [403, 404, 422, 500],
  },
  /** User.json operationId getUserDetails (verify-after of the portal access removal). */
  getUserDetails: {
    operationId: 'getUserDetails',
    source: 'v1.0/User.json',
    published: true,
    method: 'GET',
    path: '/api/v1/users/{userId}',
    query: { include: { type: 'enum', values: ['contact'] }, helpCenterId },
    success: { status: 200, body: GetUserDetailsResponseSchema },
    scopes: ['Desk.contacts.READ', 'Desk.settings.READ', 'Desk.basic.READ'],
    errors: [403, 422, 500],
  },
  /**
   * User.json operationId removePortalUser, `POST /api/v1/portalUsers/{userId}/removeUser`:
   * "Removes a portal user from the help center"; 204 emptyResponse, documented errors 403, 404
   * (urlNotFoundErrorResponse), 500; security iam-oauth2-schema Desk.settings.DELETE or
   * Desk.basic.DELETE. The spec lists no orgId parameter for it (we send the header anyway).
   */
  removePortalUser: {
    operationId: 'removePortalUser',
    source: 'v1.0/User.json',
    published: true,
    method: 'POST',
    path: '/api/v1/portalUsers/{userId}/removeUser',
    query: {},
    success: { status: 204, body: null },
    scopes: ['Desk.settings.DELETE', 'Desk.basic.DELETE'],
    errors: [403, 404, 500],
  },
  /** Helpcenter.json operationId getAllHelpCenters. */
  getAllHelpCenters: {
    operationId: 'getAllHelpCenters',
    source: 'v1.0/Helpcenter.json',
    published: true,
    method: 'GET',
    path: '/api/v1/helpCenters',
    query: { from, limit: limit50, include: { type: 'enum', values: ['translateSettings'] } },
    success: { status: 200, body: GetAllHelpCentersResponseSchema },
    scopes: ['Desk.basic.READ', 'Desk.settings.READ'],
    errors: [403, 500],
  },
  /**
   * HelpcenterGroups.json operationId getHelpCenterGroupList: `GET /api/v1/groups` (`limit` maximum
   * 50, `from` minimum 1, optional `helpCenterId`). Preflight and `npm start` read it to check that
   * every mapped Help Center group exists in its help center.
   */
  getHelpCenterGroupList: {
    operationId: 'getHelpCenterGroupList',
    source: 'v1.0/HelpcenterGroups.json',
    published: true,
    method: 'GET',
    path: '/api/v1/groups',
    query: {
      from,
      limit: limit50,
      searchBy: { type: 'string', minLength: ZOHO_MIN_SEARCH_LENGTH, maxLength: 100 },
      sortBy: {
        type: 'string',
        minLength: 1,
        pattern: /^-?(name|createdTime|modifiedTime|count)$/,
      },
      helpCenterId,
    },
    success: { status: 200, body: GetHelpCenterGroupListResponseSchema },
    scopes: ['Desk.contacts.READ', 'Desk.settings.READ'],
    errors: [403, 500],
  },
  /**
   * HelpcenterGroups.json operationId deleteHelpCenterUserGroup: deletes the GROUP itself. Listed so
   * stand-ins can serve it (and tests prove it is never called); no builder can produce it.
   */
  deleteHelpCenterUserGroup: {
    operationId: 'deleteHelpCenterUserGroup',
    source: 'v1.0/HelpcenterGroups.json',
    published: true,
    method: 'DELETE',
    path: '/api/v1/groups/{groupId}',
    query: {},
    success: { status: 204, body: null },
    scopes: ['Desk.contacts.DELETE', 'Desk.settings.DELETE'],
    errors: [403, 422, 500],
  },
  /** Unpublished: the mission's user-centric endpoint (dialect user-groups-delete). */
  removeUserFromHelpCenterGroups: {
    operationId: 'removeUserFromHelpCenterGroups',
    source: 'unpublished (mission)',
    published: false,
    method: 'DELETE',
    path: '/api/v1/helpcenter/{helpCenterId}/users/{userId}/groups',
    query: {},
    success: { status: 204, body: null },
    scopes: ['Desk.settings.DELETE'],
    errors: [403, 404],
  },
  /** Unpublished: the mission's group-centric endpoint (dialect user-groups-delete). */
  removeUsersFromHelpCenterGroup: {
    operationId: 'removeUsersFromHelpCenterGroup',
    source: 'unpublished (mission)',
    published: false,
    method: 'DELETE',
    path: '/api/v1/helpcenter/{helpCenterId}/groups/{groupId}/users',
    query: {},
    body: UserIdsBodySchema,
    success: { status: 204, body: null },
    scopes: ['Desk.settings.DELETE'],
    errors: [403, 404, 422],
  },
} as const satisfies Record<string, ZohoOperation>;

export type ZohoOperationName = keyof typeof ZOHO_OPERATIONS;
export const ZOHO_OPERATION_NAMES = Object.keys(ZOHO_OPERATIONS) as ZohoOperationName[];

/** Operations each dialect sends (the scope hints and README list their scopes). */
export const DIALECT_OPERATIONS = {
  'user-groups-delete': [
    'getUsers',
    'getUserGroups',
    'removeUserFromHelpCenterGroups',
    'removeUsersFromHelpCenterGroup',
  ],
  'zoho-desk-v1': ['getUsers', 'getUserGroups', 'deleteGroupsFromUsers', 'deleteHCGroupUsers'],
} as const satisfies Record<string, readonly ZohoOperationName[]>;

/** Operations the opt-in portal access removal adds to either dialect (REMOVE_PORTAL_ACCESS). */
export const PORTAL_ACCESS_OPERATIONS = [
  'removePortalUser',
  'getUserDetails',
] as const satisfies readonly ZohoOperationName[];

/** "Desk.a or Desk.b" for one operation's scopes. */
export function describeScopes(name: ZohoOperationName): string {
  return ZOHO_OPERATIONS[name].scopes.join(' or ');
}

/** A hint naming every scope set a dialect needs, e.g. for a SCOPE_MISMATCH. */
export function dialectScopeHint(dialect: keyof typeof DIALECT_OPERATIONS): string {
  const parts = DIALECT_OPERATIONS[dialect].map(
    (name) => `${ZOHO_OPERATIONS[name].operationId}: ${describeScopes(name)}`,
  );
  return `HELPCENTER_API=${dialect} needs, per operation, one of: ${parts.join('; ')}`;
}

const templateCache = new Map<string, RegExp>();
function templateRegExp(path: string): RegExp {
  let re = templateCache.get(path);
  if (re === undefined) {
    re = new RegExp(`^${path.replace(/\{[A-Za-z]+\}/g, '([^/]+)')}$`);
    templateCache.set(path, re);
  }
  return re;
}

/** Path parameter names of a template, in order. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1] ?? '');
}

export interface MatchedOperation {
  name: ZohoOperationName;
  operation: ZohoOperation;
  /** Decoded path parameters by name. */
  params: Record<string, string>;
}

/**
 * The operation a method and path (without query) address, or undefined when the spec has none
 * (`includeUnpublished` adds the mission's endpoints). Path parameters are returned decoded and
 * unchecked: `checkRequest` validates them.
 */
export function matchOperation(
  method: string,
  path: string,
  options: { includeUnpublished: boolean },
): MatchedOperation | undefined {
  for (const name of ZOHO_OPERATION_NAMES) {
    const operation: ZohoOperation = ZOHO_OPERATIONS[name];
    if (!operation.published && !options.includeUnpublished) continue;
    if (operation.method !== method.toUpperCase()) continue;
    const match = templateRegExp(operation.path).exec(path);
    if (match === null) continue;
    const names = pathParameters(operation.path);
    const params: Record<string, string> = {};
    try {
      names.forEach((n, i) => {
        params[n] = decodeURIComponent(match[i + 1] ?? '');
      });
    } catch {
      return undefined;
    }
    return { name, operation, params };
  }
  return undefined;
}

/**
 * Whether some operation serves `path` with another method than `method` (the sandbox answers
 * those 405 METHOD_NOT_ALLOWED, a code of Common.json `errorJson.errorCode`, and preflight's
 * dialect probe reads it: a GET on a DELETE-only path is routed, never acted on).
 */
export function pathServedWithOtherMethod(
  method: string,
  path: string,
  options: { includeUnpublished: boolean },
): boolean {
  return ZOHO_OPERATION_NAMES.some((name) => {
    const operation: ZohoOperation = ZOHO_OPERATIONS[name];
    if (!operation.published && !options.includeUnpublished) return false;
    return operation.method !== method.toUpperCase() && templateRegExp(operation.path).test(path);
  });
}

export interface RequestViolation {
  /** JSON-pointer style field, as Zoho reports it (`/from`, `/userId`, `/groupIds`). */
  fieldName: string;
  errorType: 'invalid' | 'missing';
}

/**
 * Checks one request against an operation's parameter rules: path ids, query keys and values
 * (unknown keys are violations; `orgId` is allowed in the query), and the JSON body.
 * Returns the violations (empty when the request satisfies the spec).
 */
export function checkRequest(
  matched: MatchedOperation,
  query: URLSearchParams,
  body: string | undefined,
): RequestViolation[] {
  const violations: RequestViolation[] = [];
  for (const [name, value] of Object.entries(matched.params)) {
    if (!ZOHO_ID_PATTERN.test(value))
      violations.push({ fieldName: `/${name}`, errorType: 'invalid' });
  }
  const seen = new Set<string>();
  for (const [key, value] of query) {
    const rule =
      key === ORG_ID_PARAMETER.name ? ORG_ID_PARAMETER.rule : matched.operation.query[key];
    if (rule === undefined || seen.has(key) || !queryValueValid(rule, value)) {
      violations.push({ fieldName: `/${key}`, errorType: 'invalid' });
    }
    seen.add(key);
  }
  const schema = matched.operation.body;
  const text = body ?? '';
  if (schema === undefined) {
    if (text.trim() !== '') violations.push({ fieldName: '/', errorType: 'invalid' });
    return violations;
  }
  if (text.trim() === '') {
    violations.push({ fieldName: '/', errorType: 'missing' });
    return violations;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    violations.push({ fieldName: '/', errorType: 'invalid' });
    return violations;
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const head = issue.path[0];
      violations.push({
        fieldName: `/${head === undefined ? '' : String(head)}`,
        errorType:
          issue.code === 'invalid_type' && issue.input === undefined ? 'missing' : 'invalid',
      });
    }
  }
  return violations;
}
