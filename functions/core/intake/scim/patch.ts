import { scimBadRequest } from '#core/intake/scim/errors.ts';
import type { UserState } from '#core/intake/scim/resource.ts';
import { sanitise } from '#core/intake/scim/resource.ts';
import {
  ENTERPRISE_USER_SCHEMA,
  PATCH_OP_SCHEMA,
  ScimBooleanSchema,
} from '#core/intake/scim/schemas.ts';

export type PatchOpName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

const MAX_OPERATIONS = 500;
const CORE_USER_PREFIX = 'urn:ietf:params:scim:schemas:core:2.0:user:';
/** Server-assigned or read-only: rejected when named by `path`, skipped inside a value object. */
const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);
/** Accepted but never stored (Okta's password sync PATCH). */
const IGNORED = new Set(['password']);
const CANONICAL_NAMES = new Map(
  [
    'userName',
    'externalId',
    'active',
    'displayName',
    'nickName',
    'profileUrl',
    'title',
    'userType',
    'preferredLanguage',
    'locale',
    'timezone',
    'name',
    'emails',
    'phoneNumbers',
    'ims',
    'photos',
    'addresses',
    'entitlements',
    'roles',
    'x509Certificates',
    'formatted',
    'familyName',
    'givenName',
    'middleName',
    'honorificPrefix',
    'honorificSuffix',
    'value',
    'display',
    'type',
    'primary',
    'streetAddress',
    'locality',
    'region',
    'postalCode',
    'country',
    'employeeNumber',
    'costCenter',
    'organization',
    'division',
    'department',
    'manager',
  ].map((name) => [name.toLowerCase(), name]),
);

/**
 * Reads a PatchOp body (RFC 7644 section 3.5.2). Member names (`Operations`, `op`, `path`, `value`)
 * and op values are matched case-insensitively, as Entra ID sends `Replace`/`Add`/`Remove`.
 * @throws ScimError 400 invalidSyntax for anything that is not a PatchOp.
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  const top = lowerKeys(body);
  if (top === undefined) throw syntax('Body must be a PatchOp object');
  const schemas = top.get('schemas');
  if (!Array.isArray(schemas) || !schemas.some((s) => String(s).toLowerCase() === PATCH_OP_LOWER)) {
    throw syntax(`schemas must contain ${PATCH_OP_SCHEMA}`);
  }
  const operations = top.get('operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw syntax('Operations must be a non-empty array');
  }
  if (operations.length > MAX_OPERATIONS) throw syntax('Too many operations');
  return operations.map((raw, index) => {
    const fields = lowerKeys(raw);
    if (fields === undefined) throw syntax(`Operations[${index}] must be an object`);
    const op = fields.get('op');
    const name = typeof op === 'string' ? op.toLowerCase() : undefined;
    if (name !== 'add' && name !== 'replace' && name !== 'remove') {
      throw syntax(`Operations[${index}].op must be add, replace or remove`);
    }
    const path = fields.get('path');
    if (path !== undefined && path !== null && (typeof path !== 'string' || path.trim() === '')) {
      throw scimBadRequest('invalidPath', `Operations[${index}].path must be a non-empty string`);
    }
    const operation: PatchOperation = { op: name };
    if (typeof path === 'string') operation.path = path.trim();
    if (fields.has('value')) operation.value = sanitise(fields.get('value'));
    if (operation.op !== 'remove' && !fields.has('value')) {
      throw syntax(`Operations[${index}] needs a value`);
    }
    return operation;
  });
}

/**
 * Applies PATCH operations to a User, in order, returning a new state (the input is not changed).
 * With no `path`, the value object's members are applied one by one as paths (Okta's
 * `{"active": false}`, Entra's `{"name.givenName": …}`). Values for `active` may be booleans or
 * "True"/"False". `emails[type eq "work"].value` creates the work email when missing, as Entra
 * expects. `password` is accepted and dropped.
 * @throws ScimError 400 invalidPath / invalidValue / mutability / noTarget
 */
export function applyPatch(state: UserState, operations: readonly PatchOperation[]): UserState {
  const next = structuredClone(state);
  for (const operation of operations) {
    if (operation.path === undefined) {
      if (operation.op === 'remove') throw scimBadRequest('noTarget', 'remove needs a path');
      if (!isPlainObject(operation.value)) {
        throw scimBadRequest('invalidValue', 'Without a path, value must be an object');
      }
      for (const [key, value] of Object.entries(operation.value)) {
        const lower = key.toLowerCase();
        if (READ_ONLY.has(lower) || IGNORED.has(lower)) continue;
        if (lower.startsWith('urn:') && isPlainObject(value)) {
          // a schema URN as the member name: its members are that schema's attributes
          for (const [inner, innerValue] of Object.entries(value)) {
            applyPath(next, operation.op, `${key}:${inner}`, innerValue);
          }
          continue;
        }
        applyPath(next, operation.op, key, value);
      }
    } else {
      applyPath(next, operation.op, operation.path, operation.value);
    }
  }
  return next;
}

interface ParsedPath {
  /** Extension schema URN holding the attribute, if any. */
  schema?: string;
  attribute: string;
  filter?: { attribute: string; value: string | boolean };
  subAttribute?: string;
}

const NAME = '[A-Za-z][\\w$-]*';
const PATH_PATTERN = new RegExp(`^(${NAME})(?:\\[(.*)\\])?(?:\\.(${NAME}))?$`);
const VALUE_FILTER = new RegExp(
  `^\\s*(${NAME})\\s+eq\\s+("(?:[^"\\\\]|\\\\.)*"|true|false)\\s*$`,
  'i',
);

function parsePath(raw: string): ParsedPath {
  let path = raw.trim();
  let schema: string | undefined;
  const lower = path.toLowerCase();
  if (lower.startsWith(CORE_USER_PREFIX)) path = path.slice(CORE_USER_PREFIX.length);
  else if (lower.startsWith('urn:')) {
    const bracket = path.indexOf('[');
    const head = bracket === -1 ? path : path.slice(0, bracket);
    const cut = head.lastIndexOf(':');
    schema = path.slice(0, cut);
    path = path.slice(cut + 1);
    if (schema.toLowerCase() === ENTERPRISE_USER_SCHEMA.toLowerCase()) {
      schema = ENTERPRISE_USER_SCHEMA;
    }
  }
  const match = PATH_PATTERN.exec(path);
  if (!match?.[1]) throw scimBadRequest('invalidPath', `Unsupported path ${JSON.stringify(raw)}`);
  const parsed: ParsedPath = { attribute: match[1] };
  if (schema !== undefined) parsed.schema = schema;
  if (match[2] !== undefined) {
    const filter = VALUE_FILTER.exec(match[2]);
    if (!filter?.[1] || !filter[2]) {
      throw scimBadRequest('invalidPath', `Unsupported value filter in ${JSON.stringify(raw)}`);
    }
    const literal = filter[2];
    parsed.filter = {
      attribute: filter[1],
      value: literal.startsWith('"') ? (JSON.parse(literal) as string) : literal === 'true',
    };
  }
  if (match[3] !== undefined) parsed.subAttribute = match[3];
  for (const name of [parsed.attribute, parsed.subAttribute, parsed.filter?.attribute]) {
    if (name !== undefined && ['constructor', 'prototype'].includes(name.toLowerCase())) {
      throw scimBadRequest('invalidPath', `Unsupported path ${JSON.stringify(raw)}`);
    }
  }
  return parsed;
}

function applyPath(state: UserState, op: PatchOpName, rawPath: string, rawValue: unknown): void {
  const path = parsePath(rawPath);
  const top = path.schema === undefined ? path.attribute.toLowerCase() : undefined;
  if (top !== undefined && IGNORED.has(top)) return;
  if (top !== undefined && READ_ONLY.has(top)) {
    throw scimBadRequest('mutability', `${path.attribute} is read-only`);
  }
  // null as a value clears the attribute (how Entra flows a cleared source attribute)
  const remove = op === 'remove' || rawValue === null;
  let value = rawValue;
  if (top === 'active' && path.filter === undefined && path.subAttribute === undefined) {
    if (remove) throw scimBadRequest('invalidValue', 'active cannot be removed');
    const parsed = ScimBooleanSchema.safeParse(value);
    if (!parsed.success) throw scimBadRequest('invalidValue', 'active must be true or false');
    value = parsed.data;
  }
  if (top === 'username' && remove) throw scimBadRequest('invalidValue', 'userName is required');

  const container = path.schema === undefined ? state : childObject(state, path.schema, !remove);
  if (container === undefined) return;
  const key = keyFor(container, path.attribute);

  if (path.filter !== undefined) {
    applyFiltered(container, key, path, op, remove, value);
    return;
  }
  if (path.subAttribute !== undefined) {
    if (Array.isArray(container[key])) {
      throw scimBadRequest('invalidPath', `${path.attribute} is multi-valued; use a value filter`);
    }
    const parent = childObject(container, key, !remove);
    if (parent === undefined) return;
    const subKey = keyFor(parent, path.subAttribute);
    if (remove) delete parent[subKey];
    else parent[subKey] = value;
    return;
  }
  if (remove) {
    delete container[key];
    return;
  }
  const current = container[key];
  if (op === 'add' && Array.isArray(current)) {
    container[key] = [...current, ...(Array.isArray(value) ? value : [value])];
  } else if (isPlainObject(current) && isPlainObject(value)) {
    container[key] = { ...current, ...value };
  } else {
    container[key] = value;
  }
}

function applyFiltered(
  container: Record<string, unknown>,
  key: string,
  path: ParsedPath,
  op: PatchOpName,
  remove: boolean,
  value: unknown,
): void {
  const filter = path.filter as NonNullable<ParsedPath['filter']>;
  const current = container[key];
  if (current !== undefined && !Array.isArray(current)) {
    throw scimBadRequest('invalidPath', `${path.attribute} is not multi-valued`);
  }
  const list: unknown[] = current ?? [];
  const matches = list.filter(
    (item): item is Record<string, unknown> =>
      isPlainObject(item) && sameValue(item[keyFor(item, filter.attribute)], filter.value),
  );
  if (remove) {
    if (path.subAttribute === undefined) {
      container[key] = list.filter((item) => !matches.includes(item as Record<string, unknown>));
    } else {
      for (const item of matches) delete item[keyFor(item, path.subAttribute)];
    }
    return;
  }
  if (path.subAttribute === undefined && !isPlainObject(value)) {
    throw scimBadRequest('invalidValue', `${op} on a filtered path needs an object value`);
  }
  if (matches.length === 0) {
    const created: Record<string, unknown> = { [filter.attribute]: filter.value };
    if (path.subAttribute === undefined) Object.assign(created, value);
    else created[path.subAttribute] = value;
    container[key] = [...list, created];
    return;
  }
  for (const item of matches) {
    if (path.subAttribute === undefined) Object.assign(item, value);
    else item[keyFor(item, path.subAttribute)] = value;
  }
}

function sameValue(actual: unknown, expected: string | boolean): boolean {
  if (typeof expected === 'boolean') {
    const parsed = ScimBooleanSchema.safeParse(actual);
    return parsed.success && parsed.data === expected;
  }
  return typeof actual === 'string' && actual.toLowerCase() === expected.toLowerCase();
}

/** The existing member name matching `name` case-insensitively, else the canonical spelling. */
function keyFor(container: Record<string, unknown>, name: string): string {
  const lower = name.toLowerCase();
  return (
    Object.keys(container).find((key) => key.toLowerCase() === lower) ??
    CANONICAL_NAMES.get(lower) ??
    name
  );
}

function childObject(
  parent: Record<string, unknown>,
  name: string,
  create: boolean,
): Record<string, unknown> | undefined {
  const key = keyFor(parent, name);
  const existing = parent[key];
  if (isPlainObject(existing)) return existing;
  if (!create) return undefined;
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function lowerKeys(value: unknown): Map<string, unknown> | undefined {
  if (!isPlainObject(value)) return undefined;
  return new Map(Object.entries(value).map(([key, inner]) => [key.toLowerCase(), inner]));
}

const PATCH_OP_LOWER = PATCH_OP_SCHEMA.toLowerCase();

function syntax(detail: string) {
  return scimBadRequest('invalidSyntax', detail);
}
