import { randomUUID } from 'node:crypto';
import {
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  looksLikeEmail,
  SubjectFieldSchemas,
} from '#core/domain/deprovision-request.ts';
import { MAX_RESULTS } from '#core/intake/scim/discovery.ts';
import { scimBadRequest, scimNotFound } from '#core/intake/scim/errors.ts';
import { type EqualityClause, parseUserFilter } from '#core/intake/scim/filter.ts';
import { applyPatch, parsePatchRequest } from '#core/intake/scim/patch.ts';
import {
  assertUniqueUserName,
  canonicalJson,
  type UserFields,
  userFieldsFromBody,
  userState,
} from '#core/intake/scim/resource.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { IdentityRecord, IdentityStore } from '#core/ports/identity-store.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export interface ScimUsersDeps {
  store: IdentityStore;
  queue: WorkQueue;
  clock: Clock;
  logger: Logger;
  /** New SCIM resource ids (default: random UUIDs). */
  newId?: () => string;
}

export type ScimDeprovisionReason =
  | 'scim.patch.active=false'
  | 'scim.put.active=false'
  | 'scim.delete';

export interface ScimUserPage {
  totalResults: number;
  startIndex: number;
  records: IdentityRecord[];
}

/**
 * `GET /Users`: filter (`userName eq "…"`, `externalId eq "…"`, … joined by `and`) and paging
 * (`startIndex` 1-based, `count` capped at MAX_RESULTS). No match is an empty page, not an error.
 * @throws ScimError 400 invalidFilter / invalidValue
 */
export async function listScimUsers(
  deps: ScimUsersDeps,
  query: { filter?: string; startIndex?: string; count?: string },
): Promise<ScimUserPage> {
  const startIndex = Math.max(1, pagingNumber('startIndex', query.startIndex) ?? 1);
  const count = Math.min(
    MAX_RESULTS,
    Math.max(0, pagingNumber('count', query.count) ?? MAX_RESULTS),
  );
  if (query.filter === undefined || query.filter.trim() === '') {
    const page = await deps.store.list({ startIndex, count });
    return { totalResults: page.total, startIndex, records: page.records };
  }
  const filter = parseUserFilter(query.filter);
  const [first] = filter;
  const candidates = first === undefined ? [] : await candidatesFor(deps.store, first);
  const matches = candidates
    .filter((record) => filter.every((clause) => matchesClause(record, clause)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    totalResults: matches.length,
    startIndex,
    records: matches.slice(startIndex - 1, startIndex - 1 + count),
  };
}

/** `GET /Users/{id}`. @throws ScimError 404 */
export async function getScimUser(deps: ScimUsersDeps, id: string): Promise<IdentityRecord> {
  const record = await deps.store.get(id);
  if (record === undefined) throw scimNotFound(id);
  return record;
}

/**
 * `POST /Users`: records the identity (never calls the Help Center; the worker links Help Center
 * ids by email at deprovision time). Creating a user, active or not, enqueues nothing.
 * @throws ScimError 400 invalidValue, 409 uniqueness
 */
export async function createScimUser(deps: ScimUsersDeps, body: unknown): Promise<IdentityRecord> {
  const fields = userFieldsFromBody(body);
  assertUniqueUserName(await deps.store.findBy('userName', fields.userName), fields.userName);
  const now = deps.clock.now().toISOString();
  const record = buildRecord(
    { id: (deps.newId ?? randomUUID)(), createdAt: now, updatedAt: now, version: 1 },
    { ...fields, active: fields.active ?? true },
  );
  await deps.store.put(record);
  deps.logger.info('scim user created', {
    source: 'scim',
    scimId: record.id,
    active: record.active,
  });
  return record;
}

/**
 * `PUT /Users/{id}`: full replace. An absent `active` keeps the current value (never read as a
 * deactivation); an absent `externalId` is kept too (Okta's PUT bodies leave it out). active true → false enqueues one request (reason `scim.put.active=false`).
 * @throws ScimError 400, 404, 409; QueueError when the enqueue fails (nothing is written then)
 */
export async function replaceScimUser(
  deps: ScimUsersDeps,
  id: string,
  body: unknown,
): Promise<IdentityRecord> {
  const existing = await getScimUser(deps, id);
  const fields = userFieldsFromBody(body);
  if (fields.externalId === undefined && existing.externalId !== undefined) {
    fields.externalId = existing.externalId;
  }
  return commit(deps, existing, fields, 'scim.put.active=false');
}

/**
 * `PATCH /Users/{id}` (RFC 7644 section 3.5.2, every form Entra ID and Okta send). active true →
 * false enqueues one request (reason `scim.patch.active=false`); an already inactive user, a
 * re-enable or a profile change enqueues nothing.
 * @throws ScimError 400, 404, 409; QueueError when the enqueue fails (nothing is written then)
 */
export async function patchScimUser(
  deps: ScimUsersDeps,
  id: string,
  body: unknown,
): Promise<IdentityRecord> {
  const operations = parsePatchRequest(body);
  const existing = await getScimUser(deps, id);
  const fields = userFieldsFromBody(applyPatch(userState(existing), operations));
  return commit(deps, existing, fields, 'scim.patch.active=false');
}

/**
 * `DELETE /Users/{id}`: enqueues one request (reason `scim.delete`), then removes the record, so a
 * failed enqueue leaves the record for the IdP's retry and a repeat answers 404.
 * @throws ScimError 404; QueueError
 */
export async function deleteScimUser(deps: ScimUsersDeps, id: string): Promise<void> {
  const existing = await getScimUser(deps, id);
  const request = deprovisionRequest(
    deps,
    existing,
    'scim.delete',
    `scim:${existing.id}:delete:v${existing.version}`,
  );
  await deps.queue.send([request]);
  await deps.store.delete(existing.id);
  deps.logger.info('scim user deleted', {
    source: 'scim',
    scimId: existing.id,
    requestId: request.requestId,
  });
}

/**
 * Writes the new state of a record. On a true → false transition the request is enqueued BEFORE
 * the write: if the enqueue fails nothing changes and the IdP's retry sees the same transition
 * (same version, so the same requestId); if the write fails after the enqueue, the retry enqueues
 * the same requestId again and the worker dedupes it.
 */
async function commit(
  deps: ScimUsersDeps,
  existing: IdentityRecord,
  fields: UserFields,
  reason: ScimDeprovisionReason,
): Promise<IdentityRecord> {
  if (fields.userName.toLowerCase() !== (existing.userName ?? '').toLowerCase()) {
    const holders = await deps.store.findBy('userName', fields.userName);
    assertUniqueUserName(holders, fields.userName, existing.id);
  }
  // a body without emails keeps the known address: it is the worker's Help Center lookup key
  const candidate = buildRecord(existing, {
    ...fields,
    active: fields.active ?? existing.active,
    ...(fields.email === undefined && existing.email !== undefined
      ? { email: existing.email }
      : {}),
  });
  if (canonicalJson(candidate) === canonicalJson(existing)) {
    deps.logger.info('scim user unchanged', { source: 'scim', scimId: existing.id });
    return existing;
  }
  const next: IdentityRecord = {
    ...candidate,
    version: existing.version + 1,
    updatedAt: deps.clock.now().toISOString(),
  };
  const deactivated = existing.active && !next.active;
  let requestId: string | undefined;
  if (deactivated) {
    requestId = `scim:${next.id}:v${next.version}`;
    await deps.queue.send([deprovisionRequest(deps, next, reason, requestId)]);
  }
  await deps.store.put(next);
  deps.logger.info('scim user updated', {
    source: 'scim',
    scimId: next.id,
    version: next.version,
    active: next.active,
    ...(requestId === undefined ? {} : { requestId, reason }),
  });
  return next;
}

/** The record with `fields` applied; keeps id, timestamps, version and Help Center links. */
function buildRecord(
  base: Pick<IdentityRecord, 'id' | 'createdAt' | 'updatedAt' | 'version'> &
    Partial<IdentityRecord>,
  fields: UserFields & { active: boolean },
): IdentityRecord {
  const record: IdentityRecord = {
    id: base.id,
    userName: fields.userName,
    active: fields.active,
    attributes: fields.attributes,
    createdAt: base.createdAt,
    updatedAt: base.updatedAt,
    version: base.version,
  };
  if (fields.externalId !== undefined) record.externalId = fields.externalId;
  if (fields.email !== undefined) record.email = fields.email;
  if (base.idpUserId !== undefined) record.idpUserId = base.idpUserId;
  if (base.helpCenterUserIds !== undefined) record.helpCenterUserIds = base.helpCenterUserIds;
  return record;
}

function deprovisionRequest(
  deps: ScimUsersDeps,
  record: IdentityRecord,
  reason: ScimDeprovisionReason,
  requestId: string,
): DeprovisionRequest {
  const now = deps.clock.now().toISOString();
  return DeprovisionRequestSchema.parse({
    schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
    requestId,
    source: 'scim',
    subject: scimSubject(record),
    reason,
    occurredAt: now,
    receivedAt: now,
  });
}

/**
 * The subject of a request about a SCIM user record. Fields outside the request limits are left
 * out (the SCIM id, ours, always names the record).
 */
export function scimSubject(record: IdentityRecord): DeprovisionRequest['subject'] {
  return {
    idpUserId: record.id,
    ...fitting('login', record.userName),
    ...(record.email !== undefined && looksLikeEmail(record.email.trim())
      ? fitting('email', record.email)
      : {}),
    ...fitting('externalId', record.externalId),
  };
}

function fitting(
  field: 'login' | 'email' | 'externalId',
  value: string | undefined,
): Partial<Record<typeof field, string>> {
  if (value === undefined) return {};
  const parsed = SubjectFieldSchemas[field].safeParse(value);
  return parsed.success ? { [field]: parsed.data } : {};
}

async function candidatesFor(store: IdentityStore, clause: EqualityClause) {
  switch (clause.attribute) {
    case 'id': {
      const record = await store.get(clause.value);
      return record === undefined ? [] : [record];
    }
    case 'userName':
      return store.findBy('userName', clause.value);
    case 'externalId':
      return store.findBy('externalId', clause.value);
    case 'emails':
      return store.findBy('email', clause.value);
  }
}

function matchesClause(record: IdentityRecord, clause: EqualityClause): boolean {
  const wanted = clause.value.toLowerCase();
  switch (clause.attribute) {
    case 'id':
      return record.id === clause.value;
    case 'userName':
      return record.userName?.toLowerCase() === wanted;
    case 'externalId':
      return record.externalId === clause.value;
    case 'emails': {
      const emails = record.attributes?.emails;
      const listed = Array.isArray(emails)
        ? emails.some(
            (e) =>
              typeof e?.value === 'string' &&
              e.value.toLowerCase() === wanted &&
              (clause.emailType === undefined ||
                (typeof e.type === 'string' &&
                  e.type.toLowerCase() === clause.emailType.toLowerCase())),
          )
        : false;
      return listed || (clause.emailType === undefined && record.email?.toLowerCase() === wanted);
    }
  }
}

function pagingNumber(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  if (!/^[-+]?\d{1,9}$/.test(raw.trim())) {
    throw scimBadRequest('invalidValue', `${name} must be an integer`);
  }
  return Number.parseInt(raw, 10);
}
