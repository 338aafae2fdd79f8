import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';
import { ZOHO_ID_PATTERN } from '#core/contract/zoho-desk.ts';
import type { GroupScope } from '#core/domain/deprovision-request.ts';
import { ConfigError } from '#core/domain/errors.ts';

/**
 * One IdP group → one Help Center group. `idpGroupId` is the Okta group id, the Entra group object
 * id, or the SCIM group id or displayName (matched exactly, case-sensitively).
 */
export const GroupMappingEntrySchema = z.strictObject({
  idpGroupId: z.string().check(z.trim(), z.minLength(1), z.maxLength(512)),
  helpCenterId: z.string().check(z.regex(ZOHO_ID_PATTERN, 'must be a Zoho id (digits)')),
  groupId: z.string().check(z.regex(ZOHO_ID_PATTERN, 'must be a Zoho id (digits)')),
  /** Free text for banners and logs. */
  name: z.optional(z.string().check(z.maxLength(200))),
});
export type GroupMappingEntry = z.infer<typeof GroupMappingEntrySchema>;

/** The validated mapping, looked up by IdP group id. */
export type GroupMapping = ReadonlyMap<string, GroupMappingEntry>;

export const emptyGroupMapping: GroupMapping = new Map();

/**
 * Parses `GROUP_MAPPING` (a JSON array of entries). With `helpCenterIds`, every target must be in
 * one of them.
 * @throws ConfigError naming GROUP_MAPPING and every bad entry: invalid JSON or entry, an IdP group
 * mapped twice, two IdP groups mapped to the same Help Center group, a help center not configured.
 */
export function parseGroupMapping(
  raw: string | undefined,
  options: { helpCenterIds?: readonly string[] } = {},
): GroupMapping {
  if (raw === undefined || raw.trim() === '') return emptyGroupMapping;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw mappingError(['not valid JSON']);
  }
  const parsed = z.array(GroupMappingEntrySchema).check(z.maxLength(1000)).safeParse(json);
  if (!parsed.success) {
    throw mappingError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`),
    );
  }
  return validateGroupMapping(parsed.data, options);
}

/** Checks entries already shaped (from JSON or a typed config). @throws ConfigError */
export function validateGroupMapping(
  entries: readonly GroupMappingEntry[],
  options: { helpCenterIds?: readonly string[] } = {},
): GroupMapping {
  const problems: string[] = [];
  const byIdp = new Map<string, GroupMappingEntry>();
  const byTarget = new Map<string, string>();
  const configured = options.helpCenterIds ? new Set(options.helpCenterIds) : undefined;
  for (const entry of entries) {
    if (byIdp.has(entry.idpGroupId)) {
      problems.push(`IdP group ${entry.idpGroupId} is mapped more than once`);
    }
    const target = `${entry.helpCenterId}/${entry.groupId}`;
    const other = byTarget.get(target);
    if (other !== undefined) {
      problems.push(
        `Help Center group ${target} is the target of both ${other} and ${entry.idpGroupId}`,
      );
    }
    if (configured && !configured.has(entry.helpCenterId)) {
      problems.push(
        `IdP group ${entry.idpGroupId} is mapped to help center ${entry.helpCenterId}, which is not configured (HELPCENTER_IDS)`,
      );
    }
    byIdp.set(entry.idpGroupId, entry);
    byTarget.set(target, entry.idpGroupId);
  }
  if (problems.length > 0) throw mappingError(problems);
  return byIdp;
}

/** True when `scope` is exactly an entry of `mapping` (same IdP group, help center and group). */
export function isMapped(
  mapping: GroupMapping,
  scope: { idpGroupId: string; helpCenterId: string; groupId: string },
): boolean {
  const entry = mapping.get(scope.idpGroupId);
  return entry?.helpCenterId === scope.helpCenterId && entry.groupId === scope.groupId;
}

/** The group-level scope for an IdP group the mapping names; undefined when unmapped. */
export function mappedScope(
  mapping: GroupMapping | undefined,
  idpGroupId: string,
): GroupScope | undefined {
  const entry = mapping?.get(idpGroupId);
  return entry ? scopeOf(entry) : undefined;
}

/** The group-level scope of one mapping entry (that membership and nothing else). */
export function scopeOf(entry: {
  idpGroupId: string;
  helpCenterId: string;
  groupId: string;
}): GroupScope {
  const { idpGroupId, helpCenterId, groupId } = entry;
  return { kind: 'group', idpGroupId, helpCenterId, groupId };
}

/** One line per entry, for the banner and preflight. */
export function describeGroupMapping(mapping: GroupMapping): string[] {
  return [...mapping.values()].map(
    (e) =>
      `${e.idpGroupId}${e.name ? ` (${e.name})` : ''} → help center ${e.helpCenterId}, group ${e.groupId}`,
  );
}

function mappingError(problems: string[]): ConfigError {
  const issues = problems.map((p) => `${ENV.GROUP_MAPPING}: ${p}`);
  return new ConfigError(`Invalid group mapping: ${issues.join('; ')}`, issues);
}
