import type { GroupMapping, GroupMappingEntry } from '#core/config/group-mapping.ts';
import { ENV } from '#core/contract/env-names.ts';
import { ConfigError } from '#core/domain/errors.ts';
import type { HelpCenterGroup } from '#core/ports/help-center.ts';

/** Reads the groups of one help center (the Zoho client's getHelpCenterGroupList, paged). */
export interface HelpCenterGroupLister {
  listHelpCenterGroups(helpCenterId: string): Promise<HelpCenterGroup[]>;
}

export interface MappedGroupFinding {
  entry: GroupMappingEntry;
  /** The Help Center group's name when found; undefined when the group is not in its help center. */
  groupName?: string;
  found: boolean;
}

/**
 * Checks every mapping entry against the groups its help center lists (one paged read per help
 * center, reads only). @throws what the lister throws (network, token, scope)
 */
export async function findMappedGroups(
  mapping: GroupMapping,
  lister: HelpCenterGroupLister,
): Promise<MappedGroupFinding[]> {
  const byHelpCenter = new Map<string, Promise<HelpCenterGroup[]>>();
  const findings: MappedGroupFinding[] = [];
  for (const entry of mapping.values()) {
    let groups = byHelpCenter.get(entry.helpCenterId);
    if (groups === undefined) {
      groups = lister.listHelpCenterGroups(entry.helpCenterId);
      byHelpCenter.set(entry.helpCenterId, groups);
    }
    const group = (await groups).find(
      (g) => g.id === entry.groupId && g.helpCenterId === entry.helpCenterId,
    );
    findings.push({
      entry,
      found: group !== undefined,
      ...(group?.name ? { groupName: group.name } : {}),
    });
  }
  return findings;
}

/** "IdP group X (name) → help center H, group G" for messages. */
export function describeEntry(entry: GroupMappingEntry): string {
  return `${entry.idpGroupId}${entry.name ? ` (${entry.name})` : ''} → help center ${entry.helpCenterId}, group ${entry.groupId}`;
}

/**
 * The start-up form: a ConfigError naming every entry whose Help Center group does not exist in
 * its help center. @throws ConfigError, and what the lister throws
 */
export async function assertMappedGroupsExist(
  mapping: GroupMapping,
  lister: HelpCenterGroupLister,
): Promise<void> {
  const missing = (await findMappedGroups(mapping, lister)).filter((f) => !f.found);
  if (missing.length === 0) return;
  const issues = missing.map(
    (f) =>
      `${ENV.GROUP_MAPPING}: ${describeEntry(f.entry)}: no group ${f.entry.groupId} in help center ${f.entry.helpCenterId}`,
  );
  throw new ConfigError(
    `Unknown Help Center group in the group mapping: ${issues.join('; ')}. Fix the groupId (Zoho Desk: Setup > Help Center > User Groups) or remove the entry`,
    issues,
  );
}
