import { ScimError, scimBadRequest } from '#core/intake/scim/errors.ts';
import { ScimUserSchema, USER_SCHEMA } from '#core/intake/scim/schemas.ts';
import type { IdentityRecord } from '#core/ports/identity-store.ts';

/**
 * Attributes never stored from a request: server-assigned, read-only, or secret (`password`).
 * Lower case: SCIM attribute names are case-insensitive (RFC 7643 section 2.1).
 */
export const NOT_STORED = new Set(['id', 'meta', 'password', 'groups']);
const DANGEROUS_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** `password` in any case, bare or URN-qualified (`urn:...:User:password`), at any depth. */
function isSecretKey(key: string): boolean {
  const lower = key.toLowerCase();
  return lower === 'password' || lower.endsWith(':password');
}

/** Deep copy without secret attributes, wherever a client or an old record nested them. */
function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (!isSecretKey(key)) out[key] = withoutSecrets(inner);
    }
    return out;
  }
  return value;
}

/** The stored part of a record a client can change, as extracted from a validated User body. */
export interface UserFields {
  userName: string;
  externalId?: string;
  /** Undefined when the body did not say (PUT keeps the current value then). */
  active?: boolean;
  email?: string;
  attributes: Record<string, unknown>;
}

/** A User as a plain object (no id/meta): what PATCH operations act on. */
export type UserState = Record<string, unknown>;

/**
 * Validates a User body (POST, PUT, or the result of a PATCH) and splits it into record fields.
 * @throws ScimError 400 invalidValue when required attributes are missing or mistyped.
 */
export function userFieldsFromBody(body: unknown): UserFields {
  const parsed = ScimUserSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    throw scimBadRequest('invalidValue', `Invalid User: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const { userName, externalId, active, emails } = parsed.data;
  const attributes: Record<string, unknown> = {};
  const clean = withoutSecrets(sanitise(body)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(clean)) {
    const lower = key.toLowerCase();
    if (NOT_STORED.has(lower) || ['username', 'externalid', 'active'].includes(lower)) continue;
    if (value !== null && value !== undefined) attributes[key] = value;
  }
  const primary = emails?.find((e) => e.primary === true) ?? emails?.[0];
  return {
    userName,
    ...(externalId ? { externalId } : {}),
    ...(active === null || active === undefined ? {} : { active }),
    ...(primary ? { email: primary.value } : {}),
    attributes,
  };
}

/** The PATCH view of a record: stored attributes plus userName, externalId and active. */
export function userState(record: IdentityRecord): UserState {
  return {
    ...structuredClone(record.attributes ?? {}),
    ...(record.userName === undefined ? {} : { userName: record.userName }),
    ...(record.externalId === undefined ? {} : { externalId: record.externalId }),
    active: record.active,
  };
}

/** Serialises a record as a SCIM User resource (RFC 7643 section 4.1) with `meta`. */
export function toScimUser(record: IdentityRecord, usersUrl: string): Record<string, unknown> {
  const { schemas, ...attributes } = withoutSecrets(record.attributes ?? {}) as Record<
    string,
    unknown
  >;
  return {
    schemas: Array.isArray(schemas) && schemas.length > 0 ? schemas : [USER_SCHEMA],
    id: record.id,
    ...(record.externalId === undefined ? {} : { externalId: record.externalId }),
    ...(record.userName === undefined ? {} : { userName: record.userName }),
    ...attributes,
    active: record.active,
    meta: {
      resourceType: 'User',
      created: record.createdAt,
      lastModified: record.updatedAt,
      location: `${usersUrl}/${encodeURIComponent(record.id)}`,
      version: etag(record),
    },
  };
}

/** Weak ETag of a record's version (RFC 7644 section 3.14). */
export function etag(record: IdentityRecord): string {
  return `W/"${record.version}"`;
}

/** @throws ScimError 409 `uniqueness` when another record holds `userName` (RFC 7644 section 3.3). */
export function assertUniqueUserName(
  existing: readonly IdentityRecord[],
  userName: string,
  selfId?: string,
): void {
  if (existing.some((r) => r.id !== selfId)) {
    throw new ScimError(409, `userName ${JSON.stringify(userName)} is already taken`, 'uniqueness');
  }
}

/** Deep copy of JSON without keys that could reach an object prototype. */
export function sanitise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sanitise);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (!DANGEROUS_KEYS.has(key)) out[key] = sanitise(inner);
    }
    return out;
  }
  return value;
}

/** JSON with sorted keys, to tell whether a write changes anything. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
