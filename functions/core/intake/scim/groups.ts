import { createHash } from 'node:crypto';
import { type GroupMapping, type GroupMappingEntry, scopeOf } from '#core/config/group-mapping.ts';
import {
  boundedText,
  DEPROVISION_REQUEST_SCHEMA_VERSION,
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  fits,
  SUBJECT_ID_MAX_LENGTH,
} from '#core/domain/deprovision-request.ts';
import { scimBadRequest, scimNotFound } from '#core/intake/scim/errors.ts';
import { type PatchOperation, parsePatchRequest } from '#core/intake/scim/patch.ts';
import { GROUP_SCHEMA } from '#core/intake/scim/schemas.ts';
import { type ScimUsersDeps, scimSubject } from '#core/intake/scim/users.ts';

/*
 * SCIM /Groups, as Microsoft Entra ID and Okta group push use it:
 * - Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra
 *   ID" (use-scim-to-provision-users-and-groups), Groups: "Create Group" (POST with displayName,
 *   externalId = the Entra object id, members []), "Update Group [Add Members]" and "Update Group
 *   [Remove Members]" (`{"op":"Remove","path":"members","value":[{"$ref":null,"value":"<id>"}]}`),
 *   "Update Group [Non-member attributes]" (Replace displayName), "Delete Group".
 * - Okta, "SCIM 2.0 protocol reference" (developer.okta.com/docs/api/openapi/okta-scim/guides/
 *   scim-20), Group operations: "Create Groups" (POST), "Update a specific Group name" (replace
 *   with a value object), "Update specific Group membership" (`{"op":"remove","path":"members[value
 *   eq \"<id>\"]"}` and `{"op":"add","path":"members","value":[{"value":"<id>"}]}`), "Delete a
 *   specific Group". Both send the SCIM user ids this service issued as member values.
 * - RFC 7644 §3.5.2: op names case-insensitive (Entra sends "Remove"); 204 answers a PATCH.
 *
 * Groups are not stored: the id this service issues encodes the group's displayName and externalId
 * as pushed, so a later PATCH by id finds the mapping entry by id, externalId or displayName
 * without a lookup. Only member removals act (one group-level request per person); adds, renames,
 * replaces and deletes are accepted and change nothing on the Help Center.
 */

const GROUP_ID_PREFIX = 'g1.';
/** Most members one PATCH may remove (Entra and Okta send far fewer per request). */
export const MAX_REMOVED_MEMBERS = 1000;
/** A retry of the same PATCH within this bucket gets the same request ids (the worker dedupes). */
export const GROUP_REQUEST_BUCKET_SECONDS = 15 * 60;

const text = boundedText(SUBJECT_ID_MAX_LENGTH);

/** The group as the IdP pushed it. */
export interface PushedGroup {
  displayName: string;
  externalId?: string;
}

/** The trimmed text `value` holds, when it fits the request limits. */
function fitText(value: unknown): string | undefined {
  return fits(text, value);
}

/** The id issued for a pushed group (stable for the same displayName and externalId). */
export function scimGroupId(group: PushedGroup): string {
  const json = JSON.stringify(
    group.externalId === undefined ? [group.displayName] : [group.displayName, group.externalId],
  );
  return `${GROUP_ID_PREFIX}${Buffer.from(json, 'utf8').toString('base64url')}`;
}

/** The group an id issued by `scimGroupId` names; undefined for any other id. */
export function decodeScimGroupId(id: string): PushedGroup | undefined {
  if (!id.startsWith(GROUP_ID_PREFIX)) return undefined;
  try {
    const parts: unknown = JSON.parse(
      Buffer.from(id.slice(GROUP_ID_PREFIX.length), 'base64url').toString(),
    );
    if (!Array.isArray(parts) || parts.length < 1 || parts.length > 2) return undefined;
    const [displayName, externalId] = parts.map(fitText);
    if (displayName === undefined || (parts.length === 2 && externalId === undefined)) {
      return undefined;
    }
    const group: PushedGroup =
      externalId === undefined ? { displayName } : { displayName, externalId };
    return scimGroupId(group) === id ? group : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A POST/PUT Group body: displayName required, externalId optional, members ignored.
 * @throws ScimError 400 invalidValue
 */
export function pushedGroupFromBody(body: unknown): PushedGroup {
  const fields = (body ?? {}) as { displayName?: unknown; externalId?: unknown };
  const displayName = typeof body === 'object' ? fitText(fields.displayName) : undefined;
  const externalId = fields.externalId == null ? undefined : fitText(fields.externalId);
  if (displayName === undefined || (fields.externalId != null && externalId === undefined)) {
    throw scimBadRequest(
      'invalidValue',
      `Invalid Group: displayName (and externalId when sent) must be text of at most ${SUBJECT_ID_MAX_LENGTH} characters`,
    );
  }
  return externalId ? { displayName, externalId } : { displayName };
}

/** The SCIM Group resource for an id (members are not listed: they are not stored). */
export function toScimGroup(id: string, group: PushedGroup, groupsUrl: string) {
  return {
    schemas: [GROUP_SCHEMA],
    id,
    displayName: group.displayName,
    ...(group.externalId === undefined ? {} : { externalId: group.externalId }),
    meta: { resourceType: 'Group', location: `${groupsUrl}/${encodeURIComponent(id)}` },
  };
}

/**
 * The group behind a path id: one this service issued, or an id the mapping names directly.
 * @throws ScimError 404 for any other id
 */
export function knownGroup(mapping: GroupMapping | undefined, id: string): PushedGroup {
  const group = decodeScimGroupId(id);
  if (group) return group;
  const entry = mapping?.get(id);
  if (entry) return { displayName: entry.name ?? id };
  throw scimNotFound(id);
}

/**
 * The mapping entry for a SCIM group: by its id, its externalId (Entra's group object id) or its
 * displayName. Entries that disagree are never guessed between: none.
 */
export function mappedScimGroup(
  mapping: GroupMapping | undefined,
  id: string,
  group: PushedGroup | undefined,
): GroupMappingEntry | undefined {
  if (!mapping || mapping.size === 0) return undefined;
  const keys = [id, group?.externalId, group?.displayName];
  const found = new Set(keys.flatMap((k) => (k === undefined ? [] : [mapping.get(k)])));
  found.delete(undefined);
  return found.size === 1 ? [...found][0] : undefined;
}

/**
 * The member ids a Group PATCH removes. Add operations, renames and externalId changes are
 * accepted as no-ops; a replace of `members` (a full membership list) is accepted but not acted on
 * (members are not stored, so nobody can be told apart as removed).
 * @throws ScimError 400 invalidSyntax / invalidPath / invalidValue / noTarget
 */
export function removedMembers(operations: readonly PatchOperation[]): string[] {
  const removed = new Set<string>();
  for (const [index, operation] of operations.entries()) {
    const raw = operation.path?.replace(/^urn:ietf:params:scim:schemas:core:2\.0:group:/i, '');
    if (raw === undefined) {
      if (operation.op === 'remove') throw scimBadRequest('noTarget', 'remove needs a path');
      continue;
    }
    const path = raw.toLowerCase();
    const filtered = /^members\[\s*value\s+eq\s+("(?:[^"\\]|\\.)*")\s*\]$/i.exec(raw);
    if (filtered?.[1] !== undefined) {
      if (operation.op !== 'remove') continue;
      const value = fitText(JSON.parse(filtered[1]));
      if (value === undefined) throw scimBadRequest('invalidFilter', `Operations[${index}].path`);
      removed.add(value);
    } else if (path === 'members') {
      if (operation.op !== 'remove') continue;
      if (operation.value === undefined || operation.value === null) {
        throw scimBadRequest(
          'noTarget',
          'Removing every member at once is not supported; name the members to remove',
        );
      }
      const list: unknown[] = Array.isArray(operation.value) ? operation.value : [operation.value];
      for (const member of list) {
        const value = fitText((member as { value?: unknown } | null)?.value);
        if (value === undefined) {
          throw scimBadRequest('invalidValue', `Operations[${index}].value must list members`);
        }
        removed.add(value);
      }
    } else if (!['displayname', 'externalid'].includes(path)) {
      throw scimBadRequest('invalidPath', `Operations[${index}].path is not a Group attribute`);
    }
    if (removed.size > MAX_REMOVED_MEMBERS) {
      throw scimBadRequest('invalidValue', `At most ${MAX_REMOVED_MEMBERS} members per request`);
    }
  }
  return [...removed];
}

export interface ScimGroupPatchResult {
  enqueued: number;
  /** Why nothing was enqueued for the group, or how many member values named no known user. */
  unmapped: boolean;
  unknownMembers: number;
}

/**
 * `PATCH /Groups/{id}`: every member removal of a mapped group becomes one group-level request
 * (scope = the mapping entry) for the person the SCIM user id names, enqueued before the answer.
 * An unmapped group, or a member id no user record has, enqueues nothing. `requestId` is derived
 * from the group, the member and a 15-minute bucket, so the IdP's retry of the same PATCH dedupes.
 * @throws ScimError 400, 404; QueueError
 */
export async function patchScimGroup(
  deps: ScimUsersDeps & { groupMapping?: GroupMapping },
  id: string,
  body: unknown,
): Promise<ScimGroupPatchResult> {
  const operations = parsePatchRequest(body);
  const group = knownGroup(deps.groupMapping, id);
  const members = removedMembers(operations);
  const entry = mappedScimGroup(deps.groupMapping, id, decodeScimGroupId(id));
  if (!entry || members.length === 0) {
    deps.logger.info('scim group patch: nothing to remove', {
      source: 'scim',
      group: group.displayName,
      mapped: entry !== undefined,
      removed: members.length,
    });
    return { enqueued: 0, unmapped: !entry, unknownMembers: 0 };
  }
  const now = deps.clock.now();
  const bucket = Math.floor(now.getTime() / 1000 / GROUP_REQUEST_BUCKET_SECONDS);
  const records = await Promise.all(members.map((member) => deps.store.get(member)));
  const requests: DeprovisionRequest[] = [];
  for (const record of records) {
    if (record === undefined) continue;
    const digest = createHash('sha256')
      .update(JSON.stringify([entry.idpGroupId, record.id]))
      .digest('base64url')
      .slice(0, 32);
    const request = DeprovisionRequestSchema.safeParse({
      schemaVersion: DEPROVISION_REQUEST_SCHEMA_VERSION,
      requestId: `scim:group:${digest}:${bucket}`,
      source: 'scim',
      subject: scimSubject(record),
      reason: 'scim.group.remove-member',
      occurredAt: now.toISOString(),
      receivedAt: now.toISOString(),
      scope: scopeOf(entry),
    });
    if (request.success) requests.push(request.data);
  }
  if (requests.length > 0) await deps.queue.send(requests);
  const unknownMembers = members.length - requests.length;
  deps.logger.info('scim group members removed', {
    source: 'scim',
    idpGroupId: entry.idpGroupId,
    enqueued: requests.length,
    unknownMembers,
  });
  return { enqueued: requests.length, unmapped: false, unknownMembers };
}
